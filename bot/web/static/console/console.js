// The agent console: log in, watch the queue live (server-sent events), claim a
// ticket, talk to the customer, resolve or hand back. API: bot/web/console.py.
// Every piece of text from the server is inserted with textContent, never as HTML.
(function () {
  "use strict";

  const API = "/console/api";
  const POLL_MS = 1000;
  const QUEUE_BACKSTOP_MS = 15000;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const PRIORITIES = { 1: ["Urgent", "p1"], 2: ["High", "p2"], 3: ["Normal", "p3"] };
  const REASONS = {
    customer_request: "Asked for a person",
    strong_negative: "Very upset",
    negative_streak: "Upset several times in a row",
    negative_trend: "Increasingly unhappy",
    repeated_fallback: "Bot kept not understanding",
    repeated_request: "Asked the same thing repeatedly",
  };
  const STATUSES = { waiting: "Waiting", active: "With you", resolved: "Resolved", handed_back: "Handed back to the bot" };
  const SENDERS = { customer: "Customer", bot: "Assistant", agent: "Agent", system: "System" };

  const $ = (id) => document.getElementById(id);
  const ui = {
    who: $("who"), agentName: $("agent-name"), logout: $("logout"), streamStatus: $("stream-status"),
    loginView: $("login-view"), loginForm: $("login-form"), loginError: $("login-error"),
    username: $("username"), password: $("password"),
    deskView: $("desk-view"), queue: $("queue"), waitingList: $("waiting-list"), mineList: $("mine-list"),
    waitingCount: $("waiting-count"), mineCount: $("mine-count"), waitingEmpty: $("waiting-empty"), mineEmpty: $("mine-empty"),
    placeholder: $("ticket-placeholder"), content: $("ticket-content"), title: $("ticket-title"), meta: $("ticket-meta"),
    claim: $("claim"), notice: $("ticket-notice"), transcript: $("transcript"),
    replyForm: $("reply-form"), replyText: $("reply-text"), replySend: $("reply-send"), replyError: $("reply-error"),
    closeNote: $("close-note"), resolve: $("resolve"), handback: $("handback"),
    summary: $("summary"), reasonDetail: $("reason-detail"), ordersMentioned: $("orders-mentioned"),
    sparkline: $("sparkline"), scores: $("scores"), profile: $("profile"), orders: $("orders"),
    announcer: $("announcer"),
  };

  const state = {
    agent: null,
    stream: null,
    tickets: [],
    version: null,
    receivedAt: 0,
    seenWaiting: null, // ids of waiting tickets already announced
    ticket: null, // the open ticket (server dict)
    ticketId: null,
    messageIds: new Set(),
    lastMessageId: 0,
    customerScores: [],
    pollTimer: null,
    polling: false,
    busy: false,
  };

  // ------------------------------------------------------------------ helpers

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

  async function api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      init.headers["X-Console"] = "1"; // the server refuses state changes without it
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body || {});
    }
    let reply;
    try {
      reply = await fetch(API + path, init);
    } catch (error) {
      return { ok: false, status: 0, data: { error: "The console server cannot be reached. Check your connection." } };
    }
    let data = {};
    try { data = await reply.json(); } catch (error) { data = {}; }
    if (reply.status === 401 && path !== "/login" && path !== "/me" && state.agent) {
      showLogin("Your session has ended. Please log in again.");
    }
    return { ok: reply.ok, status: reply.status, data };
  }

  function announce(text) {
    ui.announcer.textContent = "";
    // A fresh text node after a tick makes screen readers read it even if it repeats.
    setTimeout(() => { ui.announcer.textContent = text; }, 50);
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
    return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
  }

  function priorityLabel(priority) {
    const [text, css] = PRIORITIES[priority] || [`Priority ${priority}`, "p3"];
    return el("span", { class: `priority ${css}`, "data-testid": "priority", text });
  }

  function sentimentClass(score) {
    if (score <= -0.3) return "neg";
    if (score >= 0.3) return "pos";
    return "neu";
  }

  function sentimentWord(score) {
    return { neg: "negative", pos: "positive", neu: "neutral" }[sentimentClass(score)];
  }

  function signed(score) {
    return (score > 0 ? "+" : score < 0 ? "−" : "") + Math.abs(score).toFixed(2);
  }

  function timeOf(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // Order dates as the CRM stores them (UTC), short and unambiguous: 2026-11-22.
  function dateOf(iso) {
    return String(iso).slice(0, 10);
  }

  // ------------------------------------------------------------------ views

  function showLogin(message) {
    closeStream();
    closeTicket();
    state.agent = null;
    state.seenWaiting = null;
    state.version = null;
    state.tickets = [];
    ui.who.hidden = true;
    ui.deskView.hidden = true;
    ui.loginView.hidden = false;
    ui.loginError.textContent = message || "";
    ui.password.value = "";
    document.title = "Support console · Northwind Goods";
    (ui.username.value ? ui.password : ui.username).focus();
  }

  function showDesk(agent) {
    state.agent = agent;
    ui.agentName.textContent = agent.display_name;
    ui.who.hidden = false;
    ui.loginView.hidden = true;
    ui.deskView.hidden = false;
    ui.loginError.textContent = "";
    openStream();
  }

  ui.loginForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = ui.username.value.trim();
    const password = ui.password.value;
    if (!username || !password) {
      ui.loginError.textContent = "Enter your username and password.";
      return;
    }
    const submit = ui.loginForm.querySelector("button[type=submit]");
    submit.disabled = true;
    const reply = await api("POST", "/login", { username, password });
    submit.disabled = false;
    if (reply.ok) {
      showDesk(reply.data.agent);
      $("main").focus();
    } else {
      ui.loginError.textContent = reply.status === 401 ? "Wrong username or password." : (reply.data.error || "Log-in failed.");
      ui.password.select();
    }
  });

  ui.logout.addEventListener("click", async () => {
    // Stop the stream and the poller first: nothing may ask the server after the session ends.
    closeStream();
    closeTicket();
    await api("POST", "/logout");
    showLogin("You have logged out.");
  });

  // ------------------------------------------------------------------ live queue

  function setLive(text, live) {
    ui.streamStatus.textContent = text;
    ui.streamStatus.classList.toggle("is-live", Boolean(live));
  }

  function openStream() {
    closeStream();
    setLive("Connecting…", false);
    const source = new EventSource(API + "/stream");
    state.stream = source;
    source.addEventListener("open", () => setLive("Live", true));
    source.addEventListener("queue", (event) => {
      setLive("Live", true);
      let data;
      try { data = JSON.parse(event.data); } catch (error) { console.warn("bad queue event", error); return; }
      applyQueue(data);
    });
    source.addEventListener("logout", () => showLogin("Your session has ended. Please log in again."));
    source.addEventListener("error", async (event) => {
      if (event.data) { // the server's own "error" event: the CRM is unreachable
        setLive("Database unavailable", false);
        return;
      }
      setLive("Reconnecting…", false);
      if (source.readyState === EventSource.CLOSED && state.stream === source) {
        // The server refused the stream (session ended?) or went away: check, then retry.
        closeStream();
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const me = await api("GET", "/me");
        if (me.ok && me.data.agent) openStream();
        else if (me.ok) showLogin("Your session has ended. Please log in again.");
        else if (state.agent) openStream();
      }
    });
  }

  function closeStream() {
    if (state.stream) state.stream.close();
    state.stream = null;
  }

  // The stream pushes every change; this also asks now and then, and right after the
  // agent's own actions, so the queue is never stale if a proxy or network stalls the stream.
  async function fetchQueue() {
    if (!state.agent) return;
    const reply = await api("GET", "/queue");
    if (reply.ok && state.agent) applyQueue(reply.data);
  }
  setInterval(fetchQueue, QUEUE_BACKSTOP_MS);

  function byUrgency(a, b) {
    return a.priority - b.priority || b.waiting_seconds - a.waiting_seconds || a.id - b.id;
  }

  function applyQueue(data) {
    if (data.version !== undefined && data.version === state.version && state.tickets.length) {
      return; // nothing changed since the last update
    }
    state.version = data.version;
    ui.queue.dataset.version = String(data.version);
    state.tickets = Array.isArray(data.tickets) ? data.tickets : [];
    state.receivedAt = Date.now();
    const waiting = state.tickets.filter((t) => t.status === "waiting").sort(byUrgency);
    const mine = state.tickets.filter((t) => t.status === "active").sort(byUrgency);

    if (state.seenWaiting !== null) {
      const fresh = waiting.filter((t) => !state.seenWaiting.has(t.id));
      if (fresh.length) announce(`${fresh.length} new ${fresh.length === 1 ? "customer is" : "customers are"} waiting`);
    }
    state.seenWaiting = new Set(waiting.map((t) => t.id));

    renderList(ui.waitingList, waiting, true);
    renderList(ui.mineList, mine, false);
    ui.waitingCount.textContent = String(waiting.length);
    ui.mineCount.textContent = String(mine.length);
    ui.waitingEmpty.hidden = waiting.length > 0;
    ui.mineEmpty.hidden = mine.length > 0;
    document.title = `${waiting.length ? `(${waiting.length}) ` : ""}Support console · Northwind Goods`;

    // Something changed: the open ticket may have new messages or a new status.
    if (state.ticketId !== null && state.ticket && state.ticket.status !== "gone") {
      const listed = state.tickets.find((t) => t.id === state.ticketId);
      if (!listed && state.ticket.status === "waiting") markGone(NO_LONGER_AVAILABLE);
      else refreshTicket();
    }
  }

  const NO_LONGER_AVAILABLE = "This conversation is no longer available to you: another agent took it or it was closed.";

  // The open ticket went to someone else: say so, and stop asking the server about it.
  function markGone(message) {
    state.ticket = Object.assign({}, state.ticket, { status: "gone" });
    if (ui.notice.dataset.kind !== "taken") setNotice(message, "taken");
    renderMeta();
    renderActions();
  }

  function renderList(list, tickets, ticking) {
    const focused = document.activeElement && list.contains(document.activeElement)
      ? document.activeElement.dataset.ticketId : null;
    list.textContent = "";
    for (const ticket of tickets) {
      const button = el("button", {
        type: "button", class: "ticket-item", "data-testid": "queue-item", "data-ticket-id": ticket.id,
        "data-conversation-id": ticket.conversation_id,
        "aria-current": String(ticket.id) === String(state.ticketId) ? "true" : null,
      }, [
        el("span", { class: "item-top" }, [
          priorityLabel(ticket.priority),
          el("span", { class: "item-name", "data-testid": "queue-customer", text: ticket.customer_name || "Anonymous" }),
          el("span", {
            class: "item-wait", "data-base": ticket.waiting_seconds, "data-ticking": ticking ? "1" : "0",
            "aria-label": ticking ? `waiting ${duration(ticket.waiting_seconds)}` : `waited ${duration(ticket.waiting_seconds)}`,
            text: duration(ticket.waiting_seconds),
          }),
        ]),
        el("span", { class: "item-reason", text: REASONS[ticket.reason] || ticket.reason }),
        el("span", { class: "item-summary", text: excerpt(ticket.summary, 110) }),
      ]);
      button.addEventListener("click", () => openTicket(ticket.id));
      list.appendChild(el("li", {}, [button]));
      if (focused === String(ticket.id)) button.focus();
    }
  }

  function excerpt(text, limit) {
    text = String(text || "").replace(/\s+/g, " ").trim();
    return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
  }

  // Waiting times tick between queue updates.
  setInterval(() => {
    const elapsed = (Date.now() - state.receivedAt) / 1000;
    for (const node of document.querySelectorAll(".item-wait[data-ticking='1']")) {
      const seconds = Number(node.dataset.base) + elapsed;
      node.textContent = duration(seconds);
      node.setAttribute("aria-label", `waiting ${duration(seconds)}`);
    }
    if (state.ticket) renderMeta();
  }, 1000);

  // ------------------------------------------------------------------ one ticket

  function closeTicket() {
    clearInterval(state.pollTimer);
    state.pollTimer = null;
    state.ticket = null;
    state.ticketId = null;
    ui.content.hidden = true;
    ui.placeholder.hidden = false;
    ui.placeholder.firstElementChild.textContent = "Choose a conversation from the queue to read it.";
  }

  async function openTicket(id) {
    if (state.ticketId === id && state.ticket) {
      ui.title.focus();
      return;
    }
    closeTicket();
    state.ticketId = id;
    state.messageIds = new Set();
    state.lastMessageId = 0;
    state.customerScores = [];
    ui.transcript.textContent = "";
    ui.replyText.value = "";
    ui.closeNote.value = "";
    ui.replyError.textContent = "";
    setNotice("");
    for (const node of document.querySelectorAll(".ticket-item")) {
      if (node.dataset.ticketId === String(id)) node.setAttribute("aria-current", "true");
      else node.removeAttribute("aria-current");
    }
    const loaded = await refreshTicket();
    if (!loaded || state.ticketId !== id) return;
    ui.placeholder.hidden = true;
    ui.content.hidden = false;
    ui.transcript.scrollTop = ui.transcript.scrollHeight;
    ui.title.focus();
    state.pollTimer = setInterval(pollMessages, POLL_MS);
  }

  async function refreshTicket() {
    const id = state.ticketId;
    if (id === null) return false;
    const reply = await api("GET", `/tickets/${id}`);
    if (state.ticketId !== id) return false;
    if (!reply.ok) {
      if (reply.status === 404) {
        if (state.ticket) markGone(NO_LONGER_AVAILABLE);
        else ui.placeholder.firstElementChild.textContent = NO_LONGER_AVAILABLE;
      }
      return false;
    }
    const data = reply.data;
    state.ticket = data.ticket;
    appendMessages(data.messages || []);
    renderHeader();
    renderDetails(data);
    renderActions();
    return true;
  }

  async function pollMessages() {
    const id = state.ticketId;
    if (id === null || state.polling || !state.ticket || !["waiting", "active"].includes(state.ticket.status)) return;
    state.polling = true;
    try {
      const reply = await api("GET", `/tickets/${id}/messages?after=${state.lastMessageId}`);
      if (reply.ok && state.ticketId === id) appendMessages(reply.data.messages || []);
      else if (reply.status === 404 && state.ticketId === id) await refreshTicket();
    } finally {
      state.polling = false;
    }
  }

  function appendMessages(messages) {
    const nearBottom = ui.transcript.scrollHeight - ui.transcript.scrollTop - ui.transcript.clientHeight < 80;
    let added = false;
    for (const message of messages) {
      if (state.messageIds.has(message.id)) continue;
      state.messageIds.add(message.id);
      state.lastMessageId = Math.max(state.lastMessageId, message.id);
      ui.transcript.appendChild(renderMessage(message));
      if (message.sender === "customer" && typeof message.sentiment === "number") state.customerScores.push(message.sentiment);
      added = true;
    }
    if (added) {
      renderScores();
      if (nearBottom || messages.length > 5) ui.transcript.scrollTop = ui.transcript.scrollHeight;
    }
  }

  function renderMessage(message) {
    const sender = SENDERS[message.sender] ? message.sender : "system";
    const name = sender === "agent" ? (message.agent_name || "Agent")
      : sender === "customer" ? ((state.ticket && state.ticket.customer_name) || "Customer") : SENDERS[sender];
    const meta = el("div", { class: "msg-meta" }, [
      el("span", { class: "msg-sender", text: name }),
      el("time", { datetime: message.at, text: timeOf(message.at) }),
    ]);
    if (typeof message.sentiment === "number") {
      const score = message.sentiment;
      meta.appendChild(el("span", {
        class: `sentiment ${sentimentClass(score)}`, "data-testid": "message-sentiment",
        title: `Sentiment ${signed(score)} (${sentimentWord(score)})`,
      }, [
        el("span", { class: "dot", "aria-hidden": "true" }),
        el("span", { class: "visually-hidden", text: `sentiment ${sentimentWord(score)}` }),
        el("span", { text: signed(score) }),
      ]));
    }
    return el("div", {
      class: `msg msg-${sender}`, "data-testid": `transcript-${sender}`, "data-message-id": message.id,
    }, [meta, el("div", { class: "msg-text", text: message.text })]);
  }

  function renderHeader() {
    const ticket = state.ticket;
    ui.title.textContent = `#${ticket.id} · ${ticket.customer_name || "Anonymous visitor"}`;
    renderMeta();
  }

  function renderMeta() {
    const ticket = state.ticket;
    if (!ticket) return;
    const base = Number(ticket.waiting_seconds) || 0;
    const listed = state.tickets.find((t) => t.id === ticket.id);
    const seconds = ticket.status === "waiting" && listed
      ? Number(listed.waiting_seconds) + (Date.now() - state.receivedAt) / 1000 : base;
    const status = STATUSES[ticket.status] || (ticket.status === "gone" ? "Not available" : ticket.status);
    const wait = ticket.status === "waiting" ? `waiting ${duration(seconds)}` : `waited ${duration(base)}`;
    ui.meta.textContent = "";
    ui.meta.append(
      priorityLabel(ticket.priority),
      el("span", { class: `status status-${ticket.status}`, "data-testid": "ticket-status", text: status }),
      el("span", { text: REASONS[ticket.reason] || ticket.reason }),
      el("span", { class: "muted", text: wait }),
    );
  }

  function renderDetails(data) {
    const ticket = data.ticket;
    ui.summary.textContent = ticket.summary || "No summary.";
    ui.reasonDetail.textContent = `${REASONS[ticket.reason] || ticket.reason}${ticket.reason_detail ? `: ${ticket.reason_detail}` : ""}`;
    ui.ordersMentioned.textContent = (ticket.orders_mentioned || []).length
      ? `Orders mentioned: ${ticket.orders_mentioned.join(", ")}` : "";
    renderSparkline(ticket.sentiment_trajectory || []);

    ui.profile.textContent = "";
    if (data.customer) {
      for (const [term, value] of [["Name", data.customer.name], ["Email", data.customer.email], ["Customer id", data.customer.id]]) {
        ui.profile.append(el("dt", { text: term }), el("dd", { text: value }));
      }
    } else {
      ui.profile.append(el("dt", { text: "Identity" }), el("dd", { text: "Anonymous visitor (not verified)" }));
    }
    ui.orders.textContent = "";
    const orders = data.orders || [];
    if (!orders.length) {
      ui.orders.appendChild(el("tr", {}, [el("td", { colspan: "4", class: "muted", text: data.customer ? "No orders." : "Unknown until the customer is verified." })]));
    }
    for (const order of orders) {
      ui.orders.appendChild(el("tr", { "data-testid": "order-row" }, [
        el("td", { text: order.number }),
        el("td", { text: dateOf(order.placed_at) }),
        el("td", { class: "num", text: `${data.currency_symbol || ""}${order.total}` }),
        el("td", {}, [el("span", { class: `order-status os-${order.status}`, text: order.status })]),
      ]));
    }
  }

  function renderSparkline(values) {
    ui.sparkline.textContent = "";
    if (!values.length) {
      ui.sparkline.appendChild(el("p", { class: "muted", text: "No scored messages before the handoff." }));
      return;
    }
    const width = 260;
    const height = 64;
    const pad = 6;
    const x = (i) => (values.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (values.length - 1));
    const y = (v) => height / 2 - (Math.max(-1, Math.min(1, v)) * (height / 2 - pad));
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(height));
    svg.setAttribute("role", "img");
    svg.setAttribute("class", "sparkline");
    svg.setAttribute("aria-label", `Sentiment over ${values.length} messages before the handoff: from ${signed(values[0])} to ${signed(values[values.length - 1])}`);
    const shape = (tag, attrs) => {
      const node = document.createElementNS(SVG_NS, tag);
      for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
      svg.appendChild(node);
      return node;
    };
    shape("line", { x1: 0, x2: width, y1: height / 2, y2: height / 2, class: "zero" });
    if (values.length > 1) {
      shape("polyline", { points: values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "), class: "trend" });
    }
    values.forEach((v, i) => shape("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 3.5, class: `point ${sentimentClass(v)}` }));
    ui.sparkline.appendChild(svg);
  }

  function renderScores() {
    ui.scores.textContent = "";
    for (const score of state.customerScores) {
      ui.scores.appendChild(el("li", { class: `score ${sentimentClass(score)}`, title: sentimentWord(score), text: signed(score) }));
    }
  }

  function renderActions() {
    const status = state.ticket ? state.ticket.status : null;
    const active = status === "active";
    ui.claim.disabled = status !== "waiting" || state.busy;
    ui.claim.textContent = status === "waiting" ? "Claim" : active ? "Claimed by you" : "Claim";
    for (const control of [ui.replyText, ui.replySend, ui.closeNote, ui.resolve, ui.handback]) control.disabled = !active || state.busy;
    ui.replyText.placeholder = active ? "Write a reply… (Enter sends, Shift+Enter for a new line)"
      : status === "waiting" ? "Claim the conversation to reply" : "This conversation is closed";
  }

  function setNotice(text, kind) {
    ui.notice.textContent = text;
    ui.notice.hidden = !text;
    ui.notice.dataset.kind = kind || "";
  }

  async function act(run) {
    if (state.busy) return;
    state.busy = true;
    renderActions();
    try { await run(); } finally {
      state.busy = false;
      renderActions();
    }
  }

  ui.claim.addEventListener("click", () => act(async () => {
    const id = state.ticketId;
    const reply = await api("POST", `/tickets/${id}/claim`);
    if (reply.status === 409) {
      setNotice("Another agent took this ticket.", "taken");
      markGone();
      return;
    }
    if (!reply.ok) {
      setNotice(reply.data.error || "Could not claim the ticket.", "error");
      return;
    }
    setNotice(reply.data.delivered === false
      ? "Claimed, but the customer's chat could not be reached: they will see you when they reconnect." : "", "warn");
    state.ticket = reply.data.ticket;
    renderHeader();
    await Promise.all([refreshTicket(), fetchQueue()]);
  }).then(() => {
    // Claimed: the next thing to do is to greet the customer.
    if (state.ticket && state.ticket.status === "active") ui.replyText.focus();
  }));

  ui.replyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.replyText.value;
    if (!text.trim()) return;
    act(async () => {
      ui.replyError.textContent = "";
      const reply = await api("POST", `/tickets/${state.ticketId}/messages`, { text });
      if (!reply.ok) {
        ui.replyError.textContent = reply.data.error || "The reply could not be sent.";
        return;
      }
      ui.replyText.value = "";
      appendMessages([reply.data.message]);
      ui.transcript.scrollTop = ui.transcript.scrollHeight;
      if (reply.data.delivered === false) {
        ui.replyError.textContent = "Your reply was saved, but the customer's chat could not be reached.";
      }
    }).then(() => ui.replyText.focus());
  });

  // Enter sends, Shift+Enter starts a new line.
  ui.replyText.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.replyForm.requestSubmit();
    }
  });

  function closeWith(outcome) {
    return () => act(async () => {
      const reply = await api("POST", `/tickets/${state.ticketId}/${outcome}`, { note: ui.closeNote.value });
      if (!reply.ok) {
        setNotice(reply.data.error || "The conversation could not be closed.", "error");
        return;
      }
      state.ticket = reply.data.ticket;
      ui.closeNote.value = "";
      const done = outcome === "resolve" ? "Resolved." : "Handed back to the bot.";
      setNotice(reply.data.delivered === false
        ? `${done} The customer's chat could not be reached to tell them.` : `${done} The customer is talking to the assistant again.`, "done");
      renderHeader();
      await Promise.all([refreshTicket(), fetchQueue()]);
      ui.title.focus();
    });
  }
  ui.resolve.addEventListener("click", closeWith("resolve"));
  ui.handback.addEventListener("click", closeWith("handback"));

  // ------------------------------------------------------------------ start

  (async function start() {
    const me = await api("GET", "/me");
    if (me.ok && me.data.agent) showDesk(me.data.agent);
    else showLogin("");
  })();
})();
