// The one place that talks to the Tauri side. Every call is a command of
// src-tauri/src/commands.rs; a rejection becomes a UserError with the crate's message.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { fanOut } from "./fanout";
import { serialQueue } from "./serial";
import type { PkiRun, Role } from "./pki";
import type {
  ActDetails,
  ActStatus,
  Answer,
  Checklist,
  ChecklistSummary,
  Evidence,
  Inspection,
  InspectionSummary,
  InventoryRow,
  Member,
  MeasureRule,
  QuorumOutcome,
  QuorumSettings,
  Recommendation,
  TimelineStep,
  Verdict,
} from "./types";

export class UserError extends Error {}

/** Changes to an inspection, applied in the order they were made. */
const change = serialQueue();

async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    const message =
      typeof e === "object" && e !== null && "message" in e ? String(e.message) : String(e);
    throw new UserError(message);
  }
}

export interface DeviceInfo {
  id: string;
  fingerprint: string;
  public_key: string;
  inspector_name: string;
  inspector_iin: string;
}

export interface Exported {
  file: string;
  events: number;
  blobs: number;
  bytes: number;
}

export type ImportOutcome =
  | {
      outcome: "imported";
      inspection: string;
      new_events: number;
      known_events: number;
      new_blobs: number;
      devices_accepted: string[];
      conflicts: number;
    }
  | { outcome: "unknown_device"; fingerprint: string; inspector: string }
  | { outcome: "needs_passphrase" };

export interface StoreState {
  exists: boolean;
  unlocked: boolean;
  data_dir: string;
  inspector: string | null;
  demo_passphrase: string | null;
}

/** Progress of a long task (evidence import, act rendering), sent by the app as events. */
export interface Progress {
  task: string;
  label: string;
  done: number;
  total: number;
}

