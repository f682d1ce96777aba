// A JSON-RPC 2.0 client over one WebSocket that reconnects by itself.
//
// Events (all CustomEvent, detail in brackets):
//   state        the socket's state changed [{state: "connecting"|"open"|"closed", attempt}]
//   open         the socket is open (again): rejoin what needs rejoining
//   notification a notification from the server [message]
//   message      any other frame, such as the answer to a raw request [message or array]

export class RpcError extends Error {
  constructor(error) {
    super(error && error.message ? error.message : "JSON-RPC error");
    this.code = error && error.code;
    this.data = error && error.data;
  }
}

export class RpcSocket extends EventTarget {
  constructor(url, { timeout = 10000 } = {}) {
    super();
    this.url = url;
    this.timeout = timeout;
    this.ws = null;
    this.state = "connecting";
    this.attempt = 0;
    this.nextId = 1;
    this.pending = new Map(); // our own ids ("page:N") -> {resolve, reject, timer}
  }

  connect() {
    this.setState("connecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
      this.setState("open");
      this.dispatchEvent(new CustomEvent("open"));
    });
    ws.addEventListener("message", (ev) => this.onFrame(ev.data));
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error("connection lost"));
      }
      this.pending.clear();
      this.setState("closed");
      // Back off 0.5 s, 1 s, 2 s ... up to 10 s.
      const delay = Math.min(10000, 500 * 2 ** this.attempt++);
      setTimeout(() => this.connect(), delay);
    });
  }

  setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, attempt: this.attempt } }));
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  // call sends method(params) and resolves with the result.
  call(method, params) {
    if (!this.isOpen) return Promise.reject(new Error("not connected"));
    const id = `page:${this.nextId++}`;
    const msg = { jsonrpc: "2.0", method, id };
    if (params !== undefined) msg.params = params;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer in ${this.timeout / 1000} s`));
      }, this.timeout);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify(msg));
    });
  }

  // sendRaw sends text as it is; its answer comes as a "message" event.
  sendRaw(text) {
    if (!this.isOpen) throw new Error("the WebSocket is not connected");
    this.ws.send(text);
  }

  onFrame(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.dispatchEvent(new CustomEvent("message", { detail: data }));
      return;
    }
    if (msg && !Array.isArray(msg) && typeof msg === "object") {
      const p = typeof msg.id === "string" ? this.pending.get(msg.id) : undefined;
      if (p) {
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.error) p.reject(new RpcError(msg.error));
        else p.resolve(msg.result);
        return;
      }
      if (typeof msg.method === "string" && !("id" in msg && msg.id !== null)) {
        this.dispatchEvent(new CustomEvent("notification", { detail: msg }));
        return;
      }
    }
    this.dispatchEvent(new CustomEvent("message", { detail: msg }));
  }
}
