// The signed-in session: guards pages, builds the shared header (nickname,
// navigation, Log out, Delete account) and talks to the account endpoints.

import { api, apiRoot, entry, goToLogin, linkTo, tokens } from "./api.js";
import { el } from "./dom.js";
import { t, tNodes } from "./i18n.js";
import { languageSwitch } from "./language-switch.js";
import { passwordDialog, toast } from "./ui.js";

const PAGES = [
  { href: "chat.html", label: "nav.chat", key: "chat" },
  { href: "history.html", label: "nav.history", key: "history" },
  { href: "datasources.html", label: "nav.datasources", key: "datasources" },
];
// The settings an operator sets for a real LLM; names, not words, so they stay as they are.
const LLM_SETTINGS = ["OPENAI_API_KEY", "OPENAI_BASE_URL"];

let profile = null;

/** The signed-in user's profile (with its links), read once per page from the API root's `user` link. */
export function currentUser() {
  if (!profile) profile = entry("user").then((href) => api.get(href)).catch((error) => { profile = null; throw error; });
  return profile;
}

/** Send visitors without tokens to the login page; returns false when it did. */
export function requireAuth() {
  if (!tokens.present) {
    goToLogin();
    return false;
  }
  return true;
}

/** Log out: blacklist the refresh token on the server, then forget both tokens. */
export async function logout() {
  if (tokens.refresh) {
    try {
      const user = await currentUser();
      // Read the token after the profile: fetching it may have rotated the pair.
      await api.post(linkTo(user, "logout"), { refresh: tokens.refresh }, { auth: false });
    } catch {
      // The token may already be expired or blacklisted; logging out locally is what matters.
    }
  }
  tokens.clear();
  location.assign("login.html?loggedout=1");
}

async function deleteAccount() {
  const deleted = await passwordDialog({
    title: t("account.delete.title"),
    message: t("account.delete.message"),
    confirmLabel: t("account.delete.confirm"),
    onSubmit: async (password) => api.del(linkTo(await currentUser(), "delete"), { password }),
  });
  if (deleted) {
    tokens.clear();
    location.assign("login.html?deleted=1");
  }
}

/** Build the header into `<header id="app-header">`, marking the current page. */
export function mountHeader(current) {
  const header = document.getElementById("app-header");
  const nickname = el("span", { class: "user-name", id: "user-nickname" }, (tokens.user && tokens.user.nickname) || "");
  const menuButton = el("button", { type: "button", class: "btn btn-ghost user-button", "aria-haspopup": "true", "aria-expanded": "false", "aria-controls": "user-menu", title: t("header.userMenu") },
    el("span", { class: "avatar", "aria-hidden": "true" }, initial(tokens.user)), nickname);
  const logoutButton = el("button", { type: "button", class: "menu-item", onclick: logout }, t("header.logout"));
  const deleteButton = el("button", { type: "button", class: "menu-item menu-item-danger", onclick: async () => { closeMenu(); await deleteAccount(); menuButton.focus(); } }, t("header.deleteAccount"));
  const email = el("p", { class: "menu-email" }, (tokens.user && tokens.user.email) || "");
  const menu = el("div", { class: "user-menu", id: "user-menu", hidden: true }, email, logoutButton, deleteButton);

  function closeMenu() {
    menu.hidden = true;
    menuButton.setAttribute("aria-expanded", "false");
  }
  menuButton.addEventListener("click", () => {
    const open = menu.hidden;
    menu.hidden = !open;
    menuButton.setAttribute("aria-expanded", String(open));
    if (open) logoutButton.focus();
  });
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !menu.contains(event.target) && !menuButton.contains(event.target)) closeMenu();
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { closeMenu(); menuButton.focus(); }
  });

  const nav = el("nav", { class: "app-nav", "aria-label": t("nav.main") },
    PAGES.map((page) => el("a", { href: page.href, class: "nav-link", "aria-current": page.key === current ? "page" : null }, t(page.label))));
  header.append(
    el("a", { class: "brand", href: "chat.html", "aria-label": t("header.home") }, el("span", { class: "brand-mark", "aria-hidden": "true" }, "◆"), el("span", { class: "brand-text" }, t("app.name"))),
    nav,
    languageSwitch(),
    el("div", { class: "user" }, menuButton, menu),
  );

  // Refresh the nickname from the server; this also proves the session still works.
  currentUser().then((user) => {
    tokens.save({ user: { id: user.id, email: user.email, nickname: user.nickname } });
    nickname.textContent = user.nickname;
    email.textContent = user.email;
    menuButton.querySelector(".avatar").textContent = initial(user);
  }).catch(() => {});
}

function initial(user) {
  const name = (user && (user.nickname || user.email)) || "?";
  return Array.from(name.trim())[0]?.toUpperCase() || "?";
}

/** Show the offline-mode banner in `container` when the API has no real LLM configured. */
export async function mountLlmBanner(container) {
  try {
    const root = await apiRoot();
    if (root.llm && root.llm.mode === "offline") {
      const [key, url] = LLM_SETTINGS.map((name) => el("code", null, name));
      container.append(el("div", { class: "banner", role: "note", id: "offline-banner" },
        el("strong", null, t("banner.offline.title")), " ",
        tNodes("banner.offline.body", { key, url })));
    }
  } catch {
    toast(t("banner.apiUnreachable"), "error");
  }
}
