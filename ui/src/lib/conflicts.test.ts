import { describe, expect, it } from "vitest";
import { conflictsByItem, fieldLabel, inspectionConflicts, keepChoice, showValue, shownAt, typedChoice } from "./conflicts";
import type { Conflict } from "./types";

const A = { device: "a1b2c3d4e5f60718", inspector: "Айгүл", at: "2026-11-30T09:15:42Z" };
const B = { device: "0f1e2d3c4b5a6978", inspector: "Данияр", at: "2026-11-30T09:20:00Z" };
const SHA = "ab".repeat(32);

const verdict: Conflict = { item: "1.2", field: "verdict", versions: [{ ...A, value: "complies" }, { ...B, value: "fails" }] };
const note: Conflict = { item: "1.2", field: "note", versions: [{ ...A, value: "seen" }, { ...B, value: null }] };
const row: Conflict = {
  item: "3.1",
  field: "r-7",
  versions: [
    { ...A, value: { id: "r-7", kind: "hsm", role: "main", serial: "SN1", model: "Luna", manufacturer: "", location: "rack 2", declared: true, found: true } },
    { ...B, value: null },
  ],
};
const file: Conflict = { item: "3.1", field: SHA, versions: [{ ...A, value: "kept" }, { ...B, value: null }] };
const findings: Conflict = { item: "@act", field: "findings", versions: [{ ...A, value: "x" }, { ...B, value: "y" }] };

describe("the conflicts panel", () => {
  it("lists conflicts beside their item and keeps the inspection's own apart", () => {
    const all = [verdict, row, note, findings, file];
    const byItem = conflictsByItem(all);
    expect(byItem.get("1.2")).toEqual([verdict, note]);
    expect(byItem.get("3.1")).toEqual([row, file]);
    expect(byItem.has("2.1")).toBe(false);
    expect(inspectionConflicts(all)).toEqual([findings]);
    expect(conflictsByItem(undefined).size).toBe(0);
  });

  it("names the field, a file by its name when the inspection has it", () => {
    expect(fieldLabel(verdict)).toEqual({ key: "conflict_field_verdict" });
    expect(fieldLabel(row)).toEqual({ key: "conflict_field_row", params: { id: "r-7" } });
    expect(fieldLabel(file, [{ sha256: SHA, name: "hall.jpg" } as never])).toEqual({ key: "conflict_field_file", params: { name: "hall.jpg" } });
    expect(fieldLabel(file)).toEqual({ key: "conflict_field_file", params: { name: "abababababab" } });
    expect(fieldLabel(findings)).toEqual({ key: "findings" });
  });

  it("shows each version's value: a verdict translated, a cleared note, a deleted row", () => {
    expect(showValue(verdict, "fails")).toEqual({ key: "verdict_fails" });
    expect(showValue(note, null)).toEqual({ key: "conflict_cleared" });
    expect(showValue(row, null)).toEqual({ key: "conflict_deleted" });
    expect(showValue(row, row.versions[0]?.value)).toEqual({ text: "hsm · SN1 · Luna · rack 2" });
    expect(showValue(file, "kept")).toEqual({ key: "conflict_file_kept" });
    expect(showValue(note, "seen")).toEqual({ text: "seen" });
    expect(shownAt({ ...A, value: null })).toBe("2026-11-30 09:15 UTC");
  });

  it("sends the device of the version kept, or a typed value the store can take", () => {
    expect(keepChoice(verdict.versions[1]!)).toEqual({ take: "0f1e2d3c4b5a6978" });
    expect(typedChoice(verdict, "na")).toEqual({ value: "na" });
    expect(typedChoice(verdict, "maybe")).toBeNull();
    const value: Conflict = { ...verdict, field: "value" };
    expect(typedChoice(value, " 12,5 ")).toEqual({ value: "12.5" });
    expect(typedChoice(value, "abc")).toBeNull();
    expect(typedChoice(note, "")).toEqual({ value: "" });
    expect(typedChoice(row, "  ")).toBeNull();
  });
});
