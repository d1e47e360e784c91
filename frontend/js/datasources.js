// Datasources page: list, register, test, introspect, delete and open the schema browser.

import { api, entry, fetchAll, linkHref, linkTo } from "./api.js";
import { $, el, emptyState, loading, replace } from "./dom.js";
import { compareText, formatCount, formatDateTime, formatDuration, formatRelative, hasMessage, t } from "./i18n.js";
import { mountHeader, requireAuth } from "./session.js";
import { showSchema } from "./schema-browser.js";
import { showExamples } from "./examples-view.js";
import { clearFormErrors, confirmDialog, setBusy, showError, showFormErrors, toast } from "./ui.js";

const DEFAULT_PORTS = { postgresql: "5432", mysql: "3306" };
const list = $("#ds-list");
const form = $("#ds-form");
const engineSelect = $("#ds-engine");
const schemaBox = $("#schema");
const examplesBox = $("#examples");

function engineLabel(engine) {
  return hasMessage(`ds.engine.${engine}`) ? t(`ds.engine.${engine}`) : engine;
}

async function load(focusId) {
  replace(list, loading(t("ds.loading")));
  let items;
  try {
    items = await fetchAll(await entry("datasources"));
  } catch (error) {
    showError(list, error, () => load());
    return;
  }
  if (!items.length) {
    replace(list, el("div", { class: "card" }, emptyState(t("ds.empty"), t("ds.emptyHint"))));
    return;
  }
  items.sort((a, b) => Number(b.owner_is_me) - Number(a.owner_is_me) || compareText(a.name, b.name));
  replace(list, items.map(renderItem));
  if (focusId) {
    const node = list.querySelector(`[data-id="${CSS.escape(String(focusId))}"]`);
    if (node) { node.scrollIntoView({ block: "nearest" }); node.querySelector("button")?.focus(); }
  }
}

function where(ds) {
  if (ds.engine === "sqlite") return ds.sqlite_path ? t("ds.file", { path: ds.sqlite_path }) : "";
  const host = ds.host ? `${ds.host}${ds.port ? `:${ds.port}` : ""}` : "";
  return [host, ds.database].filter(Boolean).join(" / ");
}

function renderItem(ds) {
  const status = el("div", { class: "ds-status", role: "status" });
  const actions = el("div", { class: "ds-actions" });
  const item = el("article", { class: "card ds-item", dataset: { id: ds.id }, "aria-label": ds.name },
    el("div", { class: "ds-item-head" },
      el("h3", null, ds.name),
      el("span", { class: "badge badge-primary" }, engineLabel(ds.engine)),
      ds.is_demo ? el("span", { class: "badge" }, t("ds.demo")) : null,
      ds.owner_is_me ? el("span", { class: "badge badge-success" }, t("ds.yours")) : null),
    ds.description ? el("p", { class: "muted" }, ds.description) : null,
    el("div", { class: "ds-meta" },
      where(ds) ? el("span", null, where(ds)) : null,
      el("span", null, ds.introspected_at ? formatCount(ds.table_count ?? 0, "table") : t("ds.notRead")),
      ds.introspected_at ? el("span", { title: formatDateTime(ds.introspected_at) }, t("ds.readAgo", { when: formatRelative(ds.introspected_at) })) : null),
    actions, status);

  const testButton = el("button", { type: "button", class: "btn btn-small" }, t("ds.test"));
  testButton.addEventListener("click", () => testConnection(ds, testButton, status));
  const schemaButton = el("button", { type: "button", class: "btn btn-small" }, t("ds.schema"));
  schemaButton.addEventListener("click", () => openSchema(ds));
  if (linkHref(ds, "test")) actions.append(testButton);
  if (linkHref(ds, "introspect")) {
    const introspectButton = el("button", { type: "button", class: "btn btn-small" }, t("ds.introspect"));
    introspectButton.addEventListener("click", () => introspect(ds, introspectButton, status));
    actions.append(introspectButton);
  }
  actions.append(schemaButton);
  if (linkHref(ds, "examples")) {
    const examplesButton = el("button", { type: "button", class: "btn btn-small" }, t("ds.examples"));
    examplesButton.addEventListener("click", () => showExamples(examplesBox, ds));
    actions.append(examplesButton);
  }
  actions.append(el("a", { class: "btn btn-small btn-ghost", href: `chat.html?ds=${encodeURIComponent(ds.id)}` }, t("ds.ask")));
  if (linkHref(ds, "delete")) {
    const deleteButton = el("button", { type: "button", class: "btn btn-small btn-danger-ghost" }, t("common.delete"));
    deleteButton.addEventListener("click", () => remove(ds));
    actions.append(deleteButton);
  }
  return item;
}

async function testConnection(ds, button, status) {
  setBusy(button, true, t("ds.testing"));
  replace(status, loading(t("ds.connecting")));
  try {
    const result = await api.post(linkTo(ds, "test"));
    const parts = [t("ds.connected")];
    if (result.server_version) parts.push(String(result.server_version));
    if (result.latency_ms !== undefined) parts.push(formatDuration(result.latency_ms));
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
  setBusy(button, true, t("ds.introspecting"));
  replace(status, loading(t("ds.readingTables")));
  try {
    const schema = await api.post(linkTo(ds, "introspect"));
    const count = Array.isArray(schema.tables) ? schema.tables.length : 0;
    toast(t("ds.readTables", { count, name: ds.name }), "success");
    await load(ds.id);
    showSchema(schemaBox, { ...ds, table_count: count }, schema);
  } catch (error) {
    replace(status, el("div", { class: "notice notice-error", role: "alert" }, error.readable));
    setBusy(button, false);
  }
}

async function openSchema(ds) {
  schemaBox.hidden = false;
  replace(schemaBox, el("div", { class: "card-body" }, loading(t("ds.loadingSchema", { name: ds.name }))));
  schemaBox.scrollIntoView({ behavior: "smooth", block: "start" });
  try {
    const schema = await api.get(linkTo(ds, "schema"));
    showSchema(schemaBox, ds, schema);
  } catch (error) {
    const body = el("div", { class: "card-body" });
    replace(schemaBox, body);
    showError(body, error, () => openSchema(ds));
  }
}

async function remove(ds) {
  const ok = await confirmDialog({
    title: t("ds.deleteTitle", { name: ds.name }),
    message: t("ds.deleteMessage"),
  });
  if (!ok) return;
  try {
    await api.del(linkTo(ds, "delete"));
    toast(t("ds.deleted"), "success");
    if (schemaBox.dataset.id === String(ds.id)) schemaBox.hidden = true;
    if (examplesBox.dataset.id === String(ds.id)) examplesBox.hidden = true;
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
  if (!data.name) problems.name = t("ds.needName");
  if (data.engine === "sqlite" && !data.sqlite_path) problems.sqlite_path = t("ds.needPath");
  if (data.engine !== "sqlite") {
    if (!data.host) problems.host = t("ds.needHost");
    if (!data.database) problems.database = t("ds.needDatabase");
    if (!data.port) data.port = DEFAULT_PORTS[data.engine];
    data.port = Number(data.port);
  }
  if (Object.keys(problems).length) {
    showFormErrors(form, { fieldMessages: () => problems });
    return;
  }
  const button = form.querySelector("button[type=submit]");
  setBusy(button, true, t("ds.registering"));
  try {
    const created = await api.post(await entry("datasources"), data);
    toast(t("ds.registered", { name: created.name }), "success");
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
