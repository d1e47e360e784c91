// Login page.
import { tokens } from "./api.js";
import { $, focusIfIdle } from "./dom.js";
import { t } from "./i18n.js";
import { nextPage, requiredFields, wireAuthForm } from "./auth-forms.js";
import { mountLanguageSwitch } from "./language-switch.js";

const params = new URLSearchParams(location.search);
const notice = $("#auth-notice");
mountLanguageSwitch();
if (params.has("loggedout")) { notice.textContent = t("login.loggedOut"); notice.hidden = false; }
if (params.has("deleted")) { notice.textContent = t("login.deleted"); notice.hidden = false; }
if (params.has("loggedout") || params.has("deleted")) tokens.clear();
else if (tokens.present && !params.has("next")) location.replace(nextPage());

wireAuthForm($("#login-form"), "login", {
  validate: (data) => requiredFields(data, ["email", "password"]),
});
focusIfIdle($("#email"));
