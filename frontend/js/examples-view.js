// The Examples view of one datasource: your verified question + SQL pairs —
// list, search, add, edit, delete, export and import. The server checks each
// SQL on the database before saving; its refusal shows next to the SQL field.

import { api, download, linkHref, linkTo, withParams } from "./api.js";
import { el, emptyState, loading, replace } from "./dom.js";
import { formatCount, formatDateTime, t } from "./i18n.js";
import { clearFormErrors, confirmDialog, setBusy, showError, showFormErrors, toast } from "./ui.js";

const PER_PAGE = 20;
let formSerial = 0;

/** A question + SQL form; `onSave(data)` returns a promise, and its ApiError is shown on the form. */
function pairForm({ question = "", sql = "", submitLabel, onSave, onCancel }) {
  const id = `ex${++formSerial}`;
  const save = el("button", { type: "submit", class: "btn btn-primary btn-small" }, submitLabel);
  const form = el("form", { class: "form example-form", novalidate: true },
    el("p", { class: "form-error", role: "alert", hidden: true }),
    el("div", { class: "field" },
      el("label", { for: `${id}-q` }, t("examples.question")),
      el("textarea", { id: `${id}-q`, name: "question", rows: 2, maxlength: 2000, value: question, "aria-describedby": `${id}-q-error` }),
      el("p", { class: "field-error", id: `${id}-q-error`, "data-error-for": "question" })),
    el("div", { class: "field" },
      el("label", { for: `${id}-s` }, t("examples.sql")),
      el("textarea", { id: `${id}-s`, name: "sql", rows: 3, class: "sql-input", spellcheck: "false", value: sql, "aria-describedby": `${id}-s-error` }),
      el("p", { class: "field-error", id: `${id}-s-error`, "data-error-for": "sql" })),
    el("div", { class: "example-form-actions" },
      save,
      onCancel ? el("button", { type: "button", class: "btn btn-small btn-ghost", onclick: onCancel }, t("common.cancel")) : null));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const data = { question: form.elements.question.value.trim(), sql: form.elements.sql.value.trim() };
    const problems = {};
    if (!data.question) problems.question = t("examples.needQuestion");
    if (!data.sql) problems.sql = t("examples.needSql");
    if (Object.keys(problems).length) { showFormErrors(form, { fieldMessages: () => problems }); return; }
    setBusy(save, true, t("examples.checking"));
    try {
      await onSave(data);
    } catch (error) {
      showFormErrors(form, error);
    } finally {
      setBusy(save, false);
    }
  });
  return form;
}

class ExamplesView {
  constructor(container, ds) {
    this.container = container;
    this.ds = ds;
    this.href = linkTo(ds, "examples");
    this.search = "";
    this.list = el("div", { class: "examples-list", "aria-live": "polite" });
    this.status = el("div", { class: "examples-status", role: "status" });
  }

  mount() {
    const container = this.container;
    container.hidden = false;
    container.dataset.id = String(this.ds.id);
    const searchInput = el("input", { type: "search", id: "examples-search", name: "search", placeholder: t("examples.searchPlaceholder") });
    const searchForm = el("form", { class: "examples-search", role: "search" },
      el("label", { for: "examples-search", class: "visually-hidden" }, t("examples.search")),
      searchInput,
      el("button", { type: "submit", class: "btn btn-small" }, t("examples.search")));
    searchForm.addEventListener("submit", (event) => { event.preventDefault(); this.search = searchInput.value.trim(); this.load(); });

    const exportButton = el("button", { type: "button", class: "btn btn-small" }, t("examples.export"));
    exportButton.addEventListener("click", () => this.exportAll(exportButton));
    const importInput = el("input", { type: "file", id: "examples-import", accept: ".jsonl,.ndjson,.txt,application/x-ndjson", class: "visually-hidden" });
    importInput.addEventListener("change", () => this.importFile(importInput));
    const importLabel = el("label", { for: "examples-import", class: "btn btn-small" }, t("examples.import"));

    const add = pairForm({
      submitLabel: t("examples.add"),
      onSave: async (data) => {
        await api.post(this.href, data);
        add.reset();
        toast(t("examples.added"), "success");
        this.search = "";
        searchInput.value = "";
        await this.load();
      },
    });

    replace(container,
      el("div", { class: "schema-head" },
        el("div", null,
          el("h2", { id: "examples-title" }, t("examples.title", { name: this.ds.name })),
          el("p", { class: "muted small" }, t("examples.intro"))),
        el("button", { type: "button", class: "btn btn-small btn-ghost", onclick: () => { container.hidden = true; } }, t("common.close"))),
      el("div", { class: "examples-body" },
        el("div", { class: "examples-toolbar" }, searchForm, el("div", { class: "examples-files" }, exportButton, importLabel, importInput)),
        this.status,
        this.list,
        el("section", { class: "examples-add", "aria-labelledby": "examples-add-title" },
          el("h3", { id: "examples-add-title" }, t("examples.addTitle")),
          el("p", { class: "muted small" }, t("examples.addHint")),
          add)));
    container.setAttribute("aria-labelledby", "examples-title");
    return this.load();
  }

