// The site's language: the message catalogue lookup `t(key, params)`, the
// locale choice (remembered in localStorage, the first visit follows the
// browser), `<html lang>`, the static page text marked with data-i18n
// attributes, and Intl formatters for dates, relative times, numbers and counts.
//
// Every piece of text the site shows lives in js/i18n/<locale>.js; page code
// names a key, never the words.

import en from "./i18n/en.js";
import ko from "./i18n/ko.js";

export const CATALOGUES = { en, ko };
export const LOCALES = Object.keys(CATALOGUES);
export const DEFAULT_LOCALE = "en";
const STORAGE_KEY = "chatapi.locale";

/** The supported locale a language tag ("ko-KR", "en") falls under, or null. */
export function matchLocale(tag) {
  const base = String(tag || "").toLowerCase().split(/[-_]/)[0];
  return LOCALES.includes(base) ? base : null;
}

/** The remembered choice, else the first supported browser language, else English. */
export function detectLocale() {
  let stored = null;
  try { stored = localStorage.getItem(STORAGE_KEY); } catch { stored = null; }
  if (matchLocale(stored)) return matchLocale(stored);
  const browser = typeof navigator === "undefined" ? {} : navigator;
  const wanted = browser.languages && browser.languages.length ? browser.languages : [browser.language];
  for (const tag of wanted) {
    const found = matchLocale(tag);
    if (found) return found;
  }
  return DEFAULT_LOCALE;
}

let current = detectLocale();

/** The locale in use ("en" or "ko"). */
export function locale() {
  return current;
}

/** Remember a new locale and show the page again in it. */
export function setLocale(code, { reload = true } = {}) {
  const next = matchLocale(code);
  if (!next) return;
  try { localStorage.setItem(STORAGE_KEY, next); } catch { /* private mode: the choice lasts this page only */ }
  current = next;
  formatters.clear();
  if (reload) location.reload();
  else localize(document);
}

// --- messages ---------------------------------------------------------------------

function lookup(key) {
  const own = CATALOGUES[current];
  if (own && Object.prototype.hasOwnProperty.call(own, key)) return own[key];
  if (Object.prototype.hasOwnProperty.call(CATALOGUES[DEFAULT_LOCALE], key)) return CATALOGUES[DEFAULT_LOCALE][key];
  return undefined;
}

/** A plural entry ({one, other, …}) picked by `count` with the locale's plural rules. */
function pluralForm(entry, count) {
  const rule = cached("plural", () => new Intl.PluralRules(current)).select(Number(count));
  return entry[rule] ?? entry.other ?? "";
}

function template(key, params) {
  let entry = lookup(key);
  if (entry === undefined) {
    // A missing key is a bug: say so in the console, show the key rather than nothing.
    console.warn(`i18n: no message for "${key}"`);
    return key;
  }
  if (entry && typeof entry === "object") entry = pluralForm(entry, params && params.count !== undefined ? params.count : 0);
  return String(entry);
}

function paramText(value) {
  if (typeof value === "number") return formatNumber(value);
  return value === undefined || value === null ? "" : String(value);
}

/**
 * The message for `key` in the current locale with `{name}` placeholders
 * filled from `params` (numbers formatted for the locale). A message may be a
 * plural entry keyed by Intl.PluralRules categories, chosen by `params.count`.
 */
export function t(key, params = {}) {
  return template(key, params).replace(/\{(\w+)\}/g, (whole, name) => (name in params ? paramText(params[name]) : whole));
}

/**
 * Like t(), but placeholders may be DOM nodes (a <kbd>, a <code>): returns a
 * list of strings and nodes to append, in the order the language puts them.
 */
