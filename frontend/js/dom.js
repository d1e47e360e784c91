// Safe DOM building: every piece of data becomes a text node or an attribute
// value, never markup. Nothing in the site uses innerHTML with data.

import { t } from "./i18n.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function applyAttrs(node, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") {
      node.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (key === "dataset") {
      for (const [k, v] of Object.entries(value)) node.dataset[k] = String(v);
    } else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "text") {
      node.textContent = String(value);
    } else if (key === "value" && "value" in node) {
      node.value = String(value);
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      if (key === "style") throw new Error("Inline styles are not allowed; use a class.");
      node.setAttribute(key, String(value));
    }
  }
}

function appendChildren(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Build an HTML element: el("p", {class: "x"}, "text", otherNode). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  applyAttrs(node, attrs);
  appendChildren(node, children);
  return node;
}

/** Build an SVG element the same way. */
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  applyAttrs(node, attrs);
  appendChildren(node, children);
  return node;
}

/** Remove every child of a node. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Replace the children of a node with new ones. */
export function replace(node, ...children) {
  clear(node);
  appendChildren(node, children);
  return node;
}

/** Shortcut for document.querySelector that fails loudly when the page skeleton is wrong. */
export function $(selector, root = document) {
  const node = root.querySelector(selector);
  if (!node) throw new Error(`Missing element ${selector}`);
  return node;
}

/** A small spinner + label used for loading states. */
export function loading(label = t("common.loading")) {
  return el("div", { class: "loading", role: "status" }, el("span", { class: "spinner", "aria-hidden": "true" }), label);
}

/** An empty-state block with a title and optional hint. */
export function emptyState(title, hint, ...actions) {
  return el("div", { class: "empty" }, el("p", { class: "empty-title" }, title), hint ? el("p", { class: "empty-hint" }, hint) : null, actions.length ? el("div", { class: "empty-actions" }, actions) : null);
}

// Formatting lives with the language choice; these names stay for the pages that import them from here.
export { formatCount as plural, formatDateTime, formatNumber, formatRelative } from "./i18n.js";

// Focus `node` on page load unless the user (or their password manager) is already in a field.
export function focusIfIdle(node) {
  const active = document.activeElement;
  if (!active || active === document.body) node.focus();
}
