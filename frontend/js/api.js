// The one way the site talks to the API: base URL from config.js, bearer
// header, the chosen language, one refresh-and-retry on 401, the error shape
// turned into messages, and navigation by the API's `_links`.

import { hasMessage, locale, t } from "./i18n.js";

const ACCESS_KEY = "chatapi.access";
const REFRESH_KEY = "chatapi.refresh";
const USER_KEY = "chatapi.user";
// Token refresh is part of the token protocol (DESIGN 3.3), needed before any
// authenticated resource (and its links) can be read; everything else is reached by links.
const REFRESH_PATH = "auth/token/refresh/";

function baseUrl() {
  const config = window.CHATAPI_CONFIG || {};
  if (!config.apiBaseUrl) throw new Error(t("error.config"));
  return String(config.apiBaseUrl).replace(/\/+$/, "");
}

/** Absolute URL for an API path ("conversations/") or a link href (already absolute). */
export function apiUrl(path) {
  if (/^https?:\/\//i.test(path)) return path;
  return `${baseUrl()}/${String(path).replace(/^\/+/, "")}`;
}

// --- tokens -------------------------------------------------------------------

export const tokens = {
  get access() { return localStorage.getItem(ACCESS_KEY); },
  get refresh() { return localStorage.getItem(REFRESH_KEY); },
  get user() {
    try { return JSON.parse(localStorage.getItem(USER_KEY) || "null"); } catch { return null; }
  },
  save({ access, refresh, user }) {
    if (access) localStorage.setItem(ACCESS_KEY, access);
    if (refresh) localStorage.setItem(REFRESH_KEY, refresh);
    if (user) localStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  clear() {
    localStorage.removeItem(ACCESS_KEY);
    localStorage.removeItem(REFRESH_KEY);
    localStorage.removeItem(USER_KEY);
  },
  get present() { return Boolean(this.refresh || this.access); },
};

// --- errors -------------------------------------------------------------------

/** A field's name as the form shows it; errors not tied to a field have none. */
export function fieldLabel(field) {
  if (field === "non_field_errors" || field === "detail") return "";
  return hasMessage(`field.${field}`) ? t(`field.${field}`) : field;
}

/** An API failure with the parsed error shape: detail, code, field errors and any stored turn. */
export class ApiError extends Error {
  constructor(status, body) {
    const detail = (body && typeof body.detail === "string" && body.detail) || defaultMessage(status);
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.code = (body && body.code) || (status ? `http_${status}` : "network_error");
    this.detail = detail;
    this.errors = (body && typeof body.errors === "object" && body.errors) || {};
    this.body = body || {};
  }

  /** Field errors as {field: "first message second"}; nested errors (a list of items) give their messages. */
  fieldMessages() {
    const out = {};
    for (const [field, messages] of Object.entries(this.errors)) out[field] = leafMessages(messages).join(" ");
    return out;
  }

  /** One readable sentence, field errors included. */
  get readable() {
    const fields = Object.entries(this.fieldMessages());
    if (!fields.length) return this.detail;
    return fields.map(([field, text]) => (fieldLabel(field) ? t("common.fieldMessage", { field: fieldLabel(field), message: text }) : text)).join(" ");
  }
}

function leafMessages(value) {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(leafMessages);
  if (typeof value === "object") return Object.values(value).flatMap(leafMessages);
  return [String(value)];
}

const STATUS_MESSAGES = { 401: "error.unauthorized", 403: "error.forbidden", 404: "error.notFound", 413: "error.tooLarge", 429: "error.throttled" };

function defaultMessage(status) {
  if (!status) return t("error.network");
  if (STATUS_MESSAGES[status]) return t(STATUS_MESSAGES[status]);
  if (status >= 500) return t("error.server");
  return t("error.http", { status: String(status) });
}

async function readBody(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try { return await response.json(); } catch { return null; }
  }
  const text = await response.text();
  return text ? { detail: undefined, text } : null;
}

// --- refresh ------------------------------------------------------------------

let refreshing = null;

/** Trade the refresh token for a new pair; concurrent callers share one request. */
export function refreshTokens() {
  if (!refreshing) {
    refreshing = (async () => {
      const refresh = tokens.refresh;
      if (!refresh) return false;
      let response;
      try {
        response = await fetch(apiUrl(REFRESH_PATH), {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json", "Accept-Language": locale() },
          body: JSON.stringify({ refresh }),
        });
      } catch {
        throw new ApiError(0, null);
      }
      if (response.status === 400 || response.status === 401) {
        // The refresh token is spent or revoked. Another tab may have rotated it meanwhile; its new pair is good.
        return tokens.refresh !== refresh;
      }
      // Throttled or a server hiccup: the session may still be good, so say so rather than log out.
      if (!response.ok) throw new ApiError(response.status, await readBody(response));
      const body = await response.json();
      tokens.save({ access: body.access, refresh: body.refresh });
      return true;
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** Send the browser to the login page, remembering where it was. */
export function goToLogin() {
  tokens.clear();
  const here = location.pathname.split("/").pop() + location.search;
  const next = here && !here.startsWith("login.html") && !here.startsWith("join.html") ? `?next=${encodeURIComponent(here)}` : "";
  location.assign(`login.html${next}`);
}

// --- requests -----------------------------------------------------------------

/**
 * Fetch an API path with the bearer header. Returns the raw Response for
 * `raw: true`, else the parsed JSON body. Throws ApiError on failure.
 */
export async function request(path, { method = "GET", body, headers = {}, auth = true, raw = false, signal } = {}) {
  const send = async () => {
    const h = { Accept: "application/json", "Accept-Language": locale(), ...headers };
    if (body !== undefined) h["Content-Type"] = "application/json";
    const access = tokens.access;
    if (auth && access) h.Authorization = `Bearer ${access}`;
    try {
      return { response: await fetch(apiUrl(path), { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal }), access };
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, null);
    }
  };

  let { response, access } = await send();
  if (response.status === 401 && auth) {
    let renewed = false;
    if (tokens.access && tokens.access !== access) renewed = true; // another request already refreshed
    else renewed = await refreshTokens();
    if (!renewed) {
      goToLogin();
      throw new ApiError(401, await readBody(response));
    }
    ({ response } = await send());
    if (response.status === 401) {
      goToLogin();
      throw new ApiError(401, await readBody(response));
    }
  }
  if (raw) {
    if (!response.ok) throw new ApiError(response.status, await readBody(response));
    return response;
  }
  const data = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const api = {
  get: (path, options) => request(path, { ...options, method: "GET" }),
  post: (path, body, options) => request(path, { ...options, method: "POST", body: body ?? {} }),
  patch: (path, body, options) => request(path, { ...options, method: "PATCH", body }),
  del: (path, body, options) => request(path, { ...options, method: "DELETE", body }),
};

/** The href of a `_links` entry by rel, or undefined. */
export function linkHref(resource, rel) {
  const links = (resource && resource._links) || [];
  const found = links.find((item) => item.rel === rel);
  return found ? found.href : undefined;
}

/** The href of a `_links` entry the client needs: a missing one is an error to show, not a path to guess. */
export function linkTo(resource, rel) {
  const href = linkHref(resource, rel);
  if (!href) throw new ApiError(404, { detail: t("error.noLink", { rel }), code: "missing_link" });
  return href;
}

/** An entry point of the API by rel (`conversations`, `datasources`, `user`, `login`…), from the root's links. */
export async function entry(rel) {
  return linkTo(await apiRoot(), rel);
}

/** A link href with query parameters set (page, per-page, search…). */
export function withParams(href, params) {
  const url = new URL(apiUrl(href));
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") url.searchParams.delete(key);
    else url.searchParams.set(key, String(value));
  }
  return url.href;
}

/** Every item of a paginated list, following its `next` links from `href`. */
export async function fetchAll(href, { perPage = 100 } = {}) {
  const items = [];
  let next = withParams(href, { "per-page": perPage });
  while (next) {
    const page = await api.get(next);
    items.push(...page.results);
    next = linkHref(page, "next");
  }
  return items;
}

// --- streaming ----------------------------------------------------------------

/** Split an SSE byte stream into {event, data} objects as they arrive. */
async function* readEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) !== -1) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const parsed = parseEvent(block);
      if (parsed) yield parsed;
    }
  }
  buffer += decoder.decode();
  const last = parseEvent(buffer.replace(/\r\n?/g, "\n").trim());
  if (last) yield last;
}

