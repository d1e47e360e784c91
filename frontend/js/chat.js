// Chat page: the conversation sidebar, new chat with a datasource picker,
// the thread, and asking with live progress from the streaming endpoint.

import { api, ApiError, entry, fetchAll, linkHref, linkTo, stream, withParams } from "./api.js";
import { ConversationList } from "./conversation-list.js";
import { $, el, emptyState, loading, replace } from "./dom.js";
import { locale, t } from "./i18n.js";
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
  onOpen: (conversation) => {
    openConversation(conversation.id, { push: true, href: linkTo(conversation, "self") });
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
  replace(els.select, el("option", { value: "" }, t("common.loading")));
  els.select.disabled = true;
  let items;
  try {
    items = await fetchAll(await entry("datasources"));
  } catch (error) {
    replace(els.select, el("option", { value: "" }, t("chat.datasourcesFailed")));
    toast(error.readable, "error");
    return;
  }
  state.datasources = items;
  if (!items.length) {
    replace(els.select, el("option", { value: "" }, t("chat.noDatasources")));
    return;
  }
  const own = items.filter((ds) => ds.owner_is_me);
  const demo = items.filter((ds) => !ds.owner_is_me);
  const option = (ds) => el("option", { value: ds.id }, ds.name);
  replace(els.select,
    own.length ? el("optgroup", { label: t("chat.groupOwn") }, own.map(option)) : null,
    demo.length ? el("optgroup", { label: t("chat.groupDemo") }, demo.map(option)) : null);
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
  document.title = t("app.pageTitle", { page: title });
}

async function showWelcome() {
  setHeading(t("chat.newChat"), "");
  els.picker.hidden = false;
  const tables = el("div", { class: "welcome-tables" });
  const suggested = el("div", { class: "welcome-suggestions" });
  const welcome = el("section", { class: "welcome" },
    el("h2", null, t("chat.welcomeTitle")),
    el("p", { class: "muted" }, t("chat.welcomeText")),
    suggested,
    tables);
  replace(els.thread, welcome);
  if (!state.datasources.length) {
    replace(tables, emptyState(t("chat.noDatasourceTitle"), t("chat.noDatasourceHint"), el("a", { class: "btn btn-primary", href: "datasources.html" }, t("chat.addDatasource"))));
    return;
  }
  await Promise.all([showSuggestions(suggested, selectedDatasource()), showTableHints(tables)]);
}

/** Starter questions for `ds` in the site's language (the user's most used examples first); a click asks one. */
async function showSuggestions(container, ds) {
  const href = ds && linkHref(ds, "suggestions");
  if (!href) { container.replaceChildren(); return; }
  const token = state.loadToken;
  try {
    const body = await api.get(withParams(href, { lang: locale() }));
    if (token !== state.loadToken || !container.isConnected) return;
    const items = Array.isArray(body.results) ? body.results : [];
    if (!items.length) { container.replaceChildren(); return; }
    replace(container,
      el("p", { class: "label", id: "suggestions-label" }, t("chat.suggestionsTitle", { name: ds.name })),
      el("div", { class: "chips suggestions", role: "group", "aria-labelledby": "suggestions-label" }, items.map((item) => {
        const chip = el("button", { type: "button", class: ["chip", "suggestion", item.source === "example" ? "chip-example" : null], title: item.source === "example" ? t("chat.suggestionFromExample") : null }, item.question);
        chip.addEventListener("click", () => {
          if (state.busy) return;
          els.sqlMode.checked = false;
          syncSqlMode();
          els.question.value = item.question;
          autoGrow();
          submit();
        });
        return chip;
      })));
  } catch {
    container.replaceChildren();
  }
}

