// Shared interface pieces: confirmation dialogs, toasts, busy buttons and
// field errors placed next to their inputs.

import { fieldLabel } from "./api.js";
import { el, clear } from "./dom.js";
import { t } from "./i18n.js";

/** Ask a yes/no question in a modal <dialog>; resolves true when confirmed. */
export function confirmDialog({ title, message, confirmLabel = t("common.delete"), danger = true, body = null }) {
  return new Promise((resolve) => {
    const confirm = el("button", { type: "submit", class: ["btn", danger ? "btn-danger" : "btn-primary"], value: "confirm" }, confirmLabel);
    const cancel = el("button", { type: "button", class: "btn btn-ghost" }, t("common.cancel"));
    const form = el("form", { method: "dialog", class: "dialog-body" },
      el("h2", { class: "dialog-title" }, title),
      message ? el("p", { class: "dialog-message" }, message) : null,
      body,
      el("div", { class: "dialog-actions" }, cancel, confirm));
    const dialog = el("dialog", { class: "dialog", "aria-label": title }, form);
    let result = false;
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      result = true;
      dialog.close();
    });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(result); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** A dialog that asks for the password before deleting the account; `onSubmit(password)` may throw an ApiError. */
export function passwordDialog({ title, message, confirmLabel, onSubmit }) {
  return new Promise((resolve) => {
    const input = el("input", { type: "password", id: "confirm-password", name: "password", autocomplete: "current-password", required: true });
    const error = el("p", { class: "field-error", id: "confirm-password-error", role: "alert" });
    const confirm = el("button", { type: "submit", class: "btn btn-danger" }, confirmLabel);
    const cancel = el("button", { type: "button", class: "btn btn-ghost" }, t("common.cancel"));
    const form = el("form", { class: "dialog-body", novalidate: true },
      el("h2", { class: "dialog-title" }, title),
      el("p", { class: "dialog-message" }, message),
      el("div", { class: "field" }, el("label", { for: "confirm-password" }, t("dialog.password.label")), input, error),
      el("div", { class: "dialog-actions" }, cancel, confirm));
    const dialog = el("dialog", { class: "dialog", "aria-label": title }, form);
    let done = false;
    cancel.addEventListener("click", () => dialog.close());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      if (!input.value) { error.textContent = t("dialog.password.missing"); input.focus(); return; }
      setBusy(confirm, true);
      try {
        await onSubmit(input.value);
        done = true;
        dialog.close();
      } catch (failure) {
        const fields = failure.fieldMessages ? failure.fieldMessages() : {};
        error.textContent = fields.password || failure.readable || failure.message;
        input.focus();
      } finally {
        setBusy(confirm, false);
      }
    });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(done); });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}

let toastRegion = null;

/** A short message in the corner; kind is "info", "success" or "error". */
export function toast(message, kind = "info") {
  if (!toastRegion) {
    toastRegion = el("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(toastRegion);
  }
  const item = el("div", { class: ["toast", `toast-${kind}`] }, message);
  toastRegion.append(item);
  setTimeout(() => item.classList.add("toast-leaving"), 3800);
  setTimeout(() => item.remove(), 4300);
}

/** Disable a button and show a spinner while work runs. */
export function setBusy(button, busy, busyLabel) {
  if (!button) return;
  if (busy) {
    button.dataset.label = button.dataset.label || button.textContent;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    if (busyLabel) button.textContent = busyLabel;
  } else {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (button.dataset.label) button.textContent = button.dataset.label;
    delete button.dataset.label;
  }
}

/**
 * Show an ApiError on a form: each field's message in its `[data-error-for]`
 * slot, everything else in the form's `.form-error` box.
 */
export function showFormErrors(form, error, aliases = {}) {
  clearFormErrors(form);
  const fields = error.fieldMessages ? error.fieldMessages() : {};
  const leftovers = [];
  let first = null;
  for (const [field, message] of Object.entries(fields)) {
    const name = aliases[field] || field;
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (slot && input) {
      slot.textContent = message;
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    } else {
      leftovers.push(fieldLabel(field) ? t("common.fieldMessage", { field: fieldLabel(field), message }) : message);
    }
  }
  const box = form.querySelector(".form-error");
  const general = leftovers.length ? leftovers.join(" ") : Object.keys(fields).length ? "" : error.readable || error.message;
  if (box && general) {
    box.textContent = general;
    box.hidden = false;
  }
  if (first) first.focus();
}

export function clearFormErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((slot) => { slot.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  const box = form.querySelector(".form-error");
  if (box) { box.textContent = ""; box.hidden = true; }
}

/** Put an error message in a container in place of its content. */
export function showError(container, error, retry) {
  clear(container);
  container.append(el("div", { class: "notice notice-error", role: "alert" },
    el("p", null, error.readable || error.message || String(error)),
    retry ? el("button", { type: "button", class: "btn btn-small", onclick: retry }, t("common.tryAgain")) : null));
}
