// Sign-up page.
import { $, focusIfIdle } from "./dom.js";
import { t } from "./i18n.js";
import { requiredFields, wireAuthForm } from "./auth-forms.js";
import { mountLanguageSwitch } from "./language-switch.js";

mountLanguageSwitch();
wireAuthForm($("#join-form"), "registration", {
  validate(data) {
    const problems = requiredFields(data, ["email", "nickname", "password1", "password2"]);
    if (!problems.password2 && !problems.password1 && data.password1 !== data.password2) problems.password2 = t("join.mismatch");
    return problems;
  },
});
focusIfIdle($("#email"));
