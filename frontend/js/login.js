// Login page.
import { tokens } from "./api.js";
import { $, focusIfIdle } from "./dom.js";
import { nextPage, requiredFields, wireAuthForm } from "./auth-forms.js";

const params = new URLSearchParams(location.search);
const notice = $("#auth-notice");
if (params.has("loggedout")) { notice.textContent = "You are logged out."; notice.hidden = false; }
if (params.has("deleted")) { notice.textContent = "Your account and all its data were deleted."; notice.hidden = false; }
if (params.has("loggedout") || params.has("deleted")) tokens.clear();
else if (tokens.present && !params.has("next")) location.replace(nextPage());

wireAuthForm($("#login-form"), "auth/login/", {
  validate: (data) => requiredFields(data, { email: "Email", password: "Password" }),
});
focusIfIdle($("#email"));
