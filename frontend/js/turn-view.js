// One turn of a conversation: the question, then the answer — summary, SQL,
// result table, CSV download and chart — filled in live while it streams.

import { api, download, linkHref, linkTo } from "./api.js";
import { el, clear, replace, svg } from "./dom.js";
import { chartSpec, renderChart } from "./chart.js";
import { formatCount, formatDateTime, formatDuration, formatNumber, hasMessage, t } from "./i18n.js";
import { toast } from "./ui.js";

const TABLE_PREVIEW_ROWS = 100;
const PENDING_FIRST_CHECK_MS = 2000;
const PENDING_MAX_CHECK_MS = 15000;
const STAGES = ["sql", "execute", "summary"];
// A thumb (Material Design "thumb_up" outline, Apache-2.0); thumbs down is the same shape turned over.
const THUMB_PATH = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";

function thumbIcon(down) {
  return svg("svg", { viewBox: "0 0 24 24", width: "18", height: "18", "aria-hidden": "true", focusable: "false", class: down ? "thumb-icon thumb-icon-down" : "thumb-icon" },
    svg("path", { d: THUMB_PATH, fill: "currentColor" }));
}

// Identifiers, years and codes read wrong with thousands separators.
const RAW_NUMBER_COLUMN = /(^id$|_id$|^id_|year|code|zip|phone|^no$|번호|연도)/i;

function cellText(value, grouped) {
  if (value === null || value === undefined) return null;
  if (typeof value === "object") return JSON.stringify(value);
  if (grouped && typeof value === "number") return formatNumber(value);
  return String(value);
}

/** The result as a scrollable table; long results show a preview with a "Show all" button. */
function resultTable(columns, rows) {
  const numeric = columns.map((_, c) => rows.length > 0 && rows.every((row) => row[c] === null || typeof row[c] === "number"));
  const grouped = columns.map((name, c) => numeric[c] && !RAW_NUMBER_COLUMN.test(String(name)));
  const body = el("tbody");
  const addRows = (from, to) => {
    for (const row of rows.slice(from, to)) {
      body.append(el("tr", null, columns.map((_, c) => {
        const text = cellText(row[c], grouped[c]);
        return text === null ? el("td", { class: "null" }, t("turn.null")) : el("td", { class: numeric[c] ? "num" : null }, text);
      })));
    }
  };
  addRows(0, TABLE_PREVIEW_ROWS);
  const table = el("table", { class: "table result-table" },
    el("thead", null, el("tr", null, columns.map((name, c) => el("th", { scope: "col", class: numeric[c] ? "num" : null }, String(name))))),
    body);
  const wrap = el("div", { class: "table-wrap result-wrap", tabindex: "0", role: "region", "aria-label": t("turn.resultTable") }, table);
  if (rows.length <= TABLE_PREVIEW_ROWS) return wrap;
  const more = el("button", { type: "button", class: "btn btn-small btn-ghost" }, t("turn.showAll", { count: rows.length }));
  more.addEventListener("click", () => { addRows(TABLE_PREVIEW_ROWS, rows.length); more.remove(); });
  return el("div", null, wrap, el("div", { class: "show-more" }, more));
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = el("textarea", { class: "visually-hidden", readonly: true, value: text });
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = t("turn.copied");
  setTimeout(() => { button.textContent = t("turn.copy"); }, 1600);
}

function sqlBlock(sql, open = false) {
  const copy = el("button", { type: "button", class: "btn btn-small btn-ghost copy-sql" }, t("turn.copy"));
  copy.addEventListener("click", (event) => { event.preventDefault(); copyText(sql, copy); });
  return el("details", { class: "sql", open: open || null },
    el("summary", null, el("span", { class: "sql-label" }, t("turn.sql"))),
    el("div", { class: "sql-body" }, el("pre", null, el("code", null, sql)), copy));
}

/** The rendering of one turn; `live` turns start with a progress list and fill in from events. */
export class TurnView {
  constructor({ question, sql, live = false }) {
    this.answer = el("div", { class: "answer" });
    const bubble = question
      ? el("p", { class: "bubble" }, question)
      : el("p", { class: "bubble bubble-sql", title: t("turn.sqlDirect") }, sql || "");
    this.node = el("article", { class: "turn", "aria-label": t("turn.label") }, el("div", { class: "question" }, bubble), this.answer);
    if (live) this.startLive(question ? "sql" : "execute");
  }

