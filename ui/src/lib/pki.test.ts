import { describe, expect, it } from "vitest";
import { format } from "./i18n";
import { shipped } from "./engine-messages.test-helper";
import { keyLines, rolesOf, shortName, type PkiReport } from "./pki";
// `tekseru pki chain assets/anchors/prod/nca_gost_2022.cer --at 2025-01-01T00:00:00Z --json`,
// the report the app's pki_run returns for the same file.
import nca from "./testdata/chain-nca-gost-2022.json";

const messages = shipped();
const tIn = (lang: "kk" | "ru" | "en") => (key: string, params?: Record<string, string | number>) =>
  format(messages[lang], key, params);

describe("the PKI field checks on the item panel", () => {
  it("ask for the files each check takes", () => {
    expect(rolesOf("pki.chain").map((r) => r.role)).toEqual(["cert", "intermediates", "anchors", "crls"]);
    expect(rolesOf("pki.crl").filter((r) => !r.many).map((r) => r.role)).toEqual(["crl", "issuer"]);
    expect(rolesOf("pki.time")).toEqual([]);
  });

  it("name every role, tool and verdict in every language", () => {
    const keys = [
      ...(["cert", "intermediates", "anchors", "crls", "certs", "crl", "issuer", "checks"] as const).map((r) => `pki_role_${r}`),
      ...["pki.chain", "pki.oids", "pki.crl", "pki.time"].map((tool) => `pki_tool_${tool}`),
      ...["complies", "does_not_comply", "not_verifiable_here"].map((v) => `pki_verdict_${v}`),
    ];
    for (const lang of ["kk", "ru", "en"] as const)
      for (const key of keys) expect(messages[lang][key], `${lang} ${key}`).toBeTruthy();
  });

  it("show a real chain report's links in the reader's language", () => {
    const report = nca as PkiReport;
    expect(report.check).toBe("chain");
    expect(keyLines(report, tIn("kk"))).toEqual([
      "1. ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) 2022 (түбір): дұрыс, 2045-09-07 дейін жарамды",
      "2. НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) 2022 (түбір): дұрыс, 2045-09-08 дейін жарамды",
      "Тізбек сенім түбіріне жетеді: tekseru-мен бірге жеткізілген ҚР ҰКО түбірлері",
    ]);
    expect(keyLines(report, tIn("en"))[2]).toBe("The chain reaches a trust anchor: the NCA RK roots shipped with tekseru");
  });

  it("show a time server's offset, and one that did not answer", () => {
    const report: PkiReport = {
      check: "time",
      verdict: "does_not_comply",
      reasons: ["the time server is 2500.0 ms off the laptop's clock, more than 1000 ms"],
      notes: [],
      max_offset_ms: 1000,
      server: {
        server: "127.0.0.1:12345",
        answered: true,
        sample: { offset_ms: 2500.04, delay_ms: 2.2, stratum: 1, reference_id: "GPS" },
      },
      second: { server: "ntp.example.kz", answered: false, sample: null, error: "no answer within 3000 ms" },
      offset_to_second_ms: null,
    };
    expect(keyLines(report, tIn("ru"))).toEqual([
      "127.0.0.1:12345: смещение +2500.0 мс к ноутбуку, задержка 2.2 мс, stratum 1",
      "ntp.example.kz: нет ответа (no answer within 3000 ms)",
      "Допустимое смещение: не более 1000 мс",
    ]);
  });

  it("show what the CRL says of each certificate looked up", () => {
    const file = { name: "user.cer", bytes: 900, sha256: "00" };
    const report: PkiReport = {
      check: "crl",
      verdict: "complies",
      reasons: [],
      notes: [],
      source: { name: "nca_gost_test.crl", bytes: 2000, sha256: "11" },
      issuer: "CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022, C=KZ",
      this_update: "2026-11-20T00:00:00Z",
      next_update: "2026-11-21T00:00:00Z",
      fresh: true,
      delta: false,
      entries: 2,
      signature: { algorithm: "GOST R 34.10-2015 512", verified: true },
      lookups: [
        { file, subject: "CN=REVOKED, C=KZ", serial: "0a", revoked: true, revoked_on: "2026-03-01T10:00:00Z", reason: "keyCompromise" },
        { file, subject: "CN=GOOD, C=KZ", serial: "0b", revoked: false },
      ],
    };
    expect(keyLines(report, tIn("en"))).toEqual([
      "Issuer: ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022; entries: 2",
      "Issued 2026-11-20T00:00:00Z, next 2026-11-21T00:00:00Z; current: yes",
      "Signature: verified",
      "REVOKED (serial 0a): revoked on 2026-03-01T10:00:00Z, reason: keyCompromise",
      "GOOD (serial 0b): not revoked",
    ]);
    expect(shortName("O=no common name")).toBe("O=no common name");
  });
});
