// The PKI field checks on the items whose checklist names a `tool`: which files each asks
// for, and the report's key lines as the item panel shows them (labels translated through
// `t`; names, serials and times as the report gives them). The report itself, in English,
// is what is attached as evidence.
import type { Tool, Verdict } from "./types";

/** The files a check takes (src-tauri/src/pki.rs `Role`). */
export type Role = "cert" | "intermediates" | "anchors" | "crls" | "certs" | "crl" | "issuer" | "checks";

/** The check's own verdict (tekseru_pki::Verdict). */
export type PkiVerdict = "complies" | "does_not_comply" | "not_verifiable_here";

export interface InputFact {
  name: string;
  bytes: number;
  sha256: string;
}

export interface ChainLink {
  subject: string;
  issuer: string;
  serial: string;
  not_before: string;
  not_after: string;
  signature_algorithm: string;
  anchor: boolean;
  ok: boolean;
  problems: string[];
  notes: string[];
}

export interface OidFact {
  oid: string;
  kind: string;
  registered: boolean;
  name?: string | null;
}

export interface CertificateOids {
  file: InputFact;
  subject: string;
  policies: OidFact[];
  extended_key_usages: OidFact[];
  role?: string | null;
  unknown: string[];
  error?: string | null;
}

export interface CrlLookup {
  file: InputFact;
  subject: string;
  serial: string;
  revoked: boolean;
  revoked_on?: string | null;
  reason?: string | null;
  error?: string | null;
}

export interface TimeSource {
  server: string;
  answered: boolean;
  sample?: { offset_ms: number; delay_ms: number; stratum: number; reference_id: string } | null;
  error?: string | null;
}

interface Common {
  verdict: PkiVerdict;
  reasons: string[];
  notes?: string[];
}

export type PkiReport =
  | (Common & { check: "chain"; at: string; anchor_set: "production" | "given"; trusted: boolean; links: ChainLink[]; inputs: InputFact[] })
  | (Common & { check: "oids"; registry: string; certificates: CertificateOids[] })
  | (Common & {
      check: "crl";
      source: InputFact;
      issuer: string;
      this_update?: string | null;
      next_update?: string | null;
      fresh: boolean;
      delta: boolean;
      entries: number;
      signature?: { algorithm: string; verified?: boolean | null } | null;
      lookups: CrlLookup[];
    })
  | (Common & { check: "time"; max_offset_ms: number; server: TimeSource; second?: TimeSource | null; offset_to_second_ms?: number | null });

/** What `pki_run` returns. */
export interface PkiRun {
  check: PkiReport["check"];
  verdict: PkiVerdict;
  /** The item's verdict the report proposes; null when it cannot decide. */
  proposed: Verdict | null;
  report: PkiReport;
  text: string;
}

/** Which files a tool asks for, in the order the panel shows them; `many` takes several. */
export function rolesOf(tool: Tool): { role: Role; many: boolean }[] {
  switch (tool) {
    case "pki.chain":
      return [
        { role: "cert", many: false },
        { role: "intermediates", many: true },
        { role: "anchors", many: true },
        { role: "crls", many: true },
      ];
    case "pki.oids":
      return [{ role: "certs", many: true }];
    case "pki.crl":
      return [
        { role: "crl", many: false },
        { role: "issuer", many: false },
        { role: "checks", many: true },
      ];
    case "pki.time":
      return [];
  }
}

type T = (key: string, params?: Record<string, string | number>) => string;

/** The short name of a one-line subject: its CN, else the whole line. */
export function shortName(subject: string): string {
  const cn = subject.split(", ").find((p) => p.startsWith("CN="));
  return cn ? cn.slice(3) : subject;
}

function ms(n: number): string {
  return `${n >= 0 ? "+" : ""}${n.toFixed(1)}`;
}

/** The report's key lines, in the interface language. */
export function keyLines(report: PkiReport, t: T): string[] {
  switch (report.check) {
    case "chain": {
      const lines = report.links.map((l, i) =>
        t(l.ok ? "pki_link_ok" : "pki_link_fails", {
          n: i + 1,
          subject: shortName(l.subject) + (l.anchor ? ` (${t("pki_anchor")})` : ""),
          until: l.not_after.slice(0, 10),
        }),
      );
      lines.push(t(report.trusted ? "pki_chain_trusted" : "pki_chain_untrusted", {
        anchors: t(report.anchor_set === "production" ? "pki_anchors_production" : "pki_anchors_given"),
      }));
      return lines;
    }
    case "oids":
      return report.certificates.map((c) => {
        if (c.error) return `${c.file.name}: ${c.error}`;
        const oids = [...c.policies, ...c.extended_key_usages];
        const registered = oids.filter((o) => o.registered).length;
        return t("pki_oids_of", {
          subject: shortName(c.subject),
          registered,
          total: oids.length,
          unknown: c.unknown.length > 0 ? c.unknown.join(", ") : "—",
        });
      });
    case "crl": {
      const lines = [
        t("pki_crl_issuer", { issuer: report.issuer ? shortName(report.issuer) : "—", entries: report.entries }),
        t("pki_crl_validity", {
          from: report.this_update ?? "—",
          until: report.next_update ?? "—",
          fresh: t(report.fresh ? "pki_yes" : "pki_no"),
        }),
        t("pki_crl_signature", {
          result: t(
            report.signature?.verified === true ? "pki_verified" : report.signature?.verified === false ? "pki_not_verified" : "pki_unchecked",
          ),
        }),
      ];
      for (const l of report.lookups) {
        if (l.error) lines.push(`${l.file.name}: ${l.error}`);
        else if (l.revoked)
          lines.push(t("pki_crl_revoked", { subject: shortName(l.subject), serial: l.serial, date: l.revoked_on ?? "—", reason: l.reason ?? "—" }));
        else lines.push(t("pki_crl_not_revoked", { subject: shortName(l.subject), serial: l.serial }));
      }
      return lines;
    }
    case "time": {
      const lines = [source(report.server, t)];
      if (report.second) lines.push(source(report.second, t));
      if (report.offset_to_second_ms != null)
        lines.push(t("pki_time_to_second", { offset: ms(report.offset_to_second_ms) }));
      lines.push(t("pki_time_limit", { max: report.max_offset_ms }));
      return lines;
    }
  }
}

function source(s: TimeSource, t: T): string {
  if (!s.sample) return t("pki_time_no_answer", { server: s.server, error: s.error ?? "—" });
  return t("pki_time_offset", {
    server: s.server,
    offset: ms(s.sample.offset_ms),
    delay: s.sample.delay_ms.toFixed(1),
    stratum: s.sample.stratum,
  });
}