export const backend = {
  // File dialogs are opened by the app itself (in Rust): no command takes a path from here,
  // except the files of a drop, which the app checks against the drop it saw.
  /** Files dropped on the window; returns the function that stops the handler. */
  onDrop: fanOut<string[]>((emit) =>
    getCurrentWebview().onDragDropEvent((event) => {
      if (event.payload.type === "drop") emit(event.payload.paths);
    }),
  ),
  /** Progress events of long tasks; returns the function that stops the handler. */
  onProgress: fanOut<Progress>((emit) => listen<Progress>("progress", (event) => emit(event.payload))),
  /** Asks the running long task to stop; what it finished stays, what it did not is undone. */
  cancel: () => call<void>("cancel"),

  storeState: () => call<StoreState>("store_state"),
  createStore: (passphrase: string, inspector: string, iin: string) =>
    call<void>("create_store", { passphrase, inspector, iin }),
  /**
   * Asks where to save and writes the inspection for colleagues, encrypted to their public
   * keys or else to the passphrase; null when the dialog is cancelled.
   */
  exportBundle: (id: string, to: string[], passphrase: string | null, title: string, fileName: string) =>
    call<Exported | null>("export_bundle", { id, to, passphrase, title, fileName }),
  /** Opens the dialog titled `title` for a colleague's file; its name, null when cancelled. */
  chooseBundle: (title: string) => call<string | null>("choose_bundle", { title }),
  /** Imports the file chosen last, accepting these devices (fingerprints). */
  importBundle: (accept: string[], passphrase: string | null) =>
    call<ImportOutcome>("import_bundle", { accept, passphrase }),
  /** This laptop's device: what a colleague compares before accepting it. */
  device: () => call<DeviceInfo>("device"),
  unlock: (passphrase: string) => call<void>("unlock", { passphrase }),
  lock: () => call<void>("lock"),

  checklists: () => call<ChecklistSummary[]>("checklists"),
  checklist: (id: string) => call<Checklist>("checklist", { id }),
  measureVerdict: (rule: MeasureRule, value: number) =>
    call<Verdict>("measure_verdict", { rule, value }),

  inspections: () => call<InspectionSummary[]>("inspections"),
  newInspection: (input: {
    checklist: string;
    ca_name: string;
    bin: string;
    site: string;
    roster: Member[];
    training: boolean;
    settings: QuorumSettings;
  }) => call<string>("new_inspection", { input }),
  inspection: (id: string) => call<Inspection>("inspection", { id }),
  answer: (
    id: string,
    item: string,
    answer: { verdict?: Verdict | null; value?: number | null; note?: string | null; inventory?: InventoryRow[] | null },
  ) => change(() => call<Answer>("answer", { id, item, answer })),
  setConclusions: (id: string, findings: string, conclusions: string, recommendations: Recommendation[]) =>
    change(() => call<void>("set_conclusions", { id, findings, conclusions, recommendations })),
  setDetails: (id: string, details: ActDetails) =>
    change(() => call<ActDetails>("set_details", { id, details })),
  /** Opens the file dialog titled `title` and imports the files chosen; [] when cancelled. */
  addEvidence: (id: string, item: string, title: string) =>
    call<Evidence[]>("add_evidence", { id, item, title }),
  /** Imports the files of the drop just made on the window. */
  addDroppedEvidence: (id: string, item: string, paths: string[]) =>
    call<Evidence[]>("add_dropped_evidence", { id, item, paths }),
  thumbnail: (sha256: string) => call<string | null>("thumbnail", { sha256 }),

  renderAct: (id: string, lang: "kk" | "ru" | "kk+ru") => call<ActStatus | null>("render_act", { id, lang }),
  actStatus: (id: string) => call<ActStatus | null>("act_status", { id }),
  actPage: (id: string, page: number) => call<string>("act_page", { id, page }),
  /** Opens the dialog titled `title` for the signer's key file; its name, null when cancelled. */
  chooseKey: (title: string) => call<string | null>("choose_key", { title }),
  /** Signs with the key file chosen last (chooseKey). */
  signAct: (id: string, member: string, password: string) =>
    call<ActStatus | null>("sign_act", { id, member, password }),
  /**
   * Asks where to save the latest act, or the revision `sha256` (a dissent notice), and
   * writes it there; false when the dialog is cancelled.
   */
  exportAct: (id: string, title: string, fileName: string, sha256: string | null = null) =>
    call<boolean>("export_act", { id, sha256, title, fileName }),
  /** Signs with NCALayer (a key on a token or an ID card); what it returns is verified first. */
  signActNcaLayer: (id: string, member: string) =>
    call<ActStatus | null>("sign_act_ncalayer", { id, member }),
  dissent: (id: string, member: string, reason: string) => call<string>("dissent", { id, member, reason }),

  /** Opens the dialog titled `title` for PEM files and trusts their roots; how many were new. */
  addTrustedRoot: (title: string) => call<number>("add_trusted_root", { title }),
  /**
   * Opens the dialog titled `title` for the files of `role` of the item's field check and
   * keeps them for its next run; their paths, null when cancelled.
   */
  pkiChoose: (item: string, role: Role, title: string) =>
    call<string[] | null>("pki_choose", { item, role, title }),
  pkiClear: (item: string, role: Role) => call<void>("pki_clear", { item, role }),
  /** Runs the item's field check on the files chosen and the URL or time server given. */
  pkiRun: (id: string, item: string, input: { url?: string; server?: string; second?: string }) =>
    call<PkiRun>("pki_run", { id, item, input }),
  /** Keeps the item's last report as evidence on it; the verdict is only proposed. */
  pkiAttach: (id: string, item: string) =>
    change(() => call<{ files: Evidence[]; proposed_verdict: Verdict | null }>("pki_attach", { id, item })),
  quorum: (rule: Checklist["rule"], roster: Member[], signed: string[]) =>
    call<QuorumOutcome>("quorum", { rule, roster, signed }),
  /** Resolves an open conflict: keep one device's version, or a typed value. */
  resolve: (id: string, item: string, field: string, choice: { take: string } | { value: string }) =>
    change(() => call<void>("resolve", { id, item, field, choice })),
  timeline: (id: string) => call<TimelineStep[]>("timeline", { id }),
  recordEvent: (id: string, step: string, date: string) =>
    change(() => call<void>("record_event", { id, step, date })),
};
