import { describe, expect, it } from "vitest";
import { deadlineProblem, memberStates } from "./act";
import type { ActStatus, Member } from "./types";

const limit = { max_working_days: 60, ref: "224/НҚ §21 ¶2" };

describe("recommendation deadlines", () => {
  it("allows up to the limit and names the rule beyond it", () => {
    expect(deadlineProblem({ text: "x", deadline_working_days: 60 }, limit)).toBeNull();
    expect(deadlineProblem({ text: "x", deadline_working_days: 61 }, limit)).toEqual({ max: 60, ref: "224/НҚ §21 ¶2" });
    expect(deadlineProblem({ text: "x", deadline_working_days: 90 }, null)).toBeNull();
    expect(deadlineProblem({ text: "x", deadline_working_days: null }, limit)).toBeNull();
  });
});

describe("signing ceremony", () => {
  const m = (name: string, iin: string): Member => ({ name, iin, role: "member", body: "committee" });
  const roster = [m("A", "1"), m("B", "2"), m("C", "3"), m("D", "4")];
  const sig = (iin: string, valid: boolean, trusted: boolean) => ({
    member: iin, iin, subject: "", signed_at: null, valid, trusted, revision: 1,
  });
  const act: ActStatus = {
    revision: { sha256: "ab", bytes: 1, kind: "signed", member: "2", at: "2026-11-30T10:00:00Z" },
    pages: 1, modified_after_last_signature: false, manifest_matches: true,
    quorum: { adopted: false, signed: 1, required: 3, counted: [], reasons: [], explanation: [] },
    signatures: [sig("1", true, true), sig("2", true, false)],
    reasons: [], ok: false, amendments: 0, trusted_roots: 1,
  };

  it("shows who signed, whose signature does not count, who dissents and who is awaited", () => {
    const states = memberStates(roster, act, ["3"]);
    expect([...states.values()]).toEqual(["signed", "invalid", "dissent", "waiting"]);
  });

  it("before the act is rendered everyone is awaited", () => {
    expect([...memberStates(roster, null, []).values()]).toEqual(["waiting", "waiting", "waiting", "waiting"]);
  });
});
