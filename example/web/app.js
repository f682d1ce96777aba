// The page: one WebSocket to /ws/ shared by the chat and the RPC console.

import { RpcSocket } from "./rpc.js";
import { Chat } from "./chat.js";
import { Console } from "./console.js";

const wsURL = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/`;
const rpc = new RpcSocket(wsURL);

const status = document.getElementById("status");
const statusText = document.getElementById("status-text");
rpc.addEventListener("state", (ev) => {
  const { state, attempt } = ev.detail;
  document.documentElement.dataset.ws = state;
  status.dataset.state = state;
  statusText.textContent =
    state === "open" ? "connected" : state === "connecting" ? (attempt > 0 ? `reconnecting (try ${attempt + 1})…` : "connecting…") : "offline";
});

new Chat(rpc);
new Console(rpc);
rpc.connect();
