// History page: the user's conversations as a paginated, searchable table.

import { api, linkHref } from "./api.js";
import { $, el, emptyState, formatRelative, formatDateTime, loading, plural, replace } from "./dom.js";
import { mountHeader, requireAuth } from "./session.js";
import { confirmDialog, showError, toast } from "./ui.js";

const PER_PAGE = 20;
const body = $("#history-body");
const searchInput = $("#search");
const deleteAllButton = $("#delete-all");

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
  replace(body, loading("Loading conversations…"));
  const params = new URLSearchParams({ page: String(page), "per-page": String(PER_PAGE) });
  if (search) params.set("search", search);
  let data;
  try {
    data = await api.get(`conversations/?${params}`);
  } catch (error) {
    if (error.status === 404 && page > 1) { setQuery({ search, page: 1 }); return; }
    showError(body, error, load);
    return;
  }
  deleteAllButton.disabled = !search && data.count === 0;
  render(data, { search, page });
}

function render(data, { search, page }) {
  if (!data.results.length) {
    replace(body, search
      ? emptyState(`No conversations match “${search}”.`, "Try another word, or clear the search.", el("button", { type: "button", class: "btn", onclick: () => setQuery({ search: "", page: 1 }) }, "Clear search"))
      : emptyState("No conversations yet.", "Ask your first question and it will show up here.", el("a", { class: "btn btn-primary", href: "chat.html" }, "Start a chat")));
    return;
  }
  const rows = data.results.map((conversation) => {
    const open = `chat.html?c=${encodeURIComponent(conversation.id)}`;
    return el("tr", { dataset: { id: conversation.id } },
      el("td", { class: "title-cell" },
        el("a", { href: open }, conversation.title || "Untitled"),
        conversation.last_question && conversation.last_question !== conversation.title
          ? el("span", { class: "last-question" }, conversation.last_question) : null),
      el("td", { "data-label": "Datasource" }, (conversation.datasource && conversation.datasource.name) || "—"),
      el("td", { class: "num", "data-label": "Messages" }, String(conversation.message_count ?? 0)),
      el("td", { "data-label": "Last activity" }, el("time", { datetime: conversation.updated_at, title: formatDateTime(conversation.updated_at) }, formatRelative(conversation.updated_at))),
      el("td", { class: "actions" },
        el("a", { class: "btn btn-small", href: open }, "Open"),
        el("button", { type: "button", class: "btn btn-small btn-danger-ghost", onclick: () => deleteOne(conversation) }, "Delete")));
  });
  const start = (page - 1) * PER_PAGE + 1;
  const end = start + data.results.length - 1;
  const pager = el("div", { class: "pager" },
    el("p", { class: "muted small", role: "status" }, `${start}–${end} of ${plural(data.count, "conversation")}`),
    el("div", { class: "pager-buttons" },
      el("button", { type: "button", class: "btn btn-small", disabled: !data.previous, onclick: () => setQuery({ search, page: page - 1 }) }, "Previous"),
      el("button", { type: "button", class: "btn btn-small", disabled: !data.next, onclick: () => setQuery({ search, page: page + 1 }) }, "Next")));
  replace(body,
    el("div", { class: "table-wrap" },
      el("table", { class: "table history-table" },
        el("thead", null, el("tr", null,
          el("th", { scope: "col" }, "Title"), el("th", { scope: "col" }, "Datasource"),
          el("th", { scope: "col", class: "num" }, "Messages"), el("th", { scope: "col" }, "Last activity"),
          el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Actions")))),
        el("tbody", null, rows))),
    pager);
}

async function deleteOne(conversation) {
  const ok = await confirmDialog({
    title: "Delete this conversation?",
    message: `“${conversation.title || "Untitled"}” and its ${plural(conversation.message_count ?? 0, "message")} will be deleted. This cannot be undone.`,
  });
  if (!ok) return;
  try {
    await api.del(linkHref(conversation, "delete") || `conversations/${conversation.id}/`);
    toast("Conversation deleted.", "success");
    load();
  } catch (error) {
    toast(error.readable, "error");
  }
}

async function deleteAll() {
  const ok = await confirmDialog({
    title: "Delete all conversations?",
    message: "Every conversation and every message in your history will be deleted. This cannot be undone.",
    confirmLabel: "Delete all",
  });
  if (!ok) return;
  try {
    const result = await api.del("conversations/?all=true");
    toast(`Deleted ${plural(result.deleted ?? 0, "conversation")}.`, "success");
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