  startLive(firstStage) {
    this.steps = new Map();
    const list = el("ol", { class: "progress", "aria-label": t("turn.progress") }, STAGES.map((stage) => {
      const item = el("li", { class: "step", dataset: { stage } }, el("span", { class: "step-dot", "aria-hidden": "true" }), t(`turn.stage.${stage}`));
      this.steps.set(stage, item);
      return item;
    }));
    this.liveSql = el("div");
    this.liveResult = el("div");
    this.liveSummary = el("p", { class: "summary summary-live" });
    replace(this.answer, el("div", { class: "answer-card" }, list, this.liveSummary, this.liveSql, this.liveResult));
    if (firstStage !== "sql") this.steps.get("sql").remove();
    this.setStage(firstStage);
  }

  setStage(key) {
    if (!this.steps.has(key) || !this.steps.get(key).isConnected) return;
    let reached = false;
    for (const [stage, item] of [...this.steps.entries()].reverse()) {
      if (stage === key) { reached = true; item.className = "step step-active"; item.setAttribute("aria-current", "step"); continue; }
      item.removeAttribute("aria-current");
      item.className = reached ? "step step-done" : "step";
    }
  }

  setSql(sql) {
    replace(this.liveSql, sqlBlock(sql, true));
  }

  setResult(result) {
    replace(this.liveResult, this.resultSection(result, null));
  }

  appendSummary(delta) {
    this.liveSummary.append(document.createTextNode(String(delta)));
  }

  /** Show a failure that has no stored turn to render (network, 4xx). */
  fail(message, code) {
    const card = this.answer.querySelector(".answer-card") || el("div", { class: "answer-card" });
    card.querySelector(".progress")?.remove();
    card.prepend(errorNotice(code, message));
    if (!card.isConnected) this.answer.append(card);
  }

  /** Render a stored turn; a list page's preview of one is replaced by the whole turn once it is near the screen. */
  render(turn) {
    this.node.dataset.id = turn.id;
    this.node.dataset.status = turn.status;
    const card = el("div", { class: "answer-card" });
    if (turn.status === "pending") {
      card.append(el("p", { class: "muted pending-note" }, t("turn.pending")));
      this.watchPending(turn);
    }
    if (turn.error) card.append(errorNotice(turn.error.code, turn.error.message));
    if (turn.summary) card.append(el("p", { class: "summary" }, turn.summary));
    if (turn.sql) card.append(sqlBlock(turn.sql));
    if (turn.preview && turn.status !== "pending") {
      card.append(el("p", { class: "muted small loading-whole" }, t("turn.loadingWhole")));
      this.loadWhole(turn);
    } else if (turn.result && Array.isArray(turn.result.columns) && turn.result.columns.length) {
      card.append(this.resultSection(turn.result, turn));
    }
    const notes = learningNotes(turn);
    if (notes) card.append(notes);
    card.append(metaLine(turn));
    if (turn.status !== "pending" && linkHref(turn, "rate")) card.append(this.feedbackBar(turn));
    replace(this.answer, card);
  }

