// The walk-through's logic, free of Svelte and Tauri so that it can be tested alone:
// the flat order of items, filters, progress and keyboard navigation.
import type { Answer, Checklist, Item, Section, Verdict } from "./types";

export type Filter = "all" | "unanswered" | "failing";

export interface Entry {
  section: Section;
  item: Item;
  /** "2.3": the section's number and the item's number in it, as the act prints them. */
  number: string;
}

export function entries(checklist: Checklist): Entry[] {
  return checklist.sections.flatMap((section, s) =>
    section.items.map((item, i) => ({ section, item, number: `${s + 1}.${i + 1}` })),
  );
}

export function answersById(answers: Answer[]): Map<string, Answer> {
  return new Map(answers.map((a) => [a.item, a]));
}

export function verdictOf(answers: Map<string, Answer>, itemId: string): Verdict | null {
  return answers.get(itemId)?.verdict ?? null;
}

export function matches(filter: Filter, verdict: Verdict | null): boolean {
  switch (filter) {
    case "all":
      return true;
    case "unanswered":
      return verdict === null;
    case "failing":
      return verdict === "fails";
  }
}

export function filtered(all: Entry[], answers: Map<string, Answer>, filter: Filter): Entry[] {
  return all.filter((e) => matches(filter, verdictOf(answers, e.item.id)));
}

export interface Progress {
  answered: number;
  total: number;
  failing: number;
}

export function progress(all: Entry[], answers: Map<string, Answer>): Progress {
  let answered = 0;
  let failing = 0;
  for (const e of all) {
    const v = verdictOf(answers, e.item.id);
    if (v !== null) answered++;
    if (v === "fails") failing++;
  }
  return { answered, total: all.length, failing };
}

/**
 * The item `delta` steps from `current` among `visible`, stopping at the ends. When `current`
 * is not visible (the filter hid it), moving forward goes to the first visible item after it
 * in checklist order, backward to the last one before it.
 */
export function step(all: Entry[], visible: Entry[], current: string | null, delta: number): string | null {
  if (visible.length === 0) return null;
  const first = visible[0]?.item.id ?? null;
  if (current === null) return first;
  const at = visible.findIndex((e) => e.item.id === current);
  if (at >= 0) {
    const to = Math.min(Math.max(at + delta, 0), visible.length - 1);
    return visible[to]?.item.id ?? null;
  }
  const order = new Map(all.map((e, i) => [e.item.id, i]));
  const here = order.get(current) ?? -1;
  const after = visible.filter((e) => (order.get(e.item.id) ?? 0) > here);
  const before = visible.filter((e) => (order.get(e.item.id) ?? 0) < here);
  if (delta > 0) return (after[0] ?? visible[visible.length - 1])?.item.id ?? null;
  return (before[before.length - 1] ?? visible[0])?.item.id ?? null;
}

/** What a key press in the walk-through does; null when the key is not ours. */
export type KeyAction =
  | { kind: "move"; delta: number }
  | { kind: "verdict"; verdict: Verdict }
  | { kind: "note" };

export function keyAction(key: string, itemKind: Item["kind"] | undefined): KeyAction | null {
  switch (key) {
    case "ArrowDown":
    case "j":
      return { kind: "move", delta: 1 };
    case "ArrowUp":
    case "k":
      return { kind: "move", delta: -1 };
    case "n":
    case "N":
      return { kind: "note" };
  }
  // Verdicts by number; a measurement's verdict follows from its value, never from a key.
  if (itemKind === undefined || itemKind === "measure" || itemKind === "inventory") return null;
  const verdicts: Record<string, Verdict> = { "1": "complies", "2": "fails", "3": "na" };
  const verdict = verdicts[key];
  return verdict ? { kind: "verdict", verdict } : null;
}

/** Parses a measured value as typed: a comma or a point as decimal separator. */
export function parseMeasure(text: string): number | null {
  const cleaned = text.trim().replace(",", ".");
  if (cleaned === "" || !/^[-+]?\d*\.?\d+$/.test(cleaned)) return null;
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : null;
}
