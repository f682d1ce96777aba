// The RPC console: sends the text of the editor as it is, over the page's
// WebSocket or as an HTTP POST to /rpc/, and logs each exchange (request and
// response together) and every notification, newest first.

import { examples } from "./examples.js";

const $ = (sel) => document.querySelector(sel);
const WS_TIMEOUT_MS = 10000;

function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) if (c != null) e.append(c);
  return e;
}

// highlight renders JSON text with token classes, building text nodes only.
function highlight(text) {
  const frag = document.createDocumentFragment();
  const re = /("(?:\\u[a-fA-F0-9]{4}|\\[^u]|[^\\"])*")(\s*:)?|\b(true|false)\b|\b(null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) frag.append(text.slice(last, m.index));
    let cls;
    if (m[1] !== undefined) cls = m[2] ? "k" : "s";
    else if (m[3] !== undefined) cls = "b";
    else if (m[4] !== undefined) cls = "n";
    else cls = "d";
    const span = el("span", `tok-${cls}`, m[1] !== undefined ? m[1] : m[0]);
    frag.append(span);
    if (m[2]) frag.append(m[2]);
    last = m.index + m[0].length;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

// prettyText pretty-prints JSON text, or returns it unchanged.
function prettyText(text) {
  try {
    return pretty(JSON.parse(text));
  } catch {
    return text;
  }
}

const key = (id) => JSON.stringify(id ?? null);

