import { describe, expect, it } from "vitest";
import {
  answersById,
  entries,
  filtered,
  keyAction,
  parseMeasure,
  progress,
  step,
} from "./walkthrough";
import type { Answer, Checklist, Item } from "./types";

const text = { kk: "к", ru: "р", en: "e" };
const item = (id: string, kind: Item["kind"] = "check"): Item => ({ id, kind, ref: "224/НҚ §12(6)", quote: "", text });
const checklist: Checklist = {
  id: "t",
  version: "1",
  title: text,
  rule: "accreditation",
  sections: [
    { id: "a", title: text, items: [item("a.1"), item("a.2"), item("a.3", "measure")] },
    { id: "b", title: text, items: [item("b.1"), item("b.2")] },
  ],
};
const all = entries(checklist);
const answers = answersById([
  { item: "a.1", verdict: "complies" },
  { item: "a.3", verdict: "fails", value: 2.1 },
  { item: "b.1", verdict: "na" },
  { item: "b.2", verdict: null, note: "started, no verdict yet" },
] satisfies Answer[]);

describe("walk-through", () => {
  it("numbers items as the act does", () => {
    expect(all.map((e) => e.number)).toEqual(["1.1", "1.2", "1.3", "2.1", "2.2"]);
  });

  it("counts progress: a note alone is not an answer", () => {
    expect(progress(all, answers)).toEqual({ answered: 3, total: 5, failing: 1 });
  });

  it("filters unanswered and failing items", () => {
    expect(filtered(all, answers, "unanswered").map((e) => e.item.id)).toEqual(["a.2", "b.2"]);
    expect(filtered(all, answers, "failing").map((e) => e.item.id)).toEqual(["a.3"]);
    expect(filtered(all, answers, "all")).toHaveLength(5);
  });

  it("moves within the filter and stops at the ends", () => {
    const visible = filtered(all, answers, "unanswered");
    expect(step(all, visible, "a.2", 1)).toBe("b.2");
    expect(step(all, visible, "b.2", 1)).toBe("b.2");
    expect(step(all, visible, "a.2", -1)).toBe("a.2");
    expect(step(all, visible, null, 1)).toBe("a.2");
  });

  it("from an item the filter hides, goes to the nearest visible one in that direction", () => {
    const visible = filtered(all, answers, "unanswered");
    expect(step(all, visible, "a.3", 1)).toBe("b.2");
    expect(step(all, visible, "a.3", -1)).toBe("a.2");
    expect(step(all, [], "a.3", 1)).toBeNull();
  });

  it("maps keys to actions; a measurement takes no verdict key", () => {
    expect(keyAction("ArrowDown", "check")).toEqual({ kind: "move", delta: 1 });
    expect(keyAction("2", "check")).toEqual({ kind: "verdict", verdict: "fails" });
    expect(keyAction("3", "document")).toEqual({ kind: "verdict", verdict: "na" });
    expect(keyAction("1", "measure")).toBeNull();
    expect(keyAction("x", "check")).toBeNull();
  });

  it("reads measurements typed with a comma or a point", () => {
    expect(parseMeasure("2,44")).toBe(2.44);
    expect(parseMeasure(" 1.5 ")).toBe(1.5);
    expect(parseMeasure("")).toBeNull();
    expect(parseMeasure("2.4.4")).toBeNull();
    expect(parseMeasure("abc")).toBeNull();
  });
});
