// Sign-up page.
import { $, focusIfIdle } from "./dom.js";
import { requiredFields, wireAuthForm } from "./auth-forms.js";

wireAuthForm($("#join-form"), "auth/registration/", {
  validate(data) {
    const problems = requiredFields(data, { email: "Email", nickname: "Nickname", password1: "Password", password2: "Password (again)" });
    if (!problems.password2 && !problems.password1 && data.password1 !== data.password2) problems.password2 = "The two passwords do not match.";
    return problems;
  },
});
focusIfIdle($("#email"));
