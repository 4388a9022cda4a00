// The current UI language, remembered across runs, and the translate function.
import kk from "../i18n/kk.json?raw";
import ru from "../i18n/ru.json?raw";
import en from "../i18n/en.json?raw";
import { format, formatProblem, isLang, parseBundles, type Lang } from "./i18n";

const STORAGE_KEY = "tekseru.lang";

const bundles = parseBundles({
  kk: { name: "kk.json", text: kk },
  ru: { name: "ru.json", text: ru },
  en: { name: "en.json", text: en },
});

/** Problems in the translation files; the app refuses to start when there are any. */
export const bundleProblems: string[] = bundles.problems.map(formatProblem);

function remembered(): Lang {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return isLang(value) ? value : "kk";
  } catch {
    return "kk";
  }
}

class Locale {
  lang = $state<Lang>(remembered());

  set(lang: Lang) {
    this.lang = lang;
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, lang);
    } catch {
      // Storage refused (private mode): the choice lasts for this run only.
    }
    document.documentElement.lang = lang;
  }

  t = (key: string, params?: Record<string, string | number>): string =>
    format(bundles.messages[this.lang], key, params);
}

export const locale = new Locale();
export const t = locale.t;
