// Chat page: the conversation sidebar, new chat with a datasource picker,
// the thread, and asking with live progress from the streaming endpoint.

import { api, ApiError, linkHref, stream } from "./api.js";
import { ConversationList } from "./conversation-list.js";
import { $, el, emptyState, loading, replace } from "./dom.js";
import { mountHeader, mountLlmBanner, requireAuth } from "./session.js";
import { TurnView, renderTurns } from "./turn-view.js";
import { confirmDialog, showError, toast } from "./ui.js";

const LAST_DS_KEY = "chatapi.lastDatasource";
const els = {
  layout: $("#chat-layout"),
  sidebar: $("#sidebar"),
  scrim: $("#sidebar-scrim"),
  toggle: $("#toggle-sidebar"),
  list: $("#conversation-list"),
  more: $("#more-conversations"),
  newChat: $("#new-chat"),
  title: $("#chat-title"),
  subtitle: $("#chat-subtitle"),
  scroll: $("#thread-scroll"),
  thread: $("#thread"),
  form: $("#composer"),
  picker: $("#ds-picker"),
  select: $("#datasource"),
  question: $("#question"),
  send: $("#send"),
  deleteButton: $("#delete-conversation"),
  announcer: $("#announcer"),
  sqlMode: $("#sql-mode"),
};

const state = { current: null, datasources: [], busy: false, loadToken: 0 };

// --- sidebar ------------------------------------------------------------------

const sidebar = new ConversationList({
  list: els.list,
  more: els.more,
  currentId: () => (state.current ? state.current.id : ""),
  onOpen: (id) => {
    openConversation(id, { push: true });
    closeSidebar();
  },
});

function openSidebar() {
  els.layout.classList.add("sidebar-open");
  els.scrim.hidden = false;
  els.toggle.setAttribute("aria-expanded", "true");
  els.newChat.focus();
}

function closeSidebar() {
  if (!els.layout.classList.contains("sidebar-open")) return;
  els.layout.classList.remove("sidebar-open");
  els.scrim.hidden = true;
  els.toggle.setAttribute("aria-expanded", "false");
}

// --- datasources ----------------------------------------------------------------

async function loadDatasources() {
  replace(els.select, el("option", { value: "" }, "Loading…"));
  els.select.disabled = true;
  const items = [];
  let next = "datasources/?per-page=100";
  try {
    while (next) {
      const page = await api.get(next);
      items.push(...page.results);
      next = page.next;
    }
  } catch (error) {
    replace(els.select, el("option", { value: "" }, "Could not load datasources"));
    toast(error.readable, "error");
    return;
  }
  state.datasources = items;
  if (!items.length) {
    replace(els.select, el("option", { value: "" }, "No datasources yet"));
    return;
  }
  const own = items.filter((ds) => ds.owner_is_me);
  const demo = items.filter((ds) => !ds.owner_is_me);
  const option = (ds) => el("option", { value: ds.id }, ds.name);
  replace(els.select,
    own.length ? el("optgroup", { label: "Yours" }, own.map(option)) : null,
    demo.length ? el("optgroup", { label: "Demo" }, demo.map(option)) : null);
  const wanted = new URLSearchParams(location.search).get("ds") || localStorage.getItem(LAST_DS_KEY);
  if (wanted && items.some((ds) => String(ds.id) === String(wanted))) els.select.value = String(wanted);
  els.select.disabled = false;
}

function selectedDatasource() {
  return state.datasources.find((ds) => String(ds.id) === els.select.value);
}

// --- views ------------------------------------------------------------------------

function setHeading(title, subtitle) {
  els.deleteButton.hidden = !state.current;
  els.title.textContent = title;
  els.subtitle.textContent = subtitle || "";
  document.title = `${title} · chatAPI`;
}

async function showWelcome() {
  setHeading("New chat", "");
  els.picker.hidden = false;
  const tables = el("div", { class: "welcome-tables" });
  const welcome = el("section", { class: "welcome" },
    el("h2", null, "What would you like to know?"),
    el("p", { class: "muted" }, "Pick a datasource and ask in Korean or English. You get an answer, the SQL behind it and the result table."),
    tables);
  replace(els.thread, welcome);
  if (!state.datasources.length) {
    replace(tables, emptyState("No datasource to ask yet.", "Register a database first.", el("a", { class: "btn btn-primary", href: "datasources.html" }, "Add a datasource")));
    return;
  }
  await showTableHints(tables);
}

