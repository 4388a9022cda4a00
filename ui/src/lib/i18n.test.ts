import { describe, expect, it } from "vitest";
import { format, formatProblem, parseBundles } from "./i18n";
import { expectTranslated, read } from "./engine-messages.test-helper";

describe("translation files", () => {
  it("the shipped files are complete and consistent", () => {
    const { problems, messages } = parseBundles({ kk: read("kk"), ru: read("ru"), en: read("en") });
    expect(problems.map(formatProblem)).toEqual([]);
    expect(Object.keys(messages.kk).length).toBeGreaterThan(50);
    expect(messages.kk.adopted).toBe("Қабылданды");
  });

  it("names the file, line and key of each problem", () => {
    const en = { name: "en.json", text: '{\n  "a": "A {n}",\n  "b": "B"\n}' };
    const ru = { name: "ru.json", text: '{\n  "a": "А",\n  "c": "В"\n}' };
    const kk = { name: "kk.json", text: '{\n  "a": "A {n}",\n  "b": ""\n}' };
    const problems = parseBundles({ kk, ru, en }).problems.map(formatProblem);
    expect(problems).toEqual([
      "kk.json:3: message 'b' must be a non-empty string",
      "ru.json:2: message 'a' has placeholders {} but en.json has {n}",
      "ru.json:1: message 'b' is missing (en.json has it)",
      "ru.json:3: message 'c' is not in en.json",
    ]);
  });

  it("reports broken JSON with its line", () => {
    const ok = { name: "x.json", text: '{"a": "A"}' };
    const bad = { name: "kk.json", text: '{\n  "a": "A",\n}' };
    const problems = parseBundles({ kk: bad, ru: ok, en: ok }).problems;
    expect(problems[0]?.file).toBe("kk.json");
    expect(problems[0]?.reason).toMatch(/^not valid JSON/);
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(format({ p: "{a} of {b}" }, "p", { a: 1, b: 2 })).toBe("1 of 2");
    expect(format({ p: "{a} of {b}" }, "p", { a: 1 })).toBe("1 of {b}");
    expect(format({}, "missing_key")).toBe("missing_key");
  });
});

describe("the quorum's explanation", () => {
  it("has every message of the engine, in every language, with its placeholders", () => {
    expectTranslated("crates/core/src/quorum.rs", "quorum_", 15);
  });

  it("reads in Kazakh as the engine decided", () => {
    const { messages } = parseBundles({ kk: read("kk"), ru: read("ru"), en: read("en") });
    const text = format(messages.kk, "quorum_accreditation_no_knb", { signed: 2, members: 3, required: 2 });
    expect(text).toBe(
      "қабылданған жоқ: ұлттық қауіпсіздік органдарының өкілі қол қойған жоқ; 224/НҚ §13 ¶4 бұл қолтаңбаны талап етеді (3 мүшенің 2-і қол қойды, 2 қажет)",
    );
  });
});
