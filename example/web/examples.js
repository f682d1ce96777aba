// The RPC console's prefilled requests: the example API's methods. Each id
// is replaced by a fresh one when the example is loaded.

const v2 = (method, params, id = 1) => {
  const r = { jsonrpc: "2.0", method };
  if (params !== undefined) r.params = params;
  r.id = id;
  return r;
};

// notify is a notification: no id, so no answer.
const notify = (method, params) => ({ jsonrpc: "2.0", method, params });

export const examples = [
  { label: "ping → \"pong\"", request: v2("ping") },
  { label: "echo (named params)", request: v2("echo", { value: { hello: "world", n: [1, 2, 3] } }) },
  { label: "add 2 + 3", request: v2("add", { a: 2, b: 3 }) },
  { label: "subtract (positional params)", request: v2("subtract", [42, 23]) },
  { label: "sum of a list", request: v2("sum", [1, 2, 3, 4, 5]) },
  { label: "get_data", request: v2("get_data") },
  { label: "divide by zero (an error)", request: v2("divide", { a: 1, b: 0 }) },
  { label: "mymodule.rpc_ping", request: v2("mymodule.rpc_ping") },
  {
    label: "ws_only.ping (WebSocket only)",
    request: v2("ws_only.ping"),
    transport: "ws",
    note: "Answers over the WebSocket only: try HTTP to see the error",
  },
  {
    label: "http_only.ping (HTTP only)",
    request: v2("http_only.ping"),
    transport: "http",
    note: "Answers over HTTP only: try the WebSocket to see the error",
  },
  {
    label: "notify_hello (a notification)",
    request: notify("notify_hello", [7]),
    note: "No id: the server answers nothing (HTTP 204)",
  },
  {
    label: "batch of four",
    request: [
      v2("sum", [1, 2, 4], 1),
      notify("notify_hello", [7]),
      v2("subtract", [42, 23], 2),
      v2("get_data", undefined, 3),
    ],
  },
  {
    label: "group.send to #lobby",
    request: v2("group.send", { group: "lobby", payload: { user: "console", text: "Hello from the RPC console" } }),
    note: "Join #lobby in the chat to see it arrive",
  },
  {
    label: "group.join #lobby (WebSocket only)",
    request: v2("group.join", { group: "lobby" }),
    transport: "ws",
    note: "The page's socket joins #lobby: its messages show up here",
  },
  {
    label: "session.set",
    request: v2("session.set", { key: "color", value: "teal" }),
    transport: "ws",
    note: "Then session.get reads it back on this WebSocket",
  },
  {
    label: "session.get",
    request: v2("session.get", { key: "color" }),
    transport: "ws",
    note: "The channel session lives as long as the WebSocket",
  },
  { label: "JSON-RPC 1.0 request", request: { method: "echo", params: ["one point oh"], id: 1 } },
  { label: "rpc.discover (OpenRPC)", request: v2("rpc.discover") },
  { label: "unknown method", request: v2("no.such.method") },
  { label: "invalid JSON", raw: '{"jsonrpc": "2.0", "method": "ping", "id": ' },
];