async function showTableHints(container) {
  const ds = selectedDatasource();
  if (!ds) return;
  replace(container, loading(t("chat.readingSchema", { name: ds.name })));
  try {
    const schema = await api.get(linkTo(ds, "schema"));
    const names = (schema.tables || []).map((table) => table.name);
    if (!names.length) {
      replace(container, el("p", { class: "muted small" }, t("chat.noTablesYet")));
      return;
    }
    replace(container,
      el("p", { class: "label" }, t("chat.tablesIn", { name: ds.name })),
      el("div", { class: "chips" }, names.slice(0, 12).map((name) => {
        const chip = el("button", { type: "button", class: "chip" }, name);
        chip.addEventListener("click", () => {
          els.question.value = t("chat.tableQuestion", { name });
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

/** The address of conversation `id` when only the id is known (a `?c=` link): the collection's href plus the id. */
async function conversationHref(id) {
  return new URL(`${encodeURIComponent(id)}/`, await entry("conversations")).href;
}

function subtitleFor(conversation) {
  return conversation.datasource ? t("chat.asking", { name: conversation.datasource.name }) : "";
}

async function openConversation(id, { push = false, href = null } = {}) {
  const token = ++state.loadToken;
  if (push) history.pushState(null, "", `chat.html?c=${encodeURIComponent(id)}`);
  els.picker.hidden = true;
  setHeading(t("common.loading"), "");
  replace(els.thread, loading(t("chat.loadingConversation")));
  try {
    const conversation = await api.get(href || await conversationHref(id));
    if (token !== state.loadToken) return;
    state.current = conversation;
    sidebar.markActive();
    setHeading(conversation.title || t("common.untitled"), subtitleFor(conversation));
    const turns = await fetchAll(linkTo(conversation, "messages"));
    if (token !== state.loadToken) return;
    if (!turns.length) {
      const suggested = el("div", { class: "welcome-suggestions" });
      replace(els.thread, emptyState(t("chat.noQuestions"), t("chat.askFirst")), suggested);
      const ds = state.datasources.find((item) => conversation.datasource && String(item.id) === String(conversation.datasource.id));
      showSuggestions(suggested, ds);
    } else renderTurns(els.thread, turns);
    scrollToEnd(true);
  } catch (error) {
    if (token !== state.loadToken) return;
    state.current = null;
    setHeading(error.status === 404 ? t("chat.notFoundTitle") : t("chat.openFailedTitle"), "");
    replace(els.thread, el("div", { class: "thread-error" }));
    showError(els.thread.firstChild, error.status === 404 ? new Error(t("chat.notFound")) : error, error.status === 404 ? null : () => openConversation(id, { href }));
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
  els.send.textContent = busy ? t("chat.sending") : t("chat.send");
  els.select.disabled = busy || !state.datasources.length;
}

async function ensureConversation(firstText) {
  if (state.current) return state.current;
  const ds = selectedDatasource();
  if (!ds) throw new ApiError(400, { detail: t("chat.chooseDatasource"), code: "no_datasource" });
  // The collection the root links to is where a conversation is created (its `create` link has the same href).
  const conversation = await api.post(await entry("conversations"), { datasource: ds.id });
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
  const isNew = !state.current;
  let discarded = false;
  let conversation;
  try {
    conversation = await ensureConversation(text);
  } catch (error) {
    toast(error.readable || error.message, "error");
    setBusy(false);
    return;
  }
  els.picker.hidden = true;
  if (isNew || els.thread.querySelector(".welcome, .empty, .welcome-suggestions")) els.thread.replaceChildren();
  setHeading(conversation.title || text, subtitleFor(conversation));
  const view = new TurnView({ question, sql: asSql ? text : "", live: true });
  els.thread.append(view.node);
  view.node.scrollIntoView({ block: "start" });

  let finished = false;
  const path = linkTo(conversation, "ask");
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
    else if (error instanceof ApiError) {
      view.fail(error.readable, error.code);
      // Only a refusal (4xx) says nothing was stored; after a lost connection the server may still be storing it.
      if (isNew && error.status >= 400 && error.status < 500) discarded = await discardIfEmpty(conversation);
    } else {
      // The stream broke after the question was accepted; the server still finishes and stores the turn.
      view.fail(t("chat.streamInterrupted"), "stream_closed");
    }
    announce(view);
  }
  setBusy(false);
  if (!discarded) refreshCurrent(conversation);
  els.question.focus();
}

/**
 * A conversation started for a first question that was refused before anything was stored (a full
 * history, too many asks) is deleted again, so the history keeps no empty conversation. The refusal
 * stays on screen, and the next question starts afresh.
 */
async function discardIfEmpty(conversation) {
  try {
    const fresh = await api.get(linkTo(conversation, "self"));
    if (fresh.message_count) return false;
    await api.del(linkTo(conversation, "delete"));
  } catch {
    return false;
  }
  sidebar.remove(conversation.id);
  if (state.current && String(state.current.id) === String(conversation.id)) {
    state.current = null;
    history.replaceState(null, "", "chat.html");
    sidebar.markActive();
    els.deleteButton.hidden = true;
    els.picker.hidden = false;
  }
  return true;
}

/** The stream ended without `done`: show what the server stored. */
async function reloadLastTurn(conversation, view) {
  try {
    const messages = linkTo(conversation, "messages");
    const first = await api.get(withParams(messages, { "per-page": 1 }));
    const lastPage = Math.max(1, first.count);
    const page = await api.get(withParams(messages, { "per-page": 1, page: lastPage }));
    if (page.results.length) view.render(page.results[0]);
  } catch {
    view.fail(t("chat.streamClosed"), "stream_closed");
  }
}

async function refreshCurrent(asked) {
  try {
    const conversation = await api.get(linkTo(asked, "self"));
    if (state.current && String(state.current.id) === String(asked.id)) {
      state.current = conversation;
      setHeading(conversation.title || t("common.untitled"), subtitleFor(conversation));
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
  const text = error ? t("chat.announceFailed", { error: error.textContent }) : t("chat.announceReady", { summary: summary ? summary.textContent.slice(0, 200) : "" });
  els.announcer.textContent = text;
}

async function deleteCurrent() {
  const conversation = state.current;
  if (!conversation) return;
  const ok = await confirmDialog({
    title: t("chat.deleteTitle"),
    message: t("chat.deleteMessage", { title: conversation.title || t("common.untitled") }),
  });
  if (!ok) return;
  try {
    await api.del(linkTo(conversation, "delete"));
    sidebar.remove(conversation.id);
    toast(t("chat.deleted"), "success");
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
  if (!state.current && !selectedDatasource()) { toast(t("chat.chooseDatasource"), "error"); els.select.focus(); return; }
  els.question.value = "";
  autoGrow();
  ask(question, { asSql: els.sqlMode.checked });
}

function syncSqlMode() {
  const on = els.sqlMode.checked;
  els.question.classList.toggle("sql-input", on);
  els.question.placeholder = on ? t("chat.sqlPlaceholder") : t("chat.questionPlaceholder");
  $("#question-label").textContent = on ? t("chat.sqlLabel") : t("chat.questionLabel");
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
    const suggested = els.thread.querySelector(".welcome .welcome-suggestions");
    if (suggested) showSuggestions(suggested, selectedDatasource());
  });
  window.addEventListener("popstate", route);

  replace(els.thread, loading());
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
