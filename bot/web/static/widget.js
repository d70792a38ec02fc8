// Northwind chat widget: a small, dependency-free client of Rasa's socket.io channel
// (socket.io-client is served from /static/vendor). Usage:
//
//   const chat = NorthwindChat.mount({ socketUrl, title, customerToken });
//   chat.open(); chat.restart({ customerToken });
//
// Message text is only ever inserted as text nodes: the small markdown subset
// (**bold**, *italic*, `code`, "- " lists, line breaks, http(s) links) is parsed
// here and built from DOM nodes, so HTML in a message shows as typed.
(function (global) {
  "use strict";

  const SESSION_KEY = "nwChatSession"; // localStorage: {id, who} survives closing the tab
  const STATE_KEY = "nwChatState"; // sessionStorage: transcript, handoff state, panel open
  const MAX_ENTRIES = 200;
  const TYPING_TIMEOUT_MS = 15000;
  const SVG_NS = "http://www.w3.org/2000/svg";
  // Shown in an empty conversation; sent as the customer's own words.
  const STARTERS = ["Where is my order?", "Show my recent orders", "I want to talk to a person"];

  // Icons are inline SVG: no icon font, no emoji (headless browsers have no emoji font).
  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z",
    close: "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z",
    send: "M3 20.5 21.5 12 3 3.5 3 10l12 2-12 2z",
  };

  function icon(name, size) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", String(size || 24));
    svg.setAttribute("height", String(size || 24));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    path.setAttribute("fill-rule", "evenodd");
    svg.appendChild(path);
    return svg;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  // ------------------------------------------------------------------ safe markdown

  // A link is kept only if it parses as an absolute http(s) URL.
  function safeHttpUrl(text) {
    try {
      const url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  // Images: same-origin paths ("/products/x.svg") or http(s) URLs; nothing else (no data:, javascript:).
  function safeImageUrl(text) {
    if (typeof text !== "string" || !text) return null;
    if (text.startsWith("/") && !text.startsWith("//")) return text;
    return safeHttpUrl(text);
  }

  const INLINE = /(`[^`\n]+`)|(\*\*(?=\S)[^\n]*?\S\*\*)|(\*(?=[^\s*])[^*\n]*?[^\s*]\*|\*[^\s*]\*)|(https?:\/\/[^\s<>"'`]+)/g;

  // Inline markup of one line, as DOM nodes.
  function inline(text, parent) {
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      let consumed = match[0];
      if (match[1]) {
        parent.appendChild(el("code", { text: match[1].slice(1, -1) }));
      } else if (match[2]) {
        inline(match[2].slice(2, -2), parent.appendChild(el("strong")));
      } else if (match[3]) {
        inline(match[3].slice(1, -1), parent.appendChild(el("em")));
      } else {
        // Sentence punctuation after a URL is not part of it.
        consumed = match[4].replace(/[.,;:!?)\]]+$/, "");
        const href = safeHttpUrl(consumed);
        if (href) {
          parent.appendChild(el("a", { href, target: "_blank", rel: "noopener noreferrer", text: consumed }));
        } else {
          parent.appendChild(document.createTextNode(consumed));
        }
      }
      last = match.index + consumed.length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
    return parent;
  }

  // Paragraph lines joined by <br>, runs of "- " lines as a <ul>.
  function richText(text) {
    const fragment = document.createDocumentFragment();
    let paragraph = null;
    let list = null;
    for (const line of String(text).split(/\r?\n/)) {
      const item = /^\s*[-*•]\s+(.*)$/.exec(line);
      if (item) {
        paragraph = null;
        if (!list) list = fragment.appendChild(el("ul"));
        inline(item[1], list.appendChild(el("li")));
        continue;
      }
      list = null;
      if (!line.trim()) {
        paragraph = null;
        continue;
      }
      if (paragraph) paragraph.appendChild(el("br"));
      else paragraph = fragment.appendChild(el("p"));
      inline(line, paragraph);
    }
    return fragment;
  }

  // ------------------------------------------------------------------ storage

  function readJson(storage, key, fallback) {
    try {
      const value = JSON.parse(storage.getItem(key) || "null");
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }

  function writeJson(storage, key, value) {
    try {
      storage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // Storage full or disabled (private mode): the chat still works, it just isn't remembered.
    }
  }

  // Whose conversation a token belongs to: the token's unverified "sub" claim, only used to
  // decide whether a remembered session may be continued. The server verifies the token.
  function tokenSubject(token) {
    if (!token) return "";
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return String(JSON.parse(atob(part)).sub || "");
    } catch (error) {
      return "?";
    }
  }

  // ------------------------------------------------------------------ the widget

  let lastMounted = null;

  function mount(options) {
    options = options || {};
    const title = options.title || "Support";
    const state = {
      socket: null,
      ready: false, // the server confirmed our session on the current connection
      outbox: [],
      token: options.customerToken || "",
      sessionId: null,
      entries: [], // the transcript, as rendered
      handoff: { state: "bot", agentName: "", expectedWait: null },
      typingTimer: null,
      unread: 0,
      abandoned: [], // conversations left by restart(): never continue them
    };

    // Continue the remembered conversation only if it belongs to the same visitor.
    const remembered = readJson(localStorage, SESSION_KEY, null);
    if (remembered && remembered.id && remembered.who === tokenSubject(state.token)) {
      state.sessionId = remembered.id;
      const saved = readJson(sessionStorage, STATE_KEY, null);
      if (saved && saved.sessionId === state.sessionId) {
        state.entries = Array.isArray(saved.entries) ? saved.entries : [];
        state.handoff = Object.assign(state.handoff, saved.handoff || {});
      }
    }

    // ---- DOM
    const uid = Math.random().toString(36).slice(2, 8);
    const ids = { panel: `nw-chat-${uid}`, title: `nw-chat-title-${uid}`, input: `nw-chat-input-${uid}` };

    const badge = el("span", { class: "nw-launcher-badge", "aria-hidden": "true", hidden: true });
    const launcher = el("button", {
      type: "button", class: "nw-launcher", "aria-label": `Open chat: ${title}`, "aria-expanded": "false",
      "aria-controls": ids.panel, "data-testid": "chat-launcher",
    }, [icon("chat", 28), badge]);

    const close = el("button", {
      type: "button", class: "nw-icon-button", "aria-label": "Close chat", "data-testid": "chat-close",
    }, [icon("close", 22)]);
    const subtitle = el("p", { class: "nw-subtitle", "data-testid": "chat-subtitle" });
    const header = el("header", { class: "nw-header" }, [
      el("div", { class: "nw-header-text" }, [el("h2", { id: ids.title, text: title }), subtitle]),
      close,
    ]);
    const status = el("div", { class: "nw-status", role: "status", "data-testid": "chat-status" });
    const banner = el("div", { class: "nw-banner", role: "status", "data-testid": "handoff-banner", hidden: true });
    const log = el("div", {
      class: "nw-log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0",
      "data-testid": "chat-log",
    });
    const input = el("textarea", {
      id: ids.input, class: "nw-input", rows: "1", maxlength: "2000", autocomplete: "off",
      placeholder: "Type your message…", "data-testid": "chat-input",
    });
    const sendButton = el("button", {
      type: "submit", class: "nw-send", "aria-label": "Send message", "data-testid": "chat-send",
    }, [icon("send", 22)]);
    const form = el("form", { class: "nw-form", "data-testid": "chat-form" }, [
      el("label", { for: ids.input, class: "nw-visually-hidden", text: "Your message" }),
      input, sendButton,
    ]);
    const panel = el("section", {
      id: ids.panel, class: "nw-chat", role: "dialog", "aria-labelledby": ids.title, hidden: true,
      "data-testid": "chat-panel",
    }, [header, status, banner, log, form]);

    document.body.appendChild(launcher);
    document.body.appendChild(panel);

    // ---- open and close
    function isOpen() { return !panel.hidden; }

    function setOpen(open, focus) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      document.documentElement.classList.toggle("nw-chat-open", open);
      const saved = readJson(sessionStorage, STATE_KEY, {});
      writeJson(sessionStorage, STATE_KEY, Object.assign(saved, { open }));
      if (open) {
        state.unread = 0;
        updateBadge();
        connect();
        scrollToEnd();
        if (focus) input.focus();
      } else if (focus) {
        launcher.focus();
      }
    }

    launcher.addEventListener("click", () => setOpen(!isOpen(), true));
    close.addEventListener("click", () => setOpen(false, true));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        setOpen(false, true);
      }
    });

    function updateBadge() {
      badge.hidden = state.unread === 0;
      launcher.setAttribute("aria-label", state.unread
        ? `Open chat: ${title} (${state.unread} new ${state.unread === 1 ? "message" : "messages"})`
        : `Open chat: ${title}`);
    }

    // ---- persistence
    function persist() {
      if (state.entries.length > MAX_ENTRIES) state.entries = state.entries.slice(-MAX_ENTRIES);
      writeJson(sessionStorage, STATE_KEY, {
        sessionId: state.sessionId, entries: state.entries, handoff: state.handoff, open: isOpen(),
      });
    }

    function rememberSession() {
      writeJson(localStorage, SESSION_KEY, { id: state.sessionId, who: tokenSubject(state.token) });
    }

    // ---- rendering
    function scrollToEnd() { log.scrollTop = log.scrollHeight; }

    function senderLabel(entry) {
      if (entry.from === "agent") return `${entry.agentName || "Our team"} · Northwind team`;
      if (entry.from === "bot") return "Assistant";
      return "You";
    }

    function renderEmptyState() {
      if (state.entries.length || log.querySelector(".nw-empty")) return;
      const starters = el("div", { class: "nw-quick-replies nw-starters", role: "group", "aria-label": "Common questions" });
      for (const question of STARTERS) {
        const button = el("button", { type: "button", class: "nw-quick-reply", "data-testid": "starter", text: question });
        button.addEventListener("click", () => { sendMessage(question); input.focus(); });
        starters.appendChild(button);
      }
      log.appendChild(el("div", { class: "nw-empty", "data-testid": "chat-empty" }, [
        el("p", { class: "nw-empty-title", text: "Hi! How can we help?" }),
        el("p", { text: "Ask about an order, a delivery, a cancellation or a return. You can ask for a person at any time." }),
        starters,
      ]));
    }

    function previousSender() {
      const rows = log.querySelectorAll(".nw-row");
      const last = rows[rows.length - 1];
      return last ? last.dataset.sender : null;
    }

    function renderMessage(entry) {
      const senderKey = entry.from === "agent" ? `agent:${entry.agentName || ""}` : entry.from;
      const row = el("div", {
        class: `nw-row nw-from-${entry.from}`, "data-testid": `msg-${entry.from}`, "data-sender": senderKey,
      });
      const showLabel = entry.from !== "user" && previousSender() !== senderKey;
      // The label is read out too, so a screen reader knows who speaks.
      row.appendChild(el("div", { class: showLabel ? "nw-sender" : "nw-sender nw-visually-hidden", text: senderLabel(entry) }));
      if (entry.text) {
        const bubble = el("div", { class: "nw-bubble", "data-testid": "msg-text" });
        bubble.appendChild(richText(entry.text));
        row.appendChild(bubble);
      }
      if (entry.image) {
        const src = safeImageUrl(entry.image);
        if (src) row.appendChild(el("img", { class: "nw-image", src, alt: entry.imageAlt || "Picture sent in the chat" }));
      }
      log.appendChild(row);
      if (entry.cards && entry.cards.length) log.appendChild(renderCards(entry.cards));
      if (entry.buttons && entry.buttons.length) log.appendChild(renderQuickReplies(entry));
    }

    function renderNotice(entry) {
      log.appendChild(el("div", { class: "nw-notice", "data-testid": "chat-notice", text: entry.text }));
    }

    function renderQuickReplies(entry) {
      const group = el("div", { class: "nw-quick-replies", role: "group", "aria-label": "Suggested replies", "data-testid": "quick-replies" });
      for (const button of entry.buttons) {
        const node = el("button", { type: "button", class: "nw-quick-reply", "data-testid": "quick-reply", text: button.title });
        node.addEventListener("click", () => {
          sendMessage(button.payload || button.title, button.title);
          input.focus();
        });
        group.appendChild(node);
      }
      return group;
    }

    function formatPrice(price, currency) {
      if (typeof price === "number" && Number.isFinite(price)) return `${currency || "$"}${price.toFixed(2)}`;
      return price ? String(price) : "";
    }

    function renderCards(cards) {
      const row = el("div", {
        class: "nw-cards", role: "list", "aria-label": "Products", tabindex: "0", "data-testid": "product-cards",
      });
      for (const card of cards) {
        const item = el("div", { class: "nw-card", role: "listitem", "data-testid": "product-card", "data-sku": card.sku || "" });
        const src = safeImageUrl(card.image);
        if (src) item.appendChild(el("img", { class: "nw-card-image", src, alt: "", width: "160", height: "120", loading: "lazy" }));
        const body = el("div", { class: "nw-card-body" }, [
          el("p", { class: "nw-card-name", text: card.name || card.sku || "" }),
          card.price !== undefined && card.price !== null
            ? el("p", { class: "nw-card-price", "data-testid": "product-price", text: formatPrice(card.price, card.currency) }) : null,
          card.reason ? el("p", { class: "nw-card-reason", text: card.reason }) : null,
        ]);
        item.appendChild(body);
        const buttons = Array.isArray(card.buttons) ? card.buttons : [];
        if (buttons.length) {
          const actions = el("div", { class: "nw-card-actions" });
          for (const button of buttons) {
            const href = button.url ? safeHttpUrl(button.url) : null;
            const node = href
              ? el("a", { class: "nw-card-button", href, target: "_blank", rel: "noopener noreferrer", text: button.title })
              : el("button", { type: "button", class: "nw-card-button", "data-testid": "product-card-button", text: button.title });
            if (!href) {
              node.addEventListener("click", () => {
                sendMessage(button.payload || button.title, button.title);
                input.focus();
              });
            }
            actions.appendChild(node);
          }
          item.appendChild(actions);
        }
        row.appendChild(item);
      }
      return row;
    }

    function renderEntry(entry) {
      const empty = log.querySelector(".nw-empty");
      if (empty) empty.remove();
      if (entry.from === "notice") renderNotice(entry);
      else renderMessage(entry);
    }

    function add(entry) {
      state.entries.push(entry);
      persist();
      const typing = log.querySelector(".nw-typing");
      renderEntry(entry);
      if (typing) log.appendChild(typing); // keep the indicator last while it shows
      scrollToEnd();
      if (!isOpen() && entry.from !== "user") {
        state.unread += 1;
        updateBadge();
      }
    }

    // Quick replies answer one question: once the customer says anything, they go.
    function dropQuickReplies() {
      log.querySelectorAll(".nw-quick-replies").forEach((node) => node.remove());
      let changed = false;
      for (const entry of state.entries) {
        if (entry.buttons && entry.buttons.length) { delete entry.buttons; changed = true; }
      }
      if (changed) persist();
    }

    function showTyping() {
      clearTyping();
      log.appendChild(el("div", { class: "nw-typing", "data-testid": "typing-indicator" }, [
        el("span", { class: "nw-visually-hidden", text: "The assistant is typing" }),
        el("span", { class: "nw-dot", "aria-hidden": "true" }),
        el("span", { class: "nw-dot", "aria-hidden": "true" }),
        el("span", { class: "nw-dot", "aria-hidden": "true" }),
      ]));
      scrollToEnd();
      state.typingTimer = setTimeout(clearTyping, TYPING_TIMEOUT_MS);
    }

    function clearTyping() {
      clearTimeout(state.typingTimer);
      state.typingTimer = null;
      log.querySelectorAll(".nw-typing").forEach((node) => node.remove());
    }

    function renderHandoff() {
      const { state: mode, agentName, expectedWait } = state.handoff;
      banner.classList.remove("nw-banner-waiting", "nw-banner-agent");
      if (mode === "waiting") {
        const minutes = Number(expectedWait);
        const wait = Number.isFinite(minutes) && minutes > 0
          ? ` expected wait about ${minutes} ${minutes === 1 ? "minute" : "minutes"}` : "";
        banner.textContent = `Waiting for a person from our team…${wait}`;
        banner.classList.add("nw-banner-waiting");
        banner.hidden = false;
        subtitle.textContent = "Connecting you to our team";
      } else if (mode === "agent_joined") {
        banner.textContent = `You're chatting with ${agentName || "a person from our team"}`;
        banner.classList.add("nw-banner-agent");
        banner.hidden = false;
        subtitle.textContent = `${agentName || "Our team"} · Northwind team`;
      } else {
        banner.textContent = "";
        banner.hidden = true;
        subtitle.textContent = "Virtual assistant";
      }
      panel.dataset.handoff = mode;
    }

    function setHandoff(handoff) {
      const before = state.handoff;
      const mode = handoff.state;
      if (!["waiting", "agent_joined", "bot"].includes(mode)) return;
      const agentName = handoff.agent_name || (mode === "agent_joined" ? before.agentName : "") || "";
      const next = {
        state: mode,
        agentName: mode === "bot" ? "" : agentName,
        expectedWait: mode === "waiting"
          ? (handoff.expected_wait_minutes !== undefined ? handoff.expected_wait_minutes : before.expectedWait) : null,
      };
      const changed = next.state !== before.state || next.agentName !== before.agentName;
      state.handoff = next;
      // A reconnecting tab is told the state again: only a change is news.
      if (changed && mode === "agent_joined") add({ from: "notice", text: `${agentName || "A person from our team"} joined the chat` });
      if (changed && mode === "bot" && before.state !== "bot") add({ from: "notice", text: "You're back with the assistant" });
      persist();
      renderHandoff();
    }

    // One `bot_uttered` payload (see bot/channels/socketio.py for what the server sends).
    function receive(message) {
      if (!message || typeof message !== "object") return;
      clearTyping();
      const custom = message.custom && typeof message.custom === "object" ? message.custom : {};
      if (custom.handoff && typeof custom.handoff === "object") {
        setHandoff(custom.handoff);
        // The server's own "X has joined" line would repeat the notice just shown.
        if (custom.handoff.state === "agent_joined") return;
      }
      const fromAgent = custom.sender === "agent";
      // The bot keeps quiet while a person handles the conversation: if it speaks, the
      // handoff ended (e.g. closed while this tab was offline and missed the news).
      if (!custom.handoff && !fromAgent && state.handoff.state !== "bot") setHandoff({ state: "bot" });
      const entry = { from: fromAgent ? "agent" : "bot" };
      if (fromAgent) entry.agentName = custom.agent_name || state.handoff.agentName || "";
      if (typeof message.text === "string" && message.text.trim()) entry.text = message.text;
      const buttons = message.quick_replies || message.buttons;
      if (Array.isArray(buttons) && buttons.length) {
        entry.buttons = buttons
          .filter((b) => b && typeof b.title === "string")
          .map((b) => ({ title: b.title, payload: typeof b.payload === "string" ? b.payload : b.title }));
      }
      if (Array.isArray(custom.product_cards)) entry.cards = custom.product_cards.filter((c) => c && typeof c === "object");
      if (Array.isArray(message.elements)) {
        entry.cards = (entry.cards || []).concat(message.elements.filter((e) => e && typeof e === "object").map((e) => ({
          name: e.title, reason: e.subtitle, image: e.image_url, price: e.price, buttons: e.buttons,
        })));
      }
      const attachment = message.attachment;
      if (attachment && attachment.type === "image" && attachment.payload && attachment.payload.src) {
        entry.image = attachment.payload.src;
      }
      if (message.image) entry.image = message.image;
      if (entry.text || entry.buttons || (entry.cards && entry.cards.length) || entry.image) add(entry);
    }

    // ---- sending
    function sendMessage(message, shown) {
      const text = String(message || "");
      if (!text.trim()) return;
      dropQuickReplies();
      add({ from: "user", text: shown || text });
      const payload = {
        message: text, session_id: state.sessionId,
        customData: state.token ? { customer_token: state.token } : {},
      };
      // With a person (or waiting for one) the bot stays quiet: no "typing" from it.
      if (state.handoff.state === "bot") showTyping();
      if (state.ready) state.socket.emit("user_uttered", payload);
      else {
        state.outbox.push(payload);
        connect();
      }
    }

    function flushOutbox() {
      while (state.ready && state.outbox.length) {
        const payload = state.outbox.shift();
        payload.session_id = state.sessionId;
        state.socket.emit("user_uttered", payload);
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value;
      input.value = "";
      autoSize();
      sendMessage(text);
      input.focus();
    });
    // Enter sends, Shift+Enter starts a new line (not while an input method composes).
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    function autoSize() {
      input.style.height = "auto";
      input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
    }
    input.addEventListener("input", autoSize);

    // ---- connection
    function setStatus(text) {
      status.textContent = text;
      panel.dataset.connection = text ? "down" : "up";
    }

    function requestSession() {
      state.ready = false;
      state.socket.emit("session_request", { session_id: state.sessionId });
    }

    function connect() {
      if (state.socket) return;
      if (typeof global.io !== "function") {
        setStatus("The chat could not load. Please reload the page.");
        return;
      }
      const socket = global.io(options.socketUrl, {
        transports: ["websocket"], reconnection: true, reconnectionDelay: 500, reconnectionDelayMax: 5000,
      });
      state.socket = socket;
      setStatus("Connecting…");
      // "connect" fires again after every reconnection: ask for the same conversation.
      socket.on("connect", requestSession);
      socket.on("session_confirm", (confirmed) => {
        const id = typeof confirmed === "string" ? confirmed : confirmed && confirmed.session_id;
        if (!id || state.abandoned.includes(id)) return; // a late answer about a conversation we left
        if (state.sessionId && id !== state.sessionId) resetConversation(); // the server could not continue it
        state.sessionId = id;
        state.ready = true;
        rememberSession();
        persist();
        setStatus("");
        flushOutbox();
      });
      socket.on("bot_uttered", receive);
      socket.on("disconnect", () => {
        state.ready = false;
        setStatus("Reconnecting…");
      });
      socket.on("connect_error", () => {
        state.ready = false;
        setStatus(state.entries.length ? "Reconnecting…" : "Connecting…");
      });
    }

    function resetConversation() {
      clearTyping();
      state.entries = [];
      state.handoff = { state: "bot", agentName: "", expectedWait: null };
      log.textContent = "";
      renderHandoff();
      renderEmptyState();
    }

    // ---- start
    for (const entry of state.entries) renderEntry(entry);
    renderEmptyState();
    renderHandoff();
    const wasOpen = readJson(sessionStorage, STATE_KEY, {}).open === true;
    if (wasOpen) setOpen(true, false);
    else if (state.sessionId && state.entries.length) connect(); // agent messages can arrive while closed

    const api = {
      open: () => setOpen(true, true),
      close: () => setOpen(false, true),
      // A new identity starts a new conversation: nothing of the old one carries over.
      restart(newOptions) {
        state.token = (newOptions && newOptions.customerToken) || "";
        if (state.sessionId) state.abandoned.push(state.sessionId);
        state.sessionId = null;
        state.outbox = [];
        localStorage.removeItem(SESSION_KEY);
        state.unread = 0;
        updateBadge();
        resetConversation();
        persist();
        if (state.socket && state.socket.connected) requestSession();
        else if (state.socket) state.ready = false;
      },
      // For browser tests: render a server message without a server.
      __renderForTest: receive,
    };
    lastMounted = api;
    return api;
  }

  global.NorthwindChat = {
    mount,
    __renderForTest(message) {
      if (!lastMounted) throw new Error("NorthwindChat.mount() has not been called");
      lastMounted.__renderForTest(message);
    },
  };
})(window);
