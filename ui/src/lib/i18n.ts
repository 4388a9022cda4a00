// UI translations: one flat JSON file per language in src/i18n/, validated at start.
// Checklist texts are not here: they come with the checklist (kk/ru/en in checklists/*.toml).

export const LANGS = ["kk", "ru", "en"] as const;
export type Lang = (typeof LANGS)[number];

export type Messages = Record<string, string>;

/** A problem in a translation file, with the file and line it is on. */
export interface BundleProblem {
  file: string;
  line: number;
  reason: string;
}

export function formatProblem(p: BundleProblem): string {
  return `${p.file}:${p.line}: ${p.reason}`;
}

/** The line (1-based) on which `"key":` is written in a JSON text, or 1. */
function lineOf(text: string, key: string): number {
  const at = text.indexOf(JSON.stringify(key) + ":");
  if (at < 0) return 1;
  return text.slice(0, at).split("\n").length;
}

function placeholders(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "").sort();
}

/**
 * Parses every language's file and checks them against each other: valid JSON, an object of
 * strings, no empty message, the same keys in every file, the same {placeholders} in every
 * translation of a key. `files` maps a file name (e.g. "kk.json") to its text.
 */
export function parseBundles(
  files: Record<Lang, { name: string; text: string }>,
): { messages: Record<Lang, Messages>; problems: BundleProblem[] } {
  const problems: BundleProblem[] = [];
  const messages = {} as Record<Lang, Messages>;
  for (const lang of LANGS) {
    const { name, text } = files[lang];
    messages[lang] = {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      const pos = /position (\d+)/.exec(reason);
      const line = pos ? text.slice(0, Number(pos[1])).split("\n").length : 1;
      problems.push({ file: name, line, reason: `not valid JSON (${reason})` });
      continue;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      problems.push({ file: name, line: 1, reason: "must be an object of key: message" });
      continue;
    }
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== "string" || value.trim() === "") {
        problems.push({
          file: name,
          line: lineOf(text, key),
          reason: `message '${key}' must be a non-empty string`,
        });
        continue;
      }
      messages[lang][key] = value;
    }
  }
  const reference = messages.en;
  for (const lang of LANGS) {
    const { name, text } = files[lang];
    for (const key of Object.keys(reference)) {
      const message = messages[lang][key];
      if (message === undefined) {
        if (!problems.some((p) => p.file === name && p.reason.includes(`'${key}'`)))
          problems.push({ file: name, line: 1, reason: `message '${key}' is missing (en.json has it)` });
        continue;
      }
      const want = placeholders(reference[key] ?? "").join(",");
      const got = placeholders(message).join(",");
      if (want !== got) {
        problems.push({
          file: name,
          line: lineOf(text, key),
          reason: `message '${key}' has placeholders {${got}} but en.json has {${want}}`,
        });
      }
    }
    for (const key of Object.keys(messages[lang])) {
      if (!(key in reference))
        problems.push({ file: name, line: lineOf(text, key), reason: `message '${key}' is not in en.json` });
    }
  }
  return { messages, problems };
}

/** Fills `{name}` placeholders. A key with no message shows as the key itself. */
export function format(
  messages: Messages,
  key: string,
  params: Record<string, string | number> = {},
): string {
  const message = messages[key] ?? key;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}
