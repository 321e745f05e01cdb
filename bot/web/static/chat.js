// The web chat page: history on load, replies by server-sent events, sending with a client id that a
// resend reuses (the server stores each id once). Every message is put in the page as text, never HTML.
"use strict";
(function () {
  const embed = document.body.classList.contains("embedded");
  const q = embed ? "?embed=1" : "";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const typing = document.getElementById("typing");
  const statusBox = document.getElementById("status");
  const heldBox = document.getElementById("held");
  const shown = new Map(); // message id -> element
  const pending = new Map(); // client id -> element of a message not yet confirmed by the stream
  let lastId = 0;
  let stream = null;
  let typingTimer = null;
  let held = null; // "waiting" or "active" while a clerk holds the chat: the assistant is silent then

  const HELD = {
    waiting: "Đang chờ cán bộ Trung tâm tiếp nhận. Anh/Chị có thể nhắn trước nội dung cần hỏi.",
    active: "Anh/Chị đang trao đổi trực tiếp với cán bộ Trung tâm.",
  };
  function setHeld(state) {
    held = state || null;
    heldBox.textContent = held ? HELD[held] || "" : "";
    heldBox.hidden = !held;
    if (held) showTyping(false);
  }

  const OFFLINE = "Dạ, hiện không kết nối được tới máy chủ. Tin nhắn sẽ được gửi lại khi có kết nối, " +
    "Anh/Chị vui lòng chờ trong giây lát ạ.";
  const RECONNECTING = "Dạ, mất kết nối với máy chủ, đang kết nối lại…";

  function setStatus(text) { statusBox.textContent = text || ""; }

  function newClientId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const URL_RE = /(https?:\/\/[^\s<>"']+)/g;
  function appendText(el, text) {
    // Links become anchors; everything else stays a text node (so "<img onerror>" is shown as typed).
    let at = 0;
    for (const m of text.matchAll(URL_RE)) {
      let url = m[0].replace(/[.,;:!?)\]]+$/, "");
      el.appendChild(document.createTextNode(text.slice(at, m.index)));
      const a = document.createElement("a");
      a.href = url; a.textContent = url; a.rel = "noopener noreferrer"; a.target = "_blank";
      el.appendChild(a);
      at = m.index + url.length;
    }
    el.appendChild(document.createTextNode(text.slice(at)));
  }

  // Who wrote a message starts its accessible name. A clerk's (live handoff from the staff console) is
  // labelled on the page too, and so is the assistant's (the label of a run of its messages is shown once):
  // the citizen must know whether a person or the assistant is answering, without relying on colour.
  const WHO = { user: "Anh/Chị", bot: "Trợ lý", clerk: "Cán bộ" };
  function bubble(role, text) {
    if (!WHO[role]) role = "bot";
    const li = document.createElement("li");
    li.className = "msg " + role;
    const who = document.createElement("span");
    who.className = role === "user" ? "who visually-hidden" : "who";
    who.textContent = WHO[role];
    const colon = document.createElement("span");
    colon.className = "visually-hidden";
    colon.textContent = ": ";
    who.appendChild(colon);
    li.appendChild(who);
    appendText(li, text);
    return li;
  }

  function addButtons(li, buttons) {
    if (!buttons || !buttons.length) return;
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Lựa chọn");
    for (const b of buttons) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.label;
      btn.addEventListener("click", () => send("", b.payload, b.label));
      group.appendChild(btn);
    }
    li.appendChild(group);
  }

  function showTyping(on) {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(() => { typing.hidden = true; }, 60000);
  }

  function render(m) {
    if (shown.has(m.id)) return; // history and stream overlap, two tabs, a resumed stream
    let li = m.client_id ? pending.get(m.client_id) : null;
    if (li) {
      pending.delete(m.client_id);
      li.classList.remove("sending");
    } else {
      li = bubble(m.role, m.text);
      addButtons(li, m.buttons);
      log.appendChild(li);
    }
    li.dataset.id = String(m.id);
    shown.set(m.id, li);
    lastId = Math.max(lastId, m.id);
    if (m.role !== "user") showTyping(false);
    li.scrollIntoView({ block: "nearest" });
  }

  function openStream() {
    if (stream) stream.close();
    stream = new EventSource("/chat/events" + (q ? q + "&" : "?") + "after=" + lastId);
    stream.addEventListener("message", (e) => { render(JSON.parse(e.data)); });
    stream.addEventListener("state", (e) => { setHeld(JSON.parse(e.data).held); });
    stream.onopen = () => setStatus("");
    stream.onerror = () => {
      if (stream.readyState === EventSource.CLOSED) { // refused (session gone): start over shortly
        setStatus(RECONNECTING);
        setTimeout(start, 3000);
      } else {
        setStatus(RECONNECTING); // the browser reconnects by itself, sending the last event id
      }
    };
  }

  async function start() {
    try {
      const r = await fetch("/chat/history" + q, { credentials: "same-origin", cache: "no-store" });
      const body = await r.json();
      if (!r.ok) { setStatus(body.message); return; }
      if (body.max_chars) input.maxLength = body.max_chars;
      body.messages.forEach(render);
      setHeld(body.held);
      setStatus("");
      openStream();
    } catch (err) {
      setStatus(OFFLINE);
      setTimeout(start, 3000);
    }
  }

  async function post(item, attempt) {
    try {
      const r = await fetch("/chat/messages" + q, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(item),
      });
      const body = await r.json().catch(() => ({}));
      if (r.ok) { setStatus(""); setHeld(body.held); return; }
      if (r.status === 503 || r.status >= 500) throw new Error("busy");
      // Refused (limit, empty, too long): say why, give the text back, forget the bubble.
      setStatus(body.message || OFFLINE);
      const li = pending.get(item.client_id);
      if (li) { li.remove(); pending.delete(item.client_id); }
      if (item.text && !input.value) input.value = item.text;
      showTyping(false);
      if (r.status === 401) start();
    } catch (err) {
      setStatus(OFFLINE);
      const wait = Math.min(30000, 1000 * 2 ** Math.min(attempt, 5));
      setTimeout(() => post(item, attempt + 1), wait); // the same client id: never processed twice
    }
  }

  function send(text, payload, label) {
    const item = { client_id: newClientId(), text: text, payload: payload || null, label: label || null };
    const li = bubble("user", payload ? label : text);
    li.classList.add("sending");
    log.appendChild(li);
    pending.set(item.client_id, li);
    li.scrollIntoView({ block: "nearest" });
    showTyping(!held); // a clerk answers in their own time: no "đang trả lời" from the assistant then
    post(item, 0);
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) { setStatus("Dạ, Anh/Chị vui lòng nhập câu hỏi trước khi gửi ạ."); input.focus(); return; }
    input.value = "";
    send(text, null, null);
    input.focus();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  start();
})();