async function showTableHints(container) {
  const ds = selectedDatasource();
  if (!ds) return;
  replace(container, loading(`Reading ${ds.name}…`));
  try {
    const schema = await api.get(linkHref(ds, "schema") || `datasources/${ds.id}/schema/`);
    const names = (schema.tables || []).map((table) => table.name);
    if (!names.length) {
      replace(container, el("p", { class: "muted small" }, "This datasource has no tables read yet. Introspect it on the Datasources page."));
      return;
    }
    replace(container,
      el("p", { class: "label" }, `Tables in ${ds.name}`),
      el("div", { class: "chips" }, names.slice(0, 12).map((name) => {
        const chip = el("button", { type: "button", class: "chip" }, name);
        chip.addEventListener("click", () => {
          els.question.value = `How many rows are in ${name}?`;
          autoGrow();
          els.question.focus();
        });
        return chip;
      })));
  } catch {
    container.replaceChildren();
  }
}

function newChat({ push = true } = {}) {
  state.current = null;
  state.loadToken += 1;
  if (push) history.pushState(null, "", "chat.html");
  sidebar.markActive();
  showWelcome();
  els.question.focus();
}

async function openConversation(id, { push = false } = {}) {
  const token = ++state.loadToken;
  if (push) history.pushState(null, "", `chat.html?c=${encodeURIComponent(id)}`);
  els.picker.hidden = true;
  setHeading("Loading…", "");
  replace(els.thread, loading("Loading the conversation…"));
  try {
    const conversation = await api.get(`conversations/${encodeURIComponent(id)}/`);
    if (token !== state.loadToken) return;
    state.current = conversation;
    sidebar.markActive();
    setHeading(conversation.title || "Untitled", conversation.datasource ? `Asking ${conversation.datasource.name}` : "");
    const turns = [];
    let next = linkHref(conversation, "messages") || `conversations/${id}/messages/`;
    next += next.includes("?") ? "&per-page=100" : "?per-page=100";
    while (next) {
      const page = await api.get(next);
      turns.push(...page.results);
      next = page.next;
    }
    if (token !== state.loadToken) return;
    if (!turns.length) replace(els.thread, emptyState("No questions yet.", "Ask the first one below."));
    else renderTurns(els.thread, turns);
    scrollToEnd(true);
  } catch (error) {
    if (token !== state.loadToken) return;
    state.current = null;
    setHeading(error.status === 404 ? "Conversation not found" : "Could not open the conversation", "");
    replace(els.thread, el("div", { class: "thread-error" }));
    showError(els.thread.firstChild, error.status === 404 ? new Error("This conversation does not exist or was deleted.") : error, error.status === 404 ? null : () => openConversation(id));
  }
  els.question.focus();
}

function scrollToEnd(force = false) {
  const box = els.scroll;
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 160;
  if (force || nearBottom) box.scrollTop = box.scrollHeight;
}

// --- asking ----------------------------------------------------------------------

function setBusy(busy) {
  state.busy = busy;
  els.send.disabled = busy;
  els.send.textContent = busy ? "Asking…" : "Send";
  els.select.disabled = busy || !state.datasources.length;
}

async function ensureConversation(firstText) {
  if (state.current) return state.current;
  const ds = selectedDatasource();
  if (!ds) throw new ApiError(400, { detail: "Choose a datasource first.", code: "no_datasource" });
  const conversation = await api.post("conversations/", { datasource: ds.id });
  localStorage.setItem(LAST_DS_KEY, String(ds.id));
  state.current = conversation;
  history.pushState(null, "", `chat.html?c=${encodeURIComponent(conversation.id)}`);
  // List it at once; the server's title (the first question) replaces this when the answer is in.
  sidebar.upsert({ ...conversation, title: conversation.title || firstText });
  return conversation;
}

/** Ask a question, or with `asSql` run the text as SQL (it goes through the same guard). */
async function ask(text, { asSql = false } = {}) {
  const question = asSql ? "" : text;
  setBusy(true);
  let conversation;
  try {
    conversation = await ensureConversation(text);
  } catch (error) {
    toast(error.readable || error.message, "error");
    setBusy(false);
    return;
  }
  els.picker.hidden = true;
  if (els.thread.querySelector(".welcome, .empty")) els.thread.replaceChildren();
  setHeading(conversation.title || text, conversation.datasource ? `Asking ${conversation.datasource.name}` : "");
  const view = new TurnView({ question, sql: asSql ? text : "", live: true });
  els.thread.append(view.node);
  view.node.scrollIntoView({ block: "start" });

  let finished = false;
  const path = linkHref(conversation, "ask") || `conversations/${conversation.id}/messages/`;
  try {
    await stream(path, asSql ? { sql: text } : { question }, (event, data) => {
      if (event === "stage") view.setStage(data.stage);
      else if (event === "sql") view.setSql(data.sql);
      else if (event === "result") { view.setResult(data); view.node.scrollIntoView({ block: "start" }); }
      else if (event === "summary") view.appendSummary(data.delta ?? "");
      else if (event === "done") { view.render(data); finished = true; }
      else if (event === "error") {
        // The stored failed turn comes along when there is one; it shows the SQL tried too.
        if (data.turn) view.render(data.turn);
        else view.fail(data.message, data.code);
        finished = true;
      }
    });
    if (!finished) await reloadLastTurn(conversation, view);
    view.node.scrollIntoView({ block: "start" });
    announce(view);
  } catch (error) {
    if (error.body && error.body.turn) view.render(error.body.turn);
    else if (error instanceof ApiError) view.fail(error.readable, error.code);
    else {
      // The stream broke after the question was accepted; the server still finishes and stores the turn.
      view.fail("The connection was interrupted. The answer is still being saved: open this conversation again in a moment to see it.", "stream_closed");
    }
    announce(view);
  }
  setBusy(false);
  refreshCurrent(conversation.id);
  els.question.focus();
}

