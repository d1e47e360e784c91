// Datasources page: list, register, test, introspect, delete and open the schema browser.

import { api, linkHref } from "./api.js";
import { $, el, emptyState, formatDateTime, formatRelative, loading, plural, replace } from "./dom.js";
import { mountHeader, requireAuth } from "./session.js";
import { showSchema } from "./schema-browser.js";
import { clearFormErrors, confirmDialog, setBusy, showError, showFormErrors, toast } from "./ui.js";

const ENGINE_LABELS = { sqlite: "SQLite", postgresql: "PostgreSQL", mysql: "MySQL" };
const DEFAULT_PORTS = { postgresql: "5432", mysql: "3306" };
const list = $("#ds-list");
const form = $("#ds-form");
const engineSelect = $("#ds-engine");
const schemaBox = $("#schema");

/** Fetch every page of datasources (users rarely have more than a few). */
async function fetchAll() {
  const items = [];
  let next = "datasources/?per-page=100";
  while (next) {
    const page = await api.get(next);
    items.push(...page.results);
    next = page.next;
  }
  return items;
}

async function load(focusId) {
  replace(list, loading("Loading datasources…"));
  let items;
  try {
    items = await fetchAll();
  } catch (error) {
    showError(list, error, () => load());
    return;
  }
  if (!items.length) {
    replace(list, el("div", { class: "card" }, emptyState("No datasources yet.", "Register a database with the form to start asking questions about it.")));
    return;
  }
  items.sort((a, b) => Number(b.owner_is_me) - Number(a.owner_is_me) || String(a.name).localeCompare(String(b.name)));
  replace(list, items.map(renderItem));
  if (focusId) {
    const node = list.querySelector(`[data-id="${CSS.escape(String(focusId))}"]`);
    if (node) { node.scrollIntoView({ block: "nearest" }); node.querySelector("button")?.focus(); }
  }
}

function where(ds) {
  if (ds.engine === "sqlite") return ds.sqlite_path ? `file ${ds.sqlite_path}` : "";
  const host = ds.host ? `${ds.host}${ds.port ? `:${ds.port}` : ""}` : "";
  return [host, ds.database].filter(Boolean).join(" / ");
}

function renderItem(ds) {
  const status = el("div", { class: "ds-status", role: "status" });
  const actions = el("div", { class: "ds-actions" });
  const item = el("article", { class: "card ds-item", dataset: { id: ds.id }, "aria-label": ds.name },
    el("div", { class: "ds-item-head" },
      el("h3", null, ds.name),
      el("span", { class: "badge badge-primary" }, ENGINE_LABELS[ds.engine] || ds.engine),
      ds.is_demo ? el("span", { class: "badge" }, "Demo") : null,
      ds.owner_is_me ? el("span", { class: "badge badge-success" }, "Yours") : null),
    ds.description ? el("p", { class: "muted" }, ds.description) : null,
    el("div", { class: "ds-meta" },
      where(ds) ? el("span", null, where(ds)) : null,
      el("span", null, ds.introspected_at ? plural(ds.table_count ?? 0, "table") : "Schema not read yet"),
      ds.introspected_at ? el("span", { title: formatDateTime(ds.introspected_at) }, `read ${formatRelative(ds.introspected_at)}`) : null),
    actions, status);

  const testButton = el("button", { type: "button", class: "btn btn-small" }, "Test");
  testButton.addEventListener("click", () => testConnection(ds, testButton, status));
  const schemaButton = el("button", { type: "button", class: "btn btn-small" }, "Schema");
  schemaButton.addEventListener("click", () => openSchema(ds));
  actions.append(testButton);
  if (!ds.is_demo || ds.owner_is_me) {
    const introspectButton = el("button", { type: "button", class: "btn btn-small" }, "Introspect");
    introspectButton.addEventListener("click", () => introspect(ds, introspectButton, status));
    actions.append(introspectButton);
  }
  actions.append(schemaButton, el("a", { class: "btn btn-small btn-ghost", href: `chat.html?ds=${encodeURIComponent(ds.id)}` }, "Ask"));
  if (ds.owner_is_me) {
    const deleteButton = el("button", { type: "button", class: "btn btn-small btn-danger-ghost" }, "Delete");
    deleteButton.addEventListener("click", () => remove(ds));
    actions.append(deleteButton);
  }
  return item;
}

