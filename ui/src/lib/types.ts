// The shapes the app's commands exchange with the UI (src-tauri/src/commands.rs is the other
// half). Checklist shapes mirror tekseru_core's serde output.
import type { Lang } from "./i18n";

export type Localized = Record<Lang, string>;
export type ItemKind = "check" | "measure" | "inventory" | "pki" | "document";
export type Verdict = "complies" | "fails" | "na";
export type Op = ">=" | ">" | "<=" | "<";
/** The field tool that measures an item (the checklist's `tool`). */
export type Tool = "pki.chain" | "pki.oids" | "pki.crl" | "pki.time";

export interface MeasureRule {
  op: Op;
  value: number;
}

export interface Item {
  id: string;
  kind: ItemKind;
  ref: string;
  quote: string;
  text: Localized;
  guidance?: Localized;
  unit?: string;
  rule?: MeasureRule;
  inventory?: { kinds: string[]; roles: string[] };
  tool?: Tool;
}

export interface Section {
  id: string;
  title: Localized;
  items: Item[];
}

export interface Checklist {
  id: string;
  version: string;
  title: Localized;
  rule: "accreditation" | "revocation";
  sections: Section[];
  procedure?: {
    no_violations_mark?: { ref: string; text: Localized };
    recommendation_deadline?: { max_working_days: number; ref: string };
  };
}

export interface ChecklistSummary {
  id: string;
  version: string;
  title: Localized;
  items: number;
  rule: "accreditation" | "revocation";
}

export type Role = "chair" | "secretary" | "member";
export type Body = "committee" | "techreg" | "knb" | "other";

export interface Member {
  name: string;
  iin: string;
  role: Role;
  body: Body;
  position?: string | null;
}

export interface InventoryRow {
  /** Stable across edits and laptops; given by the store, kept when the row is saved back. */
  id?: string;
  kind: string;
  role: string;
  serial: string;
  model: string;
  manufacturer: string;
  location: string;
  /** Declared in the application, or found on site only. */
  declared: boolean;
  /** Seen on site, unchanged from the declaration. */
  found: boolean;
}

export interface Answer {
  item: string;
  verdict?: Verdict | null;
  value?: number | null;
  note?: string | null;
  inventory?: InventoryRow[] | null;
  updated_by?: string;
  updated_at?: string;
}

export interface Evidence {
  sha256: string;
  name: string;
  bytes: number;
  media_type: string;
  item: string | null;
  added_at: string;
  added_by: string;
}

export interface Recommendation {
  text: string;
  deadline_working_days: number | null;
  /** A longer term agreed between the CA and the provider (224/НҚ §21 ¶4, §22 ¶8; revocation only). */
  agreed_working_days?: number | null;
}

export interface InspectionSummary {
  id: string;
  ca_name: string;
  bin: string;
  site: string;
  checklist_id: string;
  checklist_version: string;
  created_at: string;
  answered: number;
  total: number;
  failing: number;
  sealed: boolean;
  /** Why the inspection cannot be read (its data is damaged); the list still shows the others. */
  damaged?: string | null;
  /** A training inspection: NCA test keys and identities, no legal force. */
  training: boolean;
}

/** How the act's quorum is counted (the points 224/НҚ leaves open), pinned at creation. */
export interface QuorumSettings {
  secretary_counts_in_accreditation: boolean;
  revocation_minimum: "whole_commission" | "members_only";
  late_signatures_count: boolean;
  every_knb_member_signs: boolean;
}

/** What the act carries besides the answers; a field left out is not known. */
export interface ActDetails {
  commission_order?: string | null;
  commission_order_date?: string | null;
  act_number?: string | null;
  legal_address?: string | null;
  present?: string[];
  subject?: string | null;
  onsite_start?: string | null;
  violations?: string[];
}

export interface Inspection extends InspectionSummary {
  checklist: Checklist;
  roster: Member[];
  settings: QuorumSettings;
  details: ActDetails;
  answers: Answer[];
  evidence: Evidence[];
  /** The CA's actual state, in prose (224/НҚ §13 ¶1); not a list of violations. */
  findings: string;
  conclusions: string;
  recommendations: Recommendation[];
  audit_head: string;
  amendments: number;
  dissents: Dissent[];
  trusted_roots: number;
  /** Fields written on several laptops with different values; the act waits for them. */
  conflicts?: Conflict[];
}

/** A field written concurrently on several laptops, with every version still standing. */
export interface Conflict {
  /** The item, or `@act`, `@details`, `@dissents`, `@events` for the inspection's own fields. */
  item: string;
  /** `verdict`, `value`, `note`, an inventory row's id, a file's SHA-256, or the field of `@…`. */
  field: string;
  versions: ConflictVersion[];
}

export interface ConflictVersion {
  /** The value written; null: cleared (a row or a file: deleted). */
  value: unknown;
  /** The device that wrote it (its id). */
  device: string;
  inspector: string;
  /** RFC 3339, UTC. */
  at: string;
}

export interface Dissent {
  iin: string;
  reason: string;
}

/** One line of the quorum's explanation: a message key (i18n `quorum_<key>`) and its arguments. */
export interface QuorumReason {
  key: string;
  args: Record<string, string>;
}

export interface QuorumOutcome {
  adopted: boolean;
  signed: number;
  required: number;
  counted: string[];
  /** The explanation in English (for logs and the CLI). */
  reasons: string[];
  /** The same explanation, to be shown in the interface language. */
  explanation: QuorumReason[];
}

export interface ActSignature {
  member: string | null;
  iin: string | null;
  subject: string;
  signed_at: string | null;
  valid: boolean;
  trusted: boolean;
  revision: number;
}

export interface ActRevision {
  sha256: string;
  bytes: number;
  kind: "rendered" | "signed" | "dissent";
  member: string | null;
  at: string;
}

/** The latest act, verified against the store's trusted roots (tekseru_workflow::ActStatus). */
export interface ActStatus {
  revision: ActRevision;
  pages: number;
  signatures: ActSignature[];
  quorum: QuorumOutcome;
  modified_after_last_signature: boolean;
  manifest_matches: boolean;
  reasons: string[];
  ok: boolean;
  /** Changes to the inspection since the act was rendered: it must be rendered again. */
  amendments: number;
  trusted_roots: number;
}

export type StepStatus = "done" | "done_late" | "pending" | "overdue" | "waiting" | "no_term" | "not_needed";

export interface TimelineStep {
  id: string;
  status: StepStatus;
  title: Localized;
  reference: string;
  due: string | null;
  done: string | null;
  working_days_left: number | null;
  late: boolean;
  /** Why: keys of the calendar's messages (`timeline_<key>`) with their arguments. */
  notes: QuorumReason[];
}
