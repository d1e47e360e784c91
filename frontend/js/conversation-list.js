// The chat page's sidebar: the user's conversations, newest activity first,
// paged with a "More" button that follows the API's `next` link.

import { api, entry, linkHref, withParams } from "./api.js";
import { el, formatRelative, loading, replace } from "./dom.js";
import { t } from "./i18n.js";
import { showError, toast } from "./ui.js";

const PER_PAGE = 20;

export class ConversationList {
  /** `onOpen(conversation)` opens a conversation in place; `currentId()` says which one is open. */
  constructor({ list, more, onOpen, currentId }) {
    this.list = list;
    this.more = more;
    this.onOpen = onOpen;
    this.currentId = currentId;
    this.nextPage = null;
    more.addEventListener("click", () => this.load({ append: true }));
  }

  item(conversation) {
    const link = el("a", { class: "conversation", href: `chat.html?c=${encodeURIComponent(conversation.id)}`, dataset: { id: conversation.id } },
      el("span", { class: "conversation-title" }, conversation.title || t("common.untitled")),
      el("span", { class: "conversation-meta" },
        [conversation.datasource && conversation.datasource.name, formatRelative(conversation.updated_at)].filter(Boolean).join(" · ")));
    link.addEventListener("click", (event) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return; // let new tabs open
      event.preventDefault();
      this.onOpen(conversation);
    });
    if (String(this.currentId()) === String(conversation.id)) link.setAttribute("aria-current", "page");
    return link;
  }

  find(id) {
    return this.list.querySelector(`[data-id="${CSS.escape(String(id))}"]`);
  }

  /** The first page, or with `append` the next one. */
  async load({ append = false } = {}) {
    if (append && !this.nextPage) return;
    if (!append) replace(this.list, loading());
    this.more.disabled = true;
    try {
      const page = await api.get(append ? this.nextPage : withParams(await entry("conversations"), { "per-page": PER_PAGE }));
      if (!append) this.list.replaceChildren();
      for (const conversation of page.results) {
        if (!this.find(conversation.id)) this.list.append(this.item(conversation));
      }
      if (!this.list.children.length) this.list.append(el("p", { class: "sidebar-empty" }, t("chat.sidebarEmpty")));
      this.nextPage = linkHref(page, "next");
      this.more.hidden = !this.nextPage;
    } catch (error) {
      if (!append) showError(this.list, error, () => this.load());
      else toast(error.readable, "error");
    } finally {
      this.more.disabled = false;
    }
  }

  /** Put (or move) a conversation at the top. */
  upsert(conversation) {
    this.list.querySelector(".sidebar-empty")?.remove();
    this.find(conversation.id)?.remove();
    this.list.prepend(this.item(conversation));
    this.markActive();
  }

  remove(id) {
    this.find(id)?.remove();
    if (!this.list.children.length) this.list.append(el("p", { class: "sidebar-empty" }, t("chat.sidebarEmpty")));
  }

  markActive() {
    const current = String(this.currentId());
    for (const link of this.list.querySelectorAll(".conversation")) {
      if (link.dataset.id === current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }
}