/** The stream ended without `done`: show what the server stored. */
async function reloadLastTurn(conversation, view) {
  try {
    const first = await api.get(`conversations/${conversation.id}/messages/?per-page=1`);
    const lastPage = Math.max(1, first.count);
    const page = await api.get(`conversations/${conversation.id}/messages/?per-page=1&page=${lastPage}`);
    if (page.results.length) view.render(page.results[0]);
  } catch (error) {
    view.fail("The connection closed before the answer arrived. Reload the conversation to see it.", "stream_closed");
  }
}

async function refreshCurrent(id) {
  try {
    const conversation = await api.get(`conversations/${encodeURIComponent(id)}/`);
    if (state.current && String(state.current.id) === String(id)) {
      state.current = conversation;
      setHeading(conversation.title || "Untitled", conversation.datasource ? `Asking ${conversation.datasource.name}` : "");
    }
    sidebar.upsert(conversation);
  } catch {
    // The sidebar is a convenience; the answer is already on screen.
  }
}

/** Tell screen-reader users that the answer is in, without reading the whole table. */
function announce(view) {
  const error = view.node.querySelector(".turn-error");
  const summary = view.node.querySelector(".summary");
  const text = error ? `The question failed: ${error.textContent}` : `Answer ready. ${summary ? summary.textContent.slice(0, 200) : ""}`;
  els.announcer.textContent = text;
}

async function deleteCurrent() {
  const conversation = state.current;
  if (!conversation) return;
  const ok = await confirmDialog({
    title: "Delete this conversation?",
    message: `“${conversation.title || "Untitled"}” and all its answers will be deleted. This cannot be undone.`,
  });
  if (!ok) return;
  try {
    await api.del(linkHref(conversation, "delete") || `conversations/${conversation.id}/`);
    sidebar.remove(conversation.id);
    toast("Conversation deleted.", "success");
    newChat();
  } catch (error) {
    toast(error.readable, "error");
  }
}

function autoGrow() {
  const lines = els.question.value.split("\n").length;
  const wraps = Math.ceil(els.question.value.length / 70);
  els.question.rows = Math.min(8, Math.max(1, lines, wraps));
}

function submit() {
  const question = els.question.value.trim();
  if (!question || state.busy) return;
  if (!state.current && !selectedDatasource()) { toast("Choose a datasource first.", "error"); els.select.focus(); return; }
  els.question.value = "";
  autoGrow();
  ask(question, { asSql: els.sqlMode.checked });
}

function syncSqlMode() {
  const on = els.sqlMode.checked;
  els.question.classList.toggle("sql-input", on);
  els.question.placeholder = on ? "SELECT … (runs read-only, checked like every query)" : "Ask a question…";
  els.question.setAttribute("aria-label", on ? "SQL to run" : "Your question");
}

// --- start --------------------------------------------------------------------------

async function start() {
  mountHeader("chat");
  mountLlmBanner($("#banner-slot"));
  els.form.addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  els.send.disabled = false; // ships disabled so nothing is sent before the page is wired
  els.question.addEventListener("keydown", (event) => {
    // Korean input composes syllables; Enter that ends a composition must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  els.question.addEventListener("input", autoGrow);
  els.sqlMode.addEventListener("change", () => { syncSqlMode(); els.question.focus(); });
  syncSqlMode();
  els.newChat.addEventListener("click", () => { newChat(); closeSidebar(); });
  els.deleteButton.addEventListener("click", deleteCurrent);
  els.toggle.addEventListener("click", () => (els.layout.classList.contains("sidebar-open") ? closeSidebar() : openSidebar()));
  els.scrim.addEventListener("click", closeSidebar);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeSidebar(); });
  els.select.addEventListener("change", () => {
    localStorage.setItem(LAST_DS_KEY, els.select.value);
    const hints = els.thread.querySelector(".welcome-tables");
    if (hints) showTableHints(hints);
  });
  window.addEventListener("popstate", route);

  replace(els.thread, loading("Loading…"));
  sidebar.load();
  await loadDatasources();
  route();
}

function route() {
  const id = new URLSearchParams(location.search).get("c");
  if (id) openConversation(id);
  else newChat({ push: false });
}

if (requireAuth()) start();