// expectation reads a request: the methods it calls and the id its answer
// will carry (null when none will come).
function expectation(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    return { methods: ["(invalid JSON)"], answerKey: key(null) };
  }
  const one = (o) => o && typeof o === "object" && !Array.isArray(o);
  const isNotification = (o) => one(o) && typeof o.method === "string" && (!("id" in o) || (o.id === null && o.jsonrpc !== "2.0"));
  if (Array.isArray(v)) {
    const methods = v.map((o) => (one(o) && typeof o.method === "string" ? o.method : "?"));
    if (v.length > 0 && v.every(isNotification)) return { methods, answerKey: null, batch: true };
    const first = v.find((o) => !isNotification(o));
    return { methods: methods.length ? methods : ["(empty batch)"], answerKey: key(one(first) ? first.id : null), batch: true };
  }
  if (isNotification(v)) return { methods: [v.method], answerKey: null };
  return { methods: [one(v) && typeof v.method === "string" ? v.method : "?"], answerKey: key(one(v) ? v.id : null) };
}

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export class Console {
  constructor(rpc) {
    this.rpc = rpc;
    this.nextId = 1;
    this.waiting = []; // WebSocket exchanges waiting for their answer: {answerKey, card, t0, timer}
    this.editor = $("#request");
    this.log = $("#log");

    const select = $("#example");
    for (const [i, ex] of examples.entries()) {
      const opt = document.createElement("option");
      opt.value = String(i);
      opt.textContent = ex.label;
      select.append(opt);
    }
    // The select is a menu: it loads the example and goes back to its
    // placeholder, so that the same example can be loaded again.
    select.addEventListener("change", () => {
      if (select.value === "") return;
      this.load(examples[Number(select.value)]);
      select.value = "";
      this.editor.focus();
    });
    this.load(examples[0]);

    $("#rpc-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.send();
    });
    this.editor.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        this.send();
      }
    });
    $("#rpc-format").addEventListener("click", () => {
      try {
        this.editor.value = pretty(JSON.parse(this.editor.value));
      } catch (err) {
        this.editor.setCustomValidity(`Not JSON: ${err.message}`);
        this.editor.reportValidity();
        setTimeout(() => this.editor.setCustomValidity(""), 2000);
      }
    });
    $("#rpc-clear").addEventListener("click", () => {
      this.log.replaceChildren();
      this.updateEmpty();
    });

    rpc.addEventListener("message", (ev) => this.onAnswer(ev.detail));
    rpc.addEventListener("notification", (ev) => this.onNotification(ev.detail));
    this.updateEmpty();
  }

  get transport() {
    return document.querySelector('input[name="transport"]:checked').value;
  }

  set transport(v) {
    const r = document.querySelector(`input[name="transport"][value="${v}"]`);
    if (r) r.checked = true;
  }

  // load puts an example in the editor with fresh ids.
  load(ex) {
    const fresh = (o) => (o && typeof o === "object" && "id" in o && o.id !== null ? { ...o, id: this.nextId++ } : o);
    const req = Array.isArray(ex.request) ? ex.request.map(fresh) : fresh(ex.request);
    this.editor.value = typeof ex.raw === "string" ? ex.raw : pretty(req);
    if (ex.transport) this.transport = ex.transport;
    $("#example-note").textContent = ex.note || "";
  }

  updateEmpty() {
    $("#log-empty").hidden = this.log.childElementCount > 0;
  }

  // card adds an entry on top of the log.
  card(kind, transport, title) {
    const head = el("div", "entry-head",
      el("span", `badge ${transport}`, transport === "ws" ? "WS" : transport === "http" ? "HTTP" : transport),
      el("span", "title", title),
      el("span", "state"),
      el("time", "when", clock.format(new Date())));
    const li = el("li", `entry ${kind}`, head);
    li.dataset.kind = kind;
    li.dataset.transport = transport;
    this.log.prepend(li);
    while (this.log.childElementCount > 200) this.log.lastElementChild.remove();
    this.updateEmpty();
    return li;
  }

  section(card, label, cls, text) {
    const pre = el("pre", `json ${cls}`);
    pre.append(highlight(text));
    card.append(el("div", "section-label", label), pre);
    return pre;
  }

  setState(card, state, text, ms) {
    card.dataset.state = state;
    const s = card.querySelector(".state");
    s.className = `state ${state}`;
    s.textContent = ms === undefined ? text : `${text} · ${Math.round(ms)} ms`;
  }

  async send() {
    const text = this.editor.value.trim();
    if (!text) return;
    const exp = expectation(text);
    const transport = this.transport;
    const card = this.card("exchange", transport, exp.methods.join(", "));
    this.section(card, transport === "http" ? "POST /rpc/" : "Sent over /ws/", "request", prettyText(text));
    const t0 = performance.now();
    if (transport === "http") return this.sendHTTP(card, text, t0);

    try {
      this.rpc.sendRaw(text);
    } catch (err) {
      this.setState(card, "error", err.message);
      return;
    }
    if (exp.answerKey === null) {
      this.setState(card, "done", "sent · a notification has no answer");
      return;
    }
    this.setState(card, "pending", "waiting…");
    const w = { answerKey: exp.answerKey, card, t0 };
    w.timer = setTimeout(() => {
      this.waiting = this.waiting.filter((x) => x !== w);
      this.setState(card, "error", `no answer in ${WS_TIMEOUT_MS / 1000} s`);
    }, WS_TIMEOUT_MS);
    this.waiting.push(w);
  }

  async sendHTTP(card, text, t0) {
    this.setState(card, "pending", "waiting…");
    let res, body;
    try {
      res = await fetch("/rpc/", { method: "POST", headers: { "Content-Type": "application/json" }, body: text });
      body = await res.text();
    } catch (err) {
      this.setState(card, "error", `fetch failed: ${err.message}`, performance.now() - t0);
      return;
    }
    const ms = performance.now() - t0;
    const ct = res.headers.get("Content-Type") || "";
    const status = `HTTP ${res.status}${res.statusText ? " " + res.statusText : ""}`;
    if (res.status === 204) {
      this.setState(card, "done", `${status} · a notification has no answer`, ms);
      return;
    }
    let answer;
    try {
      answer = JSON.parse(body);
    } catch {}
    this.section(card, `${status} · ${ct || "no Content-Type"}`, "response", answer === undefined ? body : pretty(answer));
    this.setState(card, hasError(answer) || !res.ok ? "error" : "done", answerSummary(answer, status), ms);
  }

  onAnswer(msg) {
    let k = key(null);
    if (Array.isArray(msg)) {
      const first = msg.find((m) => m && m.id !== null && m.id !== undefined);
      k = key(first ? first.id : null);
    } else if (msg && typeof msg === "object") {
      k = key(msg.id);
    }
    const i = this.waiting.findIndex((w) => w.answerKey === k);
    const text = typeof msg === "string" ? msg : pretty(msg);
    if (i < 0) {
      const card = this.card("response", "ws", "unrequested answer");
      this.section(card, "Received", "response", text);
      this.setState(card, hasError(msg) ? "error" : "done", answerSummary(msg, "received"));
      return;
    }
    const [w] = this.waiting.splice(i, 1);
    clearTimeout(w.timer);
    this.section(w.card, "Answer", "response", text);
    this.setState(w.card, hasError(msg) ? "error" : "done", answerSummary(msg, "answered"), performance.now() - w.t0);
  }

  onNotification(msg) {
    const card = this.card("notification", "ws", msg.method);
    this.section(card, "Notification from the server", "response", pretty(msg));
    this.setState(card, "done", "notification");
  }
}

function hasError(answer) {
  if (Array.isArray(answer)) return answer.some((a) => a && a.error);
  return !!(answer && typeof answer === "object" && answer.error);
}

function answerSummary(answer, fallback) {
  if (Array.isArray(answer)) {
    const errors = answer.filter((a) => a && a.error).length;
    return `${answer.length} answers${errors ? `, ${errors} error${errors > 1 ? "s" : ""}` : ""}`;
  }
  if (answer && typeof answer === "object" && answer.error) {
    return `error ${answer.error.code ?? ""} ${answer.error.message ?? ""}`.trim();
  }
  return answer && typeof answer === "object" && "result" in answer ? "ok" : fallback;
}