  async load(href = null) {
    const first = !href;
    if (first) replace(this.list, loading(t("examples.loading")));
    try {
      const page = await api.get(href || withParams(this.href, { search: this.search, "per-page": PER_PAGE }));
      this.page = page;
      const rows = page.results.map((example) => this.renderExample(example));
      if (first) {
        if (!rows.length) {
          replace(this.list, emptyState(this.search ? t("examples.noMatch") : t("examples.empty"), this.search ? null : t("examples.emptyHint")));
          return;
        }
        replace(this.list, el("p", { class: "muted small examples-count" }, formatCount(page.count, "example")), el("ul", { class: "examples-items" }, rows));
      } else {
        this.list.querySelector(".examples-items").append(...rows);
        this.list.querySelector(".examples-more")?.remove();
      }
      const next = linkHref(page, "next");
      if (next) {
        const more = el("button", { type: "button", class: "btn btn-small btn-ghost examples-more" }, t("examples.more"));
        more.addEventListener("click", () => this.load(next));
        this.list.append(more);
      }
    } catch (error) {
      showError(this.list, error, () => this.load());
    }
  }

  renderExample(example) {
    const item = el("li", { class: "example-item", dataset: { id: example.id } });
    const show = () => {
      const edit = el("button", { type: "button", class: "btn btn-small" }, t("examples.edit"));
      edit.addEventListener("click", () => editing());
      const remove = el("button", { type: "button", class: "btn btn-small btn-danger-ghost" }, t("common.delete"));
      remove.addEventListener("click", () => this.remove(example));
      const used = example.times_used ? t("examples.used", { count: example.times_used }) : t("examples.neverUsed");
      replace(item,
        el("p", { class: "example-question" }, example.question),
        el("pre", { class: "example-sql" }, el("code", null, example.sql)),
        el("p", { class: "muted small example-meta" },
          el("span", { class: "badge" }, t(`examples.source.${example.source}`)), " ",
          used, " · ", formatDateTime(example.created_at)),
        el("div", { class: "example-actions" }, edit, remove));
    };
    const editing = () => {
      const form = pairForm({
        question: example.question,
        sql: example.sql,
        submitLabel: t("examples.save"),
        onCancel: () => { show(); item.querySelector("button")?.focus(); },
        onSave: async (data) => {
          example = await api.patch(linkTo(example, "update"), data);
          toast(t("examples.saved"), "success");
          show();
          item.querySelector("button")?.focus();
        },
      });
      replace(item, form);
      form.elements.question.focus();
    };
    show();
    return item;
  }

  async remove(example) {
    const ok = await confirmDialog({ title: t("examples.deleteTitle"), message: t("examples.deleteMessage", { question: example.question }) });
    if (!ok) return;
    try {
      await api.del(linkTo(example, "delete"));
      toast(t("examples.deleted"), "success");
      await this.load();
    } catch (error) {
      toast(error.readable, "error");
    }
  }

  async exportAll(button) {
    setBusy(button, true);
    try {
      const page = this.page || await api.get(this.href);
      await download(linkTo(page, "export"), t("examples.fileName", { id: String(this.ds.id) }));
    } catch (error) {
      toast(error.readable || error.message, "error");
    } finally {
      setBusy(button, false);
    }
  }

  async importFile(input) {
    const file = input.files && input.files[0];
    if (!file) return;
    replace(this.status, loading(t("examples.importing")));
    try {
      const text = await file.text();
      const page = this.page || await api.get(this.href);
      const result = await api.post(linkTo(page, "import"), { jsonl: text });
      replace(this.status, el("div", { class: "notice notice-success" }, t("examples.imported", { count: result.imported }), result.skipped ? ` ${t("examples.skipped", { count: result.skipped })}` : ""));
      await this.load();
    } catch (error) {
      const lines = Object.entries(error.fieldMessages ? error.fieldMessages() : {});
      replace(this.status, el("div", { class: "notice notice-error", role: "alert" },
        el("p", null, error.detail || error.message),
        lines.length ? el("ul", { class: "import-errors" }, lines.map(([key, message]) => {
          const number = /^line (\d+)$/.exec(key);
          return el("li", null, number ? t("examples.importLine", { line: number[1], message }) : message);
        })) : null));
    } finally {
      input.value = "";
    }
  }
}

/** Open the Examples view of datasource `ds` in the `container` card. */
export function showExamples(container, ds) {
  const view = new ExamplesView(container, ds);
  container.scrollIntoView({ behavior: "smooth", block: "start" });
  return view.mount();
}