async function testConnection(ds, button, status) {
  setBusy(button, true, "Testing…");
  replace(status, loading("Connecting…"));
  try {
    const result = await api.post(linkHref(ds, "test") || `datasources/${ds.id}/test/`);
    const parts = ["Connected"];
    if (result.server_version) parts.push(String(result.server_version));
    if (result.latency_ms !== undefined) parts.push(`${Math.round(result.latency_ms)} ms`);
    replace(status, el("div", { class: "notice notice-success" }, parts.join(" · ")));
    for (const warning of result.warnings || []) {
      status.append(el("div", { class: "notice notice-warning", role: "status" }, String(warning)));
    }
  } catch (error) {
    replace(status, el("div", { class: "notice notice-error", role: "alert" }, error.readable));
  } finally {
    setBusy(button, false);
  }
}

async function introspect(ds, button, status) {
  setBusy(button, true, "Reading schema…");
  replace(status, loading("Reading tables and columns…"));
  try {
    const schema = await api.post(linkHref(ds, "introspect") || `datasources/${ds.id}/introspect/`);
    const count = Array.isArray(schema.tables) ? schema.tables.length : 0;
    toast(`Read ${plural(count, "table")} from ${ds.name}.`, "success");
    await load(ds.id);
    showSchema(schemaBox, { ...ds, table_count: count }, schema);
  } catch (error) {
    replace(status, el("div", { class: "notice notice-error", role: "alert" }, error.readable));
    setBusy(button, false);
  }
}

async function openSchema(ds) {
  schemaBox.hidden = false;
  replace(schemaBox, el("div", { class: "card-body" }, loading(`Loading the schema of ${ds.name}…`)));
  schemaBox.scrollIntoView({ behavior: "smooth", block: "start" });
  try {
    const schema = await api.get(linkHref(ds, "schema") || `datasources/${ds.id}/schema/`);
    showSchema(schemaBox, ds, schema);
  } catch (error) {
    const body = el("div", { class: "card-body" });
    replace(schemaBox, body);
    showError(body, error, () => openSchema(ds));
  }
}

async function remove(ds) {
  const ok = await confirmDialog({
    title: `Delete “${ds.name}”?`,
    message: "The datasource and every conversation that uses it will be removed. The database itself is not touched.",
  });
  if (!ok) return;
  try {
    await api.del(linkHref(ds, "delete") || `datasources/${ds.id}/`);
    toast("Datasource deleted.", "success");
    if (schemaBox.dataset.id === String(ds.id)) schemaBox.hidden = true;
    load();
  } catch (error) {
    toast(error.readable, "error");
  }
}

function syncEngineFields() {
  const sqlite = engineSelect.value === "sqlite";
  const sqliteSet = $("#ds-sqlite");
  const networkSet = $("#ds-network");
  sqliteSet.hidden = !sqlite;
  sqliteSet.disabled = !sqlite;
  networkSet.hidden = sqlite;
  networkSet.disabled = sqlite;
  const port = $("#ds-port");
  port.placeholder = DEFAULT_PORTS[engineSelect.value] || "";
}

async function register(event) {
  event.preventDefault();
  clearFormErrors(form);
  const data = Object.fromEntries(new FormData(form).entries());
  for (const key of Object.keys(data)) if (typeof data[key] === "string" && key !== "password") data[key] = data[key].trim();
  const problems = {};
  if (!data.name) problems.name = "Give the database a name.";
  if (data.engine === "sqlite" && !data.sqlite_path) problems.sqlite_path = "Enter the SQLite file's path.";
  if (data.engine !== "sqlite") {
    if (!data.host) problems.host = "Enter the server's host name.";
    if (!data.database) problems.database = "Enter the database name.";
    if (!data.port) data.port = DEFAULT_PORTS[data.engine];
    data.port = Number(data.port);
  }
  if (Object.keys(problems).length) {
    showFormErrors(form, { fieldMessages: () => problems });
    return;
  }
  const button = form.querySelector("button[type=submit]");
  setBusy(button, true, "Registering…");
  try {
    const created = await api.post("datasources/", data);
    toast(`Registered ${created.name}.`, "success");
    form.reset();
    syncEngineFields();
    await load(created.id);
  } catch (error) {
    showFormErrors(form, error);
  } finally {
    setBusy(button, false);
  }
}

if (requireAuth()) {
  mountHeader("datasources");
  engineSelect.addEventListener("change", syncEngineFields);
  form.addEventListener("submit", register);
  form.querySelector("button[type=submit]").disabled = false;
  syncEngineFields();
  load();
}
