// History page: the user's conversations as a paginated, searchable table.

import { api, entry, linkHref, linkTo, withParams } from "./api.js";
import { $, el, emptyState, loading, replace } from "./dom.js";
import { formatDateTime, formatNumber, formatRelative, t } from "./i18n.js";
import { mountHeader, requireAuth } from "./session.js";
import { confirmDialog, showError, toast } from "./ui.js";

const PER_PAGE = 20;
const body = $("#history-body");
const searchInput = $("#search");
const deleteAllButton = $("#delete-all");
let lastPage = null; // the page on screen, whose `delete_all` link the Delete all button follows

function currentQuery() {
  const params = new URLSearchParams(location.search);
  return { search: params.get("search") || "", page: Math.max(1, parseInt(params.get("page") || "1", 10) || 1) };
}

function setQuery({ search, page }) {
  const params = new URLSearchParams();
  if (search) params.set("search", search);
  if (page > 1) params.set("page", String(page));
  const qs = params.toString();
  history.pushState(null, "", qs ? `?${qs}` : location.pathname);
  load();
}

async function load() {
  const { search, page } = currentQuery();
  searchInput.value = search;
  replace(body, loading(t("history.loading")));
  let data;
  try {
    data = await api.get(withParams(await entry("conversations"), { page, "per-page": PER_PAGE, search }));
  } catch (error) {
    if (error.status === 404 && page > 1) { setQuery({ search, page: 1 }); return; }
    showError(body, error, load);
    return;
  }
  lastPage = data;
  deleteAllButton.disabled = (!search && data.count === 0) || !linkHref(data, "delete_all");
  render(data, { search, page });
}

function render(data, { search, page }) {
  if (!data.results.length) {
    replace(body, search
      ? emptyState(t("history.noMatch", { search }), t("history.noMatchHint"), el("button", { type: "button", class: "btn", onclick: () => setQuery({ search: "", page: 1 }) }, t("history.clearSearch")))
      : emptyState(t("history.empty"), t("history.emptyHint"), el("a", { class: "btn btn-primary", href: "chat.html" }, t("history.startChat"))));
    return;
  }
  const rows = data.results.map((conversation) => {
    const open = `chat.html?c=${encodeURIComponent(conversation.id)}`;
    return el("tr", { dataset: { id: conversation.id } },
      el("td", { class: "title-cell" },
        el("a", { href: open }, conversation.title || t("common.untitled")),
        conversation.last_question && conversation.last_question !== conversation.title
          ? el("span", { class: "last-question" }, conversation.last_question) : null),
      el("td", { "data-label": t("history.colDatasource") }, (conversation.datasource && conversation.datasource.name) || t("common.nothing")),
      el("td", { class: "num", "data-label": t("history.colMessages") }, formatNumber(conversation.message_count ?? 0)),
      el("td", { "data-label": t("history.colActivity") }, el("time", { datetime: conversation.updated_at, title: formatDateTime(conversation.updated_at) }, formatRelative(conversation.updated_at))),
      el("td", { class: "actions" },
        el("a", { class: "btn btn-small", href: open, "aria-label": t("history.openLabel", { title: conversation.title || t("common.untitled") }) }, t("history.open")),
        el("button", { type: "button", class: "btn btn-small btn-danger-ghost", "aria-label": t("history.deleteLabel", { title: conversation.title || t("common.untitled") }), onclick: () => deleteOne(conversation) }, t("common.delete"))));
  });
  const start = (page - 1) * PER_PAGE + 1;
  const end = start + data.results.length - 1;
  const pager = el("div", { class: "pager" },
    el("p", { class: "muted small", role: "status" }, t("history.range", { start, end, count: data.count })),
    el("div", { class: "pager-buttons" },
      el("button", { type: "button", class: "btn btn-small", disabled: !linkHref(data, "previous"), onclick: () => setQuery({ search, page: page - 1 }) }, t("history.previous")),
      el("button", { type: "button", class: "btn btn-small", disabled: !linkHref(data, "next"), onclick: () => setQuery({ search, page: page + 1 }) }, t("history.next"))));
  replace(body,
    el("div", { class: "table-wrap" },
      el("table", { class: "table history-table" },
        el("thead", null, el("tr", null,
          el("th", { scope: "col" }, t("history.colTitle")), el("th", { scope: "col" }, t("history.colDatasource")),
          el("th", { scope: "col", class: "num" }, t("history.colMessages")), el("th", { scope: "col" }, t("history.colActivity")),
          el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, t("history.colActions"))))),
        el("tbody", null, rows))),
    pager);
}

async function deleteOne(conversation) {
  const ok = await confirmDialog({
    title: t("history.deleteTitle"),
    message: t("history.deleteMessage", { title: conversation.title || t("common.untitled"), count: conversation.message_count ?? 0 }),
  });
  if (!ok) return;
  try {
    await api.del(linkTo(conversation, "delete"));
    toast(t("history.deleted"), "success");
    load();
  } catch (error) {
    toast(error.readable, "error");
  }
}

async function deleteAll() {
  const ok = await confirmDialog({
    title: t("history.deleteAllTitle"),
    message: t("history.deleteAllMessage"),
    confirmLabel: t("history.deleteAll"),
  });
  if (!ok) return;
  try {
    const result = await api.del(linkTo(lastPage, "delete_all"));
    toast(t("history.deletedAll", { count: result.deleted ?? 0 }), "success");
    setQuery({ search: "", page: 1 });
  } catch (error) {
    toast(error.readable, "error");
  }
}

if (requireAuth()) {
  mountHeader("history");
  $("#search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setQuery({ search: searchInput.value.trim(), page: 1 });
  });
  deleteAllButton.addEventListener("click", deleteAll);
  $("#search-form button[type=submit]").disabled = false;
  window.addEventListener("popstate", load);
  load();
}