function parseEvent(block) {
  if (!block) return null;
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  const text = data.join("\n");
  try { return { event, data: JSON.parse(text) }; } catch { return { event, data: text }; }
}

/**
 * POST and read server-sent events, calling onEvent(name, data) for each.
 * A server that answers with plain JSON instead is reported as one `done`.
 */
export async function stream(path, body, onEvent, { signal } = {}) {
  const response = await request(path, { method: "POST", body, raw: true, headers: { Accept: "text/event-stream" }, signal });
  const type = response.headers.get("content-type") || "";
  if (!type.includes("text/event-stream")) {
    onEvent("done", await response.json());
    return;
  }
  for await (const { event, data } of readEvents(response)) onEvent(event, data);
}

/** Fetch a file with the bearer header and hand it to the browser as a download. */
export async function download(path, fallbackName) {
  const response = await request(path, { raw: true, headers: { Accept: "text/csv, */*" } });
  const blob = await response.blob();
  const disposition = response.headers.get("content-disposition") || "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  let name = fallbackName;
  if (match) { try { name = decodeURIComponent(match[1]); } catch { name = match[1]; } }
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement("a");
  anchor.href = url;
  anchor.download = name;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** GET /api/ without a token: name, version, llm mode. Cached per page. */
let rootPromise = null;
export function apiRoot() {
  if (!rootPromise) rootPromise = request("", { auth: false }).catch((error) => { rootPromise = null; throw error; });
  return rootPromise;
}