  /** Fetch the whole turn (its `self` link) when its preview comes near the screen, and show it. */
  loadWhole(turn) {
    const load = async () => {
      try {
        const whole = await api.get(linkTo(turn, "self"));
        if (this.node.isConnected) this.render({ ...whole, preview: false });
      } catch (error) {
        if (error.status === 404) this.fail(t("turn.deleted"), "not_found");
        else this.fail(error.readable || error.message, error.code);
      }
    };
    if (!("IntersectionObserver" in window)) { load(); return; }
    const watcher = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) { watcher.disconnect(); load(); }
    }, { rootMargin: "600px 0px" });
    // Observe once the view is on the page (renderTurns appends it after rendering).
    requestAnimationFrame(() => watcher.observe(this.node));
  }

  /** Thumbs up/down: pressing the pressed one withdraws the rating; the server answers with the turn. */
  feedbackBar(turn) {
    const rating = turn.feedback ? turn.feedback.rating : null;
    const canRateUp = turn.status === "ok" && Boolean(turn.sql) && Boolean(turn.question);
    const status = el("span", { class: "feedback-note muted small", role: "status" });
    if (rating === "up" && turn.feedback.example) status.textContent = t("turn.savedAsExample");
    else if (rating === "down") status.textContent = t("turn.ratedDown");
    const thumb = (value) => {
      const pressed = rating === value;
      const button = el("button", {
        type: "button",
        class: ["btn", "btn-small", "btn-ghost", "thumb", `thumb-${value}`],
        "aria-pressed": pressed ? "true" : "false",
        title: t(`turn.rate.${value}`),
        disabled: value === "up" && !canRateUp && !pressed,
      }, thumbIcon(value === "down"), el("span", { class: "visually-hidden" }, t(`turn.rate.${value}`)));
      button.addEventListener("click", () => this.rate(turn, pressed ? null : value, value, status));
      return button;
    };
    return el("div", { class: "feedback", role: "group", "aria-label": t("turn.rate.label") }, thumb("up"), thumb("down"), status);
  }

  async rate(turn, rating, pressedValue, status) {
    for (const button of this.node.querySelectorAll(".thumb")) button.disabled = true;
    try {
      const updated = rating ? await api.post(linkTo(turn, "rate"), { rating }) : await api.del(linkTo(turn, "unrate"));
      this.render(updated);
      this.node.querySelector(`.thumb-${pressedValue}`)?.focus();
    } catch (error) {
      status.textContent = "";
      toast(error.readable || error.message, "error");
      this.render(turn);
    }
  }

  /** Check a stored turn that is still being answered (elsewhere) until it is done, while it is on screen. */
  watchPending(turn) {
    const href = linkTo(turn, "self");
    let wait = PENDING_FIRST_CHECK_MS;
    const check = async () => {
      if (!this.node.isConnected) return;
      try {
        const fresh = await api.get(href);
        if (!this.node.isConnected) return;
        if (fresh.status !== "pending") { this.render(fresh); return; }
      } catch (error) {
        if (error.status === 404) { this.fail(t("turn.deleted"), "not_found"); return; }
      }
      wait = Math.min(wait * 1.5, PENDING_MAX_CHECK_MS);
      setTimeout(check, wait);
    };
    setTimeout(check, wait);
  }

  resultSection(result, turn) {
    const rows = Array.isArray(result.rows) ? result.rows : [];
    const count = result.row_count ?? rows.length;
    const head = el("div", { class: "result-head" },
      el("span", { class: "row-count" }, formatCount(count, "row")),
      result.truncated ? el("span", { class: "badge badge-warning truncated" }, t("turn.truncated", { count })) : null);
    const csv = turn && linkHref(turn, "csv");
    if (csv) {
      const button = el("button", { type: "button", class: "btn btn-small download-csv" }, t("turn.downloadCsv"));
      button.addEventListener("click", async () => {
        button.disabled = true;
        try { await download(csv, t("turn.csvName", { id: String(turn.id) })); } catch (error) { toast(error.readable || error.message, "error"); } finally { button.disabled = false; }
      });
      head.append(button);
    }
    const section = el("section", { class: "result", "aria-label": t("turn.result") }, head);
    const spec = chartSpec(result.columns, rows);
    if (spec) section.append(renderChart(spec));
    if (rows.length) section.append(resultTable(result.columns, rows));
    else section.append(el("p", { class: "muted small" }, t("turn.noRows")));
    return section;
  }
}

function errorNotice(code, message) {
  return el("div", { class: "notice notice-error turn-error", role: "alert" },
    el("p", { class: "error-title" }, hasMessage(`turn.error.${code}`) ? t(`turn.error.${code}`) : t("turn.errorTitle")),
    message ? el("p", { class: "error-message" }, message) : null);
}

/** Whether a turn was answered from (or helped by) the user's verified examples. */
function learningNotes(turn) {
  const used = Array.isArray(turn.examples_used) ? turn.examples_used.length : 0;
  if (!used) return null;
  const text = turn.model === "offline:example" ? t("turn.answeredFromExample") : t("turn.examplesUsed", { count: used });
  return el("p", { class: "learning-note small" }, text);
}

function metaLine(turn) {
  const parts = [];
  if (turn.created_at) parts.push(formatDateTime(turn.created_at));
  if (turn.model) parts.push(turn.model);
  if (turn.attempts > 1) parts.push(formatCount(turn.attempts, "attempt"));
  const total = turn.timings && turn.timings.total_ms;
  if (typeof total === "number") parts.push(formatDuration(total));
  return el("p", { class: "turn-meta" }, parts.join(" · "));
}

/** Empty the node and put TurnViews for `turns` into it. */
export function renderTurns(container, turns) {
  clear(container);
  for (const turn of turns) {
    const view = new TurnView({ question: turn.question, sql: turn.sql });
    view.render(turn);
    container.append(view.node);
  }
}
