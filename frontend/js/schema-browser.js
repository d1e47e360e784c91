// The schema browser: tables and columns of one datasource, with editable
// descriptions (they go into the prompts, so they are worth writing).

import { api, linkHref, linkTo } from "./api.js";
import { el, emptyState, replace } from "./dom.js";
import { formatCount, t } from "./i18n.js";
import { setBusy, toast } from "./ui.js";

/** Render `schema` for datasource `ds` into the `container` card. */
export function showSchema(container, ds, schema) {
  container.hidden = false;
  container.dataset.id = String(ds.id);
  const editable = Boolean(linkHref(schema, "update"));
  const tables = Array.isArray(schema.tables) ? schema.tables : [];

  const head = el("div", { class: "schema-head" },
    el("div", null,
      el("h2", { id: "schema-title" }, t("schema.title", { name: ds.name })),
      el("p", { class: "muted small" }, tables.length
        ? t("schema.summary", { tables: formatCount(tables.length, "table"), hint: editable ? t("schema.editableHint") : t("schema.readOnlyHint") })
        : "")),
    el("button", { type: "button", class: "btn btn-small btn-ghost", onclick: () => { container.hidden = true; } }, t("common.close")));

  if (!tables.length) {
    replace(container, head, emptyState(t("schema.noTables"), editable ? t("schema.noTablesHint") : t("schema.noTablesDemo")));
    return;
  }

  const form = el("form", { class: "schema-form", "aria-labelledby": "schema-title" });
  const list = el("div", { class: "schema-tables" }, tables.map((table, index) => renderTable(table, index, editable)));
  form.append(list);
  if (editable) {
    const save = el("button", { type: "submit", class: "btn btn-primary" }, t("schema.save"));
    form.append(el("div", { class: "schema-actions" }, el("span", { class: "muted small", role: "status", id: "schema-save-status" }), save));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      saveDescriptions(container, ds, schema, form, save);
    });
  }
  replace(container, head, form);
}

function renderTable(table, index, editable) {
  const columns = Array.isArray(table.columns) ? table.columns : [];
  const id = `t${index}`;
  const description = editable
    ? el("div", { class: "field" },
        el("label", { for: `${id}-desc` }, t("schema.tableDescription", { table: table.name })),
        el("textarea", { id: `${id}-desc`, rows: 2, dataset: { table: table.name, original: table.description || "" }, class: "table-description", value: table.description || "" }))
    : table.description ? el("p", null, table.description) : null;
  const rows = columns.map((column, c) => el("tr", null,
    el("td", { class: "col-name" }, column.name),
    el("td", { class: "col-type" }, column.type || ""),
    el("td", null, el("div", { class: "col-flags" },
      column.primary_key ? el("span", { class: "badge badge-primary", title: t("schema.primaryKey") }, t("schema.pk")) : null,
      column.references ? el("span", { class: "badge badge-warning", title: t("schema.references", { target: column.references }) }, `→ ${column.references}`) : null,
      column.nullable === false ? el("span", { class: "badge", title: t("schema.notNull") }, t("schema.notNullBadge")) : null)),
    el("td", { class: "samples" }, Array.isArray(column.samples) && column.samples.length ? column.samples.map(String).join(", ") : ""),
    el("td", null, editable
      ? el("input", {
          type: "text", class: "column-description", "aria-label": t("schema.columnDescription", { table: table.name, column: column.name }),
          id: `${id}-c${c}`, dataset: { table: table.name, column: column.name, original: column.description || "" }, value: column.description || "",
        })
      : column.description || "")));
  return el("details", { class: "schema-table", dataset: { table: table.name }, open: index === 0 ? true : null },
    el("summary", null, el("span", null, table.name),
      el("span", { class: "badge" }, formatCount(columns.length, "column")),
      table.row_estimate !== undefined && table.row_estimate !== null ? el("span", { class: "badge" }, formatCount(table.row_estimate, "row")) : null),
    el("div", { class: "schema-table-body" },
      description,
      el("div", { class: "table-wrap" },
        el("table", { class: "table schema-columns" },
          el("thead", null, el("tr", null, ["colColumn", "colType", "colKeys", "colSamples", "colDescription"].map((key) => el("th", { scope: "col" }, t(`schema.${key}`))))),
          el("tbody", null, rows)))));
}

async function saveDescriptions(container, ds, schema, form, button) {
  const byTable = new Map();
  const entry = (name) => {
    if (!byTable.has(name)) byTable.set(name, { name, columns: [] });
    return byTable.get(name);
  };
  form.querySelectorAll(".table-description").forEach((input) => {
    if (input.value !== input.dataset.original) entry(input.dataset.table).description = input.value.trim();
  });
  form.querySelectorAll(".column-description").forEach((input) => {
    if (input.value !== input.dataset.original) entry(input.dataset.table).columns.push({ name: input.dataset.column, description: input.value.trim() });
  });
  const status = form.querySelector("#schema-save-status");
  if (!byTable.size) {
    status.textContent = t("schema.nothingChanged");
    return;
  }
  setBusy(button, true, t("schema.saving"));
  try {
    const updated = await api.patch(linkTo(schema, "update"), { tables: [...byTable.values()] });
    toast(t("schema.savedToast"), "success");
    const openTables = [...form.querySelectorAll("details[open] > summary > span:first-child")].map((node) => node.textContent);
    showSchema(container, ds, updated && updated.tables ? updated : await api.get(linkTo(schema, "self")));
    container.querySelectorAll("details.schema-table").forEach((details) => {
      if (openTables.includes(details.querySelector("summary > span").textContent)) details.open = true;
    });
    const fresh = container.querySelector("#schema-save-status");
    if (fresh) fresh.textContent = t("schema.saved");
  } catch (error) {
    status.textContent = error.readable;
    setBusy(button, false);
  }
}
