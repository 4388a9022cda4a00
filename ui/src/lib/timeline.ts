// The procedure calendar explains each step with message keys and arguments
// (crates/calendar/src/timeline.rs, MESSAGES); here they become a sentence in the UI's language.
import type { QuorumReason } from "./types";

/** Translates a message key with its arguments, as `t` does. */
type Translate = (key: string, params?: Record<string, string | number>) => string;

/**
 * One note of a step in the current language. The engine gives a weekday as its English name
 * and a step as its id; they are shown as the weekday's name and the step's title.
 */
export function explainNote(note: QuorumReason, titleOf: (stepId: string) => string | undefined, t: Translate): string {
  const args: Record<string, string> = { ...note.args };
  if (args.weekday) args.weekday = t(`weekday_${args.weekday}`);
  for (const name of ["after", "step"]) {
    const id = args[name];
    if (id) args[name] = titleOf(id) ?? id;
  }
  return t(`timeline_${note.key}`, args);
}
