import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { format, parseBundles, type Lang } from "./i18n";
import { explainNote } from "./timeline";

const read = (lang: Lang) => ({
  name: `${lang}.json`,
  text: readFileSync(new URL(`../i18n/${lang}.json`, import.meta.url), "utf8"),
});
const { messages } = parseBundles({ kk: read("kk"), ru: read("ru"), en: read("en") });

describe("the timeline's explanation", () => {
  // The calendar's messages (crates/calendar/src/timeline.rs, MESSAGES) and their placeholders.
  const rust = readFileSync(new URL("../../../crates/calendar/src/timeline.rs", import.meta.url), "utf8");
  const start = rust.indexOf("pub const MESSAGES");
  const table = rust.slice(start, rust.indexOf("];", start));
  const engine = [...table.matchAll(/\("([a-z_]+)", "((?:[^"\\]|\\.)*)"\)/g)].map((m) => ({
    key: m[1] ?? "",
    placeholders: [...(m[2] ?? "").matchAll(/\{(\w+)\}/g)].map((p) => p[1]).sort(),
  }));

  it("has every message of the calendar, in every language, with its placeholders", () => {
    expect(engine.length).toBeGreaterThan(12);
    for (const { key, placeholders } of engine) {
      for (const lang of ["kk", "ru", "en"] as const) {
        const text = messages[lang][`timeline_${key}`];
        expect(text, `${lang}: timeline_${key}`).toBeDefined();
        expect([...(text ?? "").matchAll(/\{(\w+)\}/g)].map((p) => p[1]).sort(), `${lang}: timeline_${key}`).toEqual(placeholders);
      }
    }
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
