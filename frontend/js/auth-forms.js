// Shared behaviour of the login and join forms: submit as JSON, keep the
// tokens, show field errors next to their fields, then go to chat.

import { api, entry, tokens } from "./api.js";
import { t } from "./i18n.js";
import { clearFormErrors, setBusy, showFormErrors } from "./ui.js";

/** Only same-site page names are accepted as a place to return to. */
export function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return /^(chat|history|datasources)\.html(\?[\w=&%.-]*)?$/.test(next) ? next : "chat.html";
}

/** Wire a form that posts its fields to the API root's `rel` link (login, registration) and stores the returned tokens. */
export function wireAuthForm(form, rel, { validate } = {}) {
  const button = form.querySelector("button[type=submit]");
  // The button ships disabled so nothing is submitted (credentials in a URL) before this runs.
  button.disabled = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const data = Object.fromEntries(new FormData(form).entries());
    data.email = (data.email || "").trim();
    const problems = validate ? validate(data) : {};
    if (Object.keys(problems).length) {
      showFormErrors(form, { fieldMessages: () => problems });
      return;
    }
    setBusy(button, true, t("auth.wait"));
    try {
      const body = await api.post(await entry(rel), data, { auth: false });
      tokens.save(body);
      location.assign(nextPage());
    } catch (error) {
      showFormErrors(form, error);
      setBusy(button, false);
    }
  });
}

/** Client-side checks that mirror the API's, so obvious mistakes show at once; `names` are the required fields. */
export function requiredFields(data, names) {
  const problems = {};
  for (const name of names) {
    if (!String(data[name] || "").trim()) problems[name] = t("auth.required", { label: t(`field.${name}`) });
  }
  if (data.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(data.email) && !problems.email) problems.email = t("auth.invalidEmail");
  return problems;
}
