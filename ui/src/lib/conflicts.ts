// What the conflicts panel shows: which items have open conflicts, how a field and each
// version's value read, and what "Keep this" or a typed value sends to the store.
import type { Conflict, ConflictVersion, Evidence, InventoryRow } from "./types";

/** A message key with its arguments, or text shown as it is. */
export type Shown = { key: string; params?: Record<string, string | number> } | { text: string };

/** The open conflicts by item, in the store's order. */
export function conflictsByItem(conflicts: Conflict[] | undefined): Map<string, Conflict[]> {
  const byItem = new Map<string, Conflict[]>();
  for (const c of conflicts ?? []) {
    const list = byItem.get(c.item);
    if (list) list.push(c);
    else byItem.set(c.item, [c]);
  }
  return byItem;
}

/** Conflicts on the inspection's own fields (act content, details, dissents, dates). */
export function inspectionConflicts(conflicts: Conflict[] | undefined): Conflict[] {
  return (conflicts ?? []).filter((c) => c.item.startsWith("@"));
}

const SHA256 = /^[0-9a-f]{64}$/;

/** The conflicting field's name. */
export function fieldLabel(c: Conflict, evidence: Evidence[] = []): Shown {
  switch (c.field) {
    case "verdict":
      return { key: "conflict_field_verdict" };
    case "value":
      return { key: "measured_value" };
    case "note":
      return { key: "note" };
    case "findings":
    case "conclusions":
    case "recommendations":
      if (c.item === "@act") return { key: c.field };
  }
  if (SHA256.test(c.field)) {
    const name = evidence.find((e) => e.sha256 === c.field)?.name;
    return { key: "conflict_field_file", params: { name: name ?? c.field.slice(0, 12) } };
  }
  if (c.item === "@dissents") return { key: "conflict_field_dissent", params: { iin: c.field } };
  if (c.item.startsWith("@")) return { text: c.field };
  return { key: "conflict_field_row", params: { id: c.field } };
}

function isRow(value: unknown): value is InventoryRow {
  return typeof value === "object" && value !== null && "serial" in value;
}

/** How one version's value reads. */
export function showValue(c: Conflict, value: unknown): Shown {
  if (value === null || value === undefined) {
    const gone = c.field === "verdict" || c.field === "value" || c.field === "note" || c.item.startsWith("@");
    return { key: gone ? "conflict_cleared" : "conflict_deleted" };
  }
  if (c.field === "verdict" && typeof value === "string") return { key: `verdict_${value}` };
  if (SHA256.test(c.field)) return { key: "conflict_file_kept" };
  if (isRow(value)) {
    return { text: [value.kind, value.serial, value.model, value.location].filter((p) => p).join(" · ") };
  }
  if (typeof value === "string") return value === "" ? { key: "conflict_cleared" } : { text: value };
  if (typeof value === "number" || typeof value === "boolean") return { text: String(value) };
  return { text: JSON.stringify(value) };
}

/** When a version was written, as the panel shows it (UTC, to the minute). */
export function shownAt(v: ConflictVersion): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(v.at);
  return m ? `${m[1]} ${m[2]} UTC` : v.at;
}

/** What "Keep this" sends: the device whose version is kept. */
export function keepChoice(v: ConflictVersion): { take: string } {
  return { take: v.device };
}

/**
 * What a typed value sends, or null when there is nothing to send. A verdict is one of the
 * store's words; any other field takes the text as typed (empty clears a note).
 */
export function typedChoice(c: Conflict, typed: string): { value: string } | null {
  const text = c.field === "note" || c.item === "@act" ? typed : typed.trim();
  if (c.field === "verdict") return ["complies", "fails", "na", "none"].includes(text) ? { value: text } : null;
  if (c.field === "value") return text === "" || !Number.isFinite(Number(text.replace(",", "."))) ? null : { value: text.replace(",", ".") };
  if (text === "" && c.field !== "note" && c.item !== "@act") return null;
  return { value: text };
}
