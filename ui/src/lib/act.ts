// Logic of the act tab, free of Svelte: deadline limits and the signing roster.
import type { ActStatus, Member, Recommendation } from "./types";

/** Why a recommendation's deadline breaks the procedure's limit (224/НҚ §21 ¶2), or null. */
export function deadlineProblem(
  r: Recommendation,
  limit: { max_working_days: number; ref: string } | null,
): { max: number; ref: string } | null {
  if (!limit || r.deadline_working_days === null || r.deadline_working_days === undefined) return null;
  return r.deadline_working_days > limit.max_working_days ? { max: limit.max_working_days, ref: limit.ref } : null;
}

export type MemberState = "signed" | "invalid" | "dissent" | "waiting";

/** Each roster member's state in the signing ceremony, from the act's verified signatures. */
export function memberStates(roster: Member[], act: ActStatus | null, dissents: string[]): Map<string, MemberState> {
  const states = new Map<string, MemberState>();
  for (const m of roster) {
    const sigs = act?.signatures.filter((s) => s.iin === m.iin) ?? [];
    if (sigs.some((s) => s.valid && s.trusted)) states.set(m.iin, "signed");
    else if (sigs.length > 0) states.set(m.iin, "invalid");
    else if (dissents.includes(m.iin)) states.set(m.iin, "dissent");
    else states.set(m.iin, "waiting");
  }
  return states;
}
