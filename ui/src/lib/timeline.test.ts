import { describe, expect, it } from "vitest";
import { format } from "./i18n";
import { expectTranslated, shipped } from "./engine-messages.test-helper";
import { explainNote } from "./timeline";

const messages = shipped();

describe("the timeline's explanation", () => {
  it("has every message of the calendar, in every language, with its placeholders", () => {
    expectTranslated("crates/calendar/src/timeline.rs", "timeline_", 12);
  });

  it("names the weekday and the step it counts from in the reader's language", () => {
    const note = {
      key: "due_after_event",
      args: { due: "2025-03-21", weekday: "Friday", n: "10", after: "application", anchor: "2025-03-07", reference: "224/НҚ §8 ¶1", quote: "он жұмыс күні ішінде" },
    };
    const titles: Record<string, string> = { application: "Өтінішті тіркеу" };
    const text = explainNote(note, (id) => titles[id], (key, args) => format(messages.kk, key, args));
    expect(text).toBe("мерзімі 2025-03-21 (жұма): «Өтінішті тіркеу» (2025-03-07) қадамынан кейін 10 жұмыс күні — 224/НҚ §8 ¶1 «он жұмыс күні ішінде»");
  });

  it("keeps a step's id when the procedure has no such step", () => {
    const note = { key: "not_needed", args: { step: "unknown-step" } };
    expect(explainNote(note, () => undefined, (key, args) => format(messages.ru, key, args))).toBe("не требуется: «unknown-step» выполнено в срок");
  });
});
