// The chat: rooms are channel groups. Joining calls group.join, sending
// calls group.send with a payload, and every member (the sender too) gets
// group.message {group, payload}. Group membership belongs to the
// connection, so the rooms are joined again after a reconnect.

const ROOM_RE = /^[A-Za-z0-9._-]{1,99}$/;
const GROUP_GAP_MS = 5 * 60 * 1000; // messages closer than this from one person share a header

const $ = (sel) => document.querySelector(sel);

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

// hue gives each name a stable color.
function hue(name) {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return h % 360;
}

function initials(name) {
  const parts = name.trim().split(/[\s._-]+/).filter(Boolean);
  const s = parts.length > 1 ? parts[0][0] + parts[1][0] : name.trim().slice(0, 2);
  return s.toUpperCase() || "?";
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

function timeEl(date) {
  return el("time", { dateTime: date.toISOString(), title: fullFmt.format(date) }, timeFmt.format(date));
}

function randomId() {
  const a = new Uint32Array(2);
  crypto.getRandomValues(a);
  return a[0].toString(36) + a[1].toString(36);
}

// normalize reads any payload: the page's own {kind, user, text, ts, from},
// or whatever the RPC console (or another client) sent.
function normalize(payload) {
  if (typeof payload === "string") return { kind: "message", user: "anonymous", text: payload };
  if (payload && typeof payload === "object" && !Array.isArray(payload)) {
    const kind = ["message", "join", "leave"].includes(payload.kind) ? payload.kind : "message";
    const user = typeof payload.user === "string" && payload.user.trim() ? payload.user.trim().slice(0, 32) : "anonymous";
    let text = typeof payload.text === "string" ? payload.text : JSON.stringify(payload);
    const ts = new Date(typeof payload.ts === "string" || typeof payload.ts === "number" ? payload.ts : NaN);
    return { kind, user, text, ts: isNaN(ts) ? null : ts, from: payload.from };
  }
  return { kind: "message", user: "anonymous", text: JSON.stringify(payload) };
}

export class Chat {
  constructor(rpc) {
    this.rpc = rpc;
    this.clientId = randomId();
    this.rooms = new Map(); // name -> {chip, timeline, unread, last: {user, at}}
    this.active = null;

    this.nameInput = $("#name");
    this.roomInput = $("#room");
    this.text = $("#text");
    this.sendBtn = $("#send");

    let name = "";
    try {
      name = localStorage.getItem("chat.name") || "";
    } catch {}
    this.nameInput.value = name || `guest-${Math.floor(1000 + Math.random() * 9000)}`;
    this.nameInput.addEventListener("change", () => {
      try {
        localStorage.setItem("chat.name", this.name);
      } catch {}
    });

    $("#join-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.join(this.roomInput.value.trim());
    });
    $("#send-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.send();
    });
    rpc.addEventListener("open", () => this.rejoin());
    rpc.addEventListener("state", () => this.updateComposer());
    rpc.addEventListener("notification", (ev) => {
      const msg = ev.detail;
      if (msg.method === "group.message" && msg.params && typeof msg.params.group === "string") {
        this.receive(msg.params.group, msg.params.payload);
      }
    });
    this.updateComposer();
  }

  get name() {
    return this.nameInput.value.trim().slice(0, 32) || "anonymous";
  }

  payload(kind, text) {
    const p = { kind, user: this.name, ts: new Date().toISOString(), from: this.clientId };
    if (text !== undefined) p.text = text;
    return p;
  }

  async join(room) {
    if (!ROOM_RE.test(room)) {
      this.roomInput.setCustomValidity("Use letters, digits, '.', '-' and '_'.");
      this.roomInput.reportValidity();
      return;
    }
    this.roomInput.setCustomValidity("");
    if (this.rooms.has(room) && this.rooms.get(room).joined) {
      this.select(room);
      return;
    }
    const r = this.ensureRoom(room);
    this.select(room);
    try {
      await this.rpc.call("group.join", { group: room });
      r.joined = true;
      r.chip.dataset.joined = "true";
      this.system(room, `You joined #${room} as ${this.name}`);
      this.rpc.call("group.send", { group: room, payload: this.payload("join") }).catch(() => {});
    } catch (err) {
      this.system(room, `Could not join #${room}: ${err.message}`, "error");
    }
    this.updateComposer();
  }

  async leave(room) {
    const r = this.rooms.get(room);
    if (!r) return;
    if (r.joined && this.rpc.isOpen) {
      try {
        await this.rpc.call("group.send", { group: room, payload: this.payload("leave") });
        await this.rpc.call("group.leave", { group: room });
      } catch {}
    }
    r.chip.remove();
    r.timeline.remove();
    this.rooms.delete(room);
    if (this.active === room) this.select(this.rooms.keys().next().value ?? null);
  }

  // rejoin joins every room again on a new connection.
  async rejoin() {
    for (const [room, r] of this.rooms) {
      if (!r.joined) continue;
      try {
        await this.rpc.call("group.join", { group: room });
        this.system(room, "Reconnected");
      } catch (err) {
        r.joined = false;
        delete r.chip.dataset.joined;
        this.system(room, `Could not rejoin: ${err.message}`, "error");
      }
    }
    this.updateComposer();
  }

  ensureRoom(room) {
    let r = this.rooms.get(room);
    if (r) return r;
    const chip = el("button", { type: "button", class: "chip", dataset: { room } },
      el("span", { class: "hash" }, "#"), el("span", { class: "label" }, room),
      el("span", { class: "badge", hidden: true }));
    const close = el("span", { class: "close", title: `Leave #${room}`, role: "button", ariaLabel: `Leave ${room}` }, "×");
    chip.append(close);
    chip.addEventListener("click", (ev) => {
      if (ev.target === close) this.leave(room);
      else this.select(room);
    });
    const timeline = el("ol", { class: "messages", dataset: { room }, hidden: true });
    $("#rooms").append(chip);
    $("#timelines").append(timeline);
    r = { chip, timeline, unread: 0, joined: false, last: null };
    this.rooms.set(room, r);
    return r;
  }

  select(room) {
    this.active = room;
    for (const [name, r] of this.rooms) {
      const on = name === room;
      r.chip.classList.toggle("active", on);
      r.chip.setAttribute("aria-current", on ? "true" : "false");
      r.timeline.hidden = !on;
      if (on) {
        r.unread = 0;
        this.updateBadge(r);
      }
    }
    $("#empty").hidden = room !== null;
    this.updateComposer();
    this.scrollDown();
  }

  updateBadge(r) {
    const badge = r.chip.querySelector(".badge");
    badge.hidden = r.unread === 0;
    badge.textContent = r.unread > 99 ? "99+" : String(r.unread);
  }

  updateComposer() {
    const r = this.active && this.rooms.get(this.active);
    const ok = !!(r && r.joined && this.rpc.isOpen);
    this.text.disabled = !ok;
    this.sendBtn.disabled = !ok;
    this.text.placeholder = ok ? `Message #${this.active}` : this.rpc.isOpen ? "Join a room to chat" : "Offline: reconnecting…";
  }

  async send() {
    const room = this.active;
    const text = this.text.value.trim();
    if (!room || !text) return;
    this.sendBtn.disabled = true;
    try {
      await this.rpc.call("group.send", { group: room, payload: this.payload("message", text) });
      this.text.value = "";
    } catch (err) {
      this.system(room, `Not sent: ${err.message}`, "error");
    } finally {
      this.updateComposer();
      this.text.focus();
    }
  }

  receive(room, payload) {
    const r = this.rooms.get(room);
    if (!r) return;
    const m = normalize(payload);
    const mine = m.from === this.clientId;
    const at = m.ts ?? new Date();
    if (m.kind === "join" || m.kind === "leave") {
      if (!mine) this.system(room, `${m.user} ${m.kind === "join" ? "joined" : "left"}`, "", at);
      return;
    }
    const cont = r.last && r.last.user === m.user && r.last.mine === mine && at - r.last.at < GROUP_GAP_MS;
    const avatar = el("div", { class: "avatar", ariaHidden: "true" }, initials(m.user));
    avatar.style.setProperty("--hue", hue(m.user));
    const li = el("li", { class: `msg${mine ? " mine" : ""}${cont ? " cont" : ""}`, dataset: { user: m.user } },
      avatar,
      el("div", { class: "bubble" },
        el("div", { class: "meta" }, el("span", { class: "who" }, m.user), timeEl(at)),
        el("div", { class: "text" }, m.text)));
    li.querySelector(".who").style.setProperty("--hue", hue(m.user));
    this.append(r, li);
    r.last = { user: m.user, mine, at };
    if (room !== this.active) {
      r.unread++;
      this.updateBadge(r);
    }
  }

  system(room, text, kind = "", at = new Date()) {
    const r = this.ensureRoom(room);
    this.append(r, el("li", { class: `sys ${kind}`.trim() }, el("span", {}, text), " ", timeEl(at)));
    r.last = null;
  }

  append(r, li) {
    const box = $(".messages-wrap");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    r.timeline.append(li);
    if (atBottom) this.scrollDown();
  }

  scrollDown() {
    const box = $(".messages-wrap");
    box.scrollTop = box.scrollHeight;
  }
}