export function tNodes(key, params = {}) {
  const out = [];
  const text = template(key, params);
  let last = 0;
  for (const match of text.matchAll(/\{(\w+)\}/g)) {
    if (!(match[1] in params)) continue;
    if (match.index > last) out.push(text.slice(last, match.index));
    const value = params[match[1]];
    out.push(typeof Node !== "undefined" && value instanceof Node ? value : paramText(value));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Whether the catalogue has `key` (for optional, data-driven messages such as error titles by code). */
export function hasMessage(key) {
  return lookup(key) !== undefined;
}

// --- static page text --------------------------------------------------------------

const ATTRIBUTES = {
  "data-i18n-placeholder": "placeholder",
  "data-i18n-label": "aria-label",
  "data-i18n-title": "title",
};

/**
 * Translate the static parts of a page: `data-i18n="key"` sets the text (child
 * elements marked `data-slot="name"` are kept and placed where the message says
 * `{name}`), `data-i18n-placeholder`, `data-i18n-label` (aria-label) and
 * `data-i18n-title` set those attributes. Also sets `<html lang>` and the
 * document title from `<html data-i18n-page="key">`.
 */
export function localize(root = document) {
  if (root === document || root === document.documentElement) {
    const html = document.documentElement;
    html.lang = current;
    // <title> holds only text, so the page names its title key on <html data-i18n-page>.
    if (html.dataset.i18nPage) document.title = t("app.pageTitle", { page: t(html.dataset.i18nPage) });
  }
  for (const node of root.querySelectorAll("[data-i18n]")) {
    const slots = {};
    for (const child of node.querySelectorAll(":scope > [data-slot]")) slots[child.dataset.slot] = child;
    node.replaceChildren(...tNodes(node.dataset.i18n, slots));
  }
  for (const [data, attribute] of Object.entries(ATTRIBUTES)) {
    for (const node of root.querySelectorAll(`[${data}]`)) node.setAttribute(attribute, t(node.getAttribute(data)));
  }
}

// --- formatting -----------------------------------------------------------------------

const formatters = new Map();

function cached(name, make) {
  const key = `${current}:${name}`;
  if (!formatters.has(key)) formatters.set(key, make());
  return formatters.get(key);
}

function toDate(value) {
  if (value === null || value === undefined || value === "") return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A number with the locale's grouping and decimal mark; other values pass through as text. */
export function formatNumber(value, { maximumFractionDigits = 4 } = {}) {
  if (typeof value !== "number" || !Number.isFinite(value)) return value === null || value === undefined ? "" : String(value);
  return cached(`number:${maximumFractionDigits}`, () => new Intl.NumberFormat(current, { maximumFractionDigits })).format(value);
}

/** A compact number for chart axes ("1.2K", "1.2천"). */
export function formatCompact(value) {
  if (typeof value !== "number" || !Number.isFinite(value)) return String(value);
  return cached("compact", () => new Intl.NumberFormat(current, { notation: "compact", maximumFractionDigits: 1 })).format(value);
}

/** A share as a percentage ("42%"). */
export function formatPercent(fraction) {
  return cached("percent", () => new Intl.NumberFormat(current, { style: "percent", maximumFractionDigits: 1 })).format(fraction);
}

/** Date and time ("Dec 3, 2026, 09:15 PM" / "2026. 12. 3. 오후 9:15"); unparseable values pass through. */
export function formatDateTime(value) {
  const date = toDate(value);
  if (!date) return value ? String(value) : "";
  return cached("datetime", () => new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "short" })).format(date);
}

/** The date alone ("Dec 3, 2026" / "2026. 12. 3."). */
export function formatDate(value) {
  const date = toDate(value);
  if (!date) return value ? String(value) : "";
  return cached("date", () => new Intl.DateTimeFormat(current, { dateStyle: "medium" })).format(date);
}

const RELATIVE_STEPS = [
  [60, 1, "second"],
  [3600, 60, "minute"],
  [86400, 3600, "hour"],
  [86400 * 7, 86400, "day"],
];

/** "2 minutes ago" / "2분 전"; a week or more back gives the date and time instead. */
export function formatRelative(value, now = Date.now()) {
  const date = toDate(value);
  if (!date) return value ? String(value) : "";
  const seconds = Math.round((now - date.getTime()) / 1000);
  const rtf = cached("relative", () => new Intl.RelativeTimeFormat(current, { numeric: "auto" }));
  for (const [limit, unit, name] of RELATIVE_STEPS) {
    if (Math.abs(seconds) < limit) return rtf.format(-Math.round(seconds / unit), name);
  }
  return formatDateTime(date);
}

/** A duration in milliseconds as "350 ms" / "1.2 s" ("1.2초"). */
export function formatDuration(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return "";
  if (ms < 1000) return cached("ms", () => new Intl.NumberFormat(current, { style: "unit", unit: "millisecond", maximumFractionDigits: 0 })).format(ms);
  return cached("s", () => new Intl.NumberFormat(current, { style: "unit", unit: "second", maximumFractionDigits: 1 })).format(ms / 1000);
}

/** A list joined the locale's way ("a, b, and c" / "a, b 및 c"). */
export function formatList(items) {
  return cached("list", () => new Intl.ListFormat(current, { style: "long", type: "conjunction" })).format(items.map(String));
}

/** A count of things: formatCount(3, "row") → "3 rows" / "3행", from the catalogue's `count.<noun>` entry. */
export function formatCount(count, noun) {
  return t(`count.${noun}`, { count });
}

/** Compare two labels in the locale's collation order. */
export function compareText(a, b) {
  return cached("collator", () => new Intl.Collator(current, { numeric: true })).compare(String(a), String(b));
}

if (typeof document !== "undefined") localize(document);
