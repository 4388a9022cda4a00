// The one place that talks to the Tauri side. Every call is a command of
// src-tauri/src/commands.rs; a rejection becomes a UserError with the crate's message.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open, save } from "@tauri-apps/plugin-dialog";
import { fanOut } from "./fanout";
import { serialQueue } from "./serial";
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
  /** Files chosen in the system's file dialog; empty when the dialog is cancelled. */
  pickFiles: async (title: string, extensions?: string[]): Promise<string[]> => {
    const picked = await open({
      title,
      multiple: true,
      directory: false,
      filters: extensions ? [{ name: extensions.join(", "), extensions }] : undefined,
    });
    if (picked === null) return [];
    return Array.isArray(picked) ? picked : [picked];
  },
  /** Where to save a file, chosen in the system's dialog; null when cancelled. */
  pickSavePath: (title: string, defaultPath: string): Promise<string | null> =>
    save({ title, defaultPath, filters: [{ name: "PDF", extensions: ["pdf"] }] }),
  /** Files dropped on the window. */
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
  createStore: (passphrase: string, inspector: string) =>
    call<void>("create_store", { passphrase, inspector }),
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
  addEvidence: (id: string, item: string, paths: string[]) =>
    call<Evidence[]>("add_evidence", { id, item, paths }),
  thumbnail: (sha256: string) => call<string | null>("thumbnail", { sha256 }),

  renderAct: (id: string, lang: "kk" | "ru" | "kk+ru") => call<ActStatus | null>("render_act", { id, lang }),
  actStatus: (id: string) => call<ActStatus | null>("act_status", { id }),
  actPage: (id: string, page: number) => call<string>("act_page", { id, page }),
  signAct: (id: string, member: string, p12: string, password: string) =>
    call<ActStatus | null>("sign_act", { id, member, p12, password }),
  /** Writes the latest act, or the revision `sha256` (a dissent notice), to `path`. */
  exportAct: (id: string, path: string, sha256: string | null = null) =>
    call<void>("export_act", { id, path, sha256 }),
  dissent: (id: string, member: string, reason: string) => call<string>("dissent", { id, member, reason }),

  addTrustedRoot: (pem: string) => call<number>("add_trusted_root", { pem }),
  quorum: (rule: Checklist["rule"], roster: Member[], signed: string[]) =>
    call<QuorumOutcome>("quorum", { rule, roster, signed }),
  timeline: (id: string) => call<TimelineStep[]>("timeline", { id }),
  recordEvent: (id: string, step: string, date: string) =>
    change(() => call<void>("record_event", { id, step, date })),
};
