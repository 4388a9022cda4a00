// For tests: the shipped translation files, and an engine's table of English messages read
// from its Rust source, so that a test can check that every message is translated.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { parseBundles, type Lang, type Messages } from "./i18n";

export const read = (lang: Lang) => ({
  name: `${lang}.json`,
  text: readFileSync(new URL(`../i18n/${lang}.json`, import.meta.url), "utf8"),
});

export function shipped(): Record<Lang, Messages> {
  return parseBundles({ kk: read("kk"), ru: read("ru"), en: read("en") }).messages;
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((p) => p[1]).sort();

/** The `MESSAGES` table of a Rust source file (a path from the repository's root): key and placeholders. */
export function engineMessages(source: string): { key: string; placeholders: (string | undefined)[] }[] {
  const rust = readFileSync(new URL(`../../../${source}`, import.meta.url), "utf8");
  const start = rust.indexOf("pub const MESSAGES");
  const table = rust.slice(start, rust.indexOf("];", start));
  return [...table.matchAll(/\("([a-z_]+)", "((?:[^"\\]|\\.)*)"\)/g)].map((m) => ({
    key: m[1] ?? "",
    placeholders: placeholders(m[2] ?? ""),
  }));
}

/** Every message of the engine's table is translated as `<prefix><key>` in every language, with the same placeholders. */
export function expectTranslated(source: string, prefix: string, atLeast: number) {
  const messages = shipped();
  const engine = engineMessages(source);
  expect(engine.length).toBeGreaterThan(atLeast);
  for (const { key, placeholders: expected } of engine) {
    for (const lang of ["kk", "ru", "en"] as const) {
      const text = messages[lang][`${prefix}${key}`];
      expect(text, `${lang}: ${prefix}${key}`).toBeDefined();
      expect(placeholders(text ?? ""), `${lang}: ${prefix}${key}`).toEqual(expected);
    }
  }
}
