// The signed-in session: guards pages, builds the shared header (nickname,
// navigation, Log out, Delete account) and talks to the account endpoints.

import { api, apiRoot, goToLogin, tokens } from "./api.js";
import { el } from "./dom.js";
import { passwordDialog, toast } from "./ui.js";

const PAGES = [
  { href: "chat.html", label: "Chat", key: "chat" },
  { href: "history.html", label: "History", key: "history" },
  { href: "datasources.html", label: "Datasources", key: "datasources" },
];

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
  const refresh = tokens.refresh;
  if (refresh) {
    try {
      await api.post("auth/logout/", { refresh }, { auth: false });
    } catch {
      // The token may already be expired or blacklisted; logging out locally is what matters.
    }
  }
  tokens.clear();
  location.assign("login.html?loggedout=1");
}

async function deleteAccount() {
  const deleted = await passwordDialog({
    title: "Delete your account?",
    message: "This removes your account, every conversation and every datasource you registered. It cannot be undone.",
    confirmLabel: "Delete account",
    onSubmit: (password) => api.del("auth/user/", { password }),
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
  const menuButton = el("button", { type: "button", class: "btn btn-ghost user-button", "aria-haspopup": "true", "aria-expanded": "false", "aria-controls": "user-menu" },
    el("span", { class: "avatar", "aria-hidden": "true" }, initial(tokens.user)), nickname);
  const logoutButton = el("button", { type: "button", class: "menu-item", onclick: logout }, "Log out");
  const deleteButton = el("button", { type: "button", class: "menu-item menu-item-danger", onclick: async () => { closeMenu(); await deleteAccount(); menuButton.focus(); } }, "Delete account");
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

  const nav = el("nav", { class: "app-nav", "aria-label": "Main" },
    PAGES.map((page) => el("a", { href: page.href, class: "nav-link", "aria-current": page.key === current ? "page" : null }, page.label)));
  header.append(
    el("a", { class: "brand", href: "chat.html", "aria-label": "chatAPI home" }, el("span", { class: "brand-mark", "aria-hidden": "true" }, "◆"), el("span", { class: "brand-text" }, "chatAPI")),
    nav,
    el("div", { class: "user" }, menuButton, menu),
  );

  // Refresh the nickname from the server; this also proves the session still works.
  api.get("auth/user/").then((user) => {
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
      container.append(el("div", { class: "banner", role: "note", id: "offline-banner" },
        el("strong", null, "Offline mode. "),
        "Answers come from a built-in translator that handles simple questions only. Set ",
        el("code", null, "OPENAI_API_KEY"), " or ", el("code", null, "OPENAI_BASE_URL"),
        " on the server for a real LLM."));
    }
  } catch {
    toast("Could not reach the API.", "error");
  }
}
