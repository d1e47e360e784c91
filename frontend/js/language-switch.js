// The language switch: one button per language, the current one pressed.
// Choosing another remembers it and shows the page again in that language.

import { el } from "./dom.js";
import { LOCALES, locale, setLocale, t } from "./i18n.js";

/** A labelled group of language buttons, each named in its own language. */
export function languageSwitch() {
  const current = locale();
  return el("div", { class: "lang-switch", role: "group", "aria-label": t("lang.label") },
    LOCALES.map((code) => el("button", {
      type: "button",
      class: "lang-option",
      lang: code,
      "aria-pressed": String(code === current),
      dataset: { locale: code },
      onclick: () => { if (code !== locale()) setLocale(code); },
    }, t(`lang.name.${code}`))));
}

/** Put the switch into every `[data-language-switch]` slot of a page (the login and join pages have one). */
export function mountLanguageSwitch(root = document) {
  for (const slot of root.querySelectorAll("[data-language-switch]")) slot.replaceChildren(languageSwitch());
}
