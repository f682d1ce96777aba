// Package channels is the Django Channels 1.x model in Go: channel layers,
// groups, reply channels, channel sessions, consumers and routing, an
// interface server for WebSocket and HTTP, and workers.
//
// # The model
//
// An interface server ([Server]) accepts WebSocket connections and HTTP
// requests and turns each event into a [Message] on a named channel of a
// [Layer]: "websocket.connect", "websocket.receive", "websocket.disconnect"
// and "http.request". Every connection has its own reply channel, named in
// the message's "reply_channel" key. A [Worker] receives those messages,
// finds the consumer for each with a [Router], and the consumer answers by
// sending to the reply channel, which the server writes to the client:
//
//	client ─▶ Server ─▶ layer "websocket.receive" ─▶ Worker ─▶ Router ─▶ Consumer
//	client ◀─ Server ◀─ layer reply channel ◀──────────────────────────────┘
//
// Servers and workers may share one process ([RunAll]) or run in many
// processes over a shared layer (the Redis layer, in package redislayer).
//
// # Layers
//
// [Layer] has three methods: Send, Receive and NewChannel. Groups, flush and
// close are optional interfaces ([GroupLayer], [Flusher], [Closer]), found by
// type assertion; [GroupAdd], [GroupDiscard] and [GroupSend] do that for
// you. [RoomWaiter] lets a sender wait for room in a full channel,
// [TextSender] sends a text frame without building its content (the
// memory and Redis layers have it), and [DirectLayer] is the hot path's
// interface for a layer in one process (hand-overs, and local delivery
// to a [LocalReceiver], without copies or goroutine switches): the server and the worker use
// nothing else of a layer than these interfaces. [MemoryLayer]
// is the layer of one process. Names follow the ASGI
// rules ([ValidateChannel]); a channel at capacity fails Send with
// [ErrChannelFull], and a group send skips full members.
//
// # Consumers
//
// A [Consumer] handles the messages routed to it; [ConsumerFunc] adapts a
// function. [Middleware] wraps consumers: [ChannelSession] gives a message
// the session keyed by its reply channel, [EnforceOrdering] runs the
// messages of one connection in order. For class-style consumers, write a
// struct that embeds [WebsocketConsumer] (or [JSONWebsocketConsumer]),
// define the methods you need (Connect, Receive, ReceiveJSON, Disconnect),
// and route it with [AsRoute]: the framework calls the methods your type
// defines, not the embedded defaults.
//
// # Concurrency
//
// Layers, routers, servers and workers are safe for concurrent use. A
// consumer is shared by all messages and may run on several goroutines at
// once; keep per-connection state in the channel session.
//
// The server runs one goroutine per connection, which reads the socket and
// sends each frame to the layer; once a WebSocket is upgraded, that is a
// goroutine of its own, and net/http's handler goroutine, with the request
// it holds, is let go. A worker runs WorkerConfig.Concurrency
// goroutines, each receiving and consuming one message at a time; the
// messages of one connection run in order. When the layer is a
// [DirectLayer] (the memory layer), what runs is shorter, with no goroutine
// switch on the way:
//
//	reader goroutine: frame ─▶ layer.HandOver ─▶ worker's consumer ─▶ Reply ─▶ layer ─▶ DeliverLocal ─▶ socket
//
// the worker consumes the frame in the reader's goroutine when one of its
// turns is free (otherwise the frame waits in the layer's queue for a
// receiving goroutine), and the reply is written to the socket by the
// goroutine that sends it when the socket takes it at once. An HTTP
// request goes the same way in net/http's handler goroutine, which then
// finds the response waiting; a watch on the request's context sends
// http.disconnect if the client leaves meanwhile. With any
// other layer, replies come through one receive loop per server.
// gorilla/websocket makes a WebSocket's handshake; from then on the server
// frames both ways itself. The connection's reader reads the client's
// frames, applying RFC 6455's rules to each header before its payload is
// read, and answers its control frames. Reader and writer use the
// socket's descriptor, with raw system calls on Linux: the socket never
// blocks, and the runtime's bookkeeping of a call that might block would
// cost a wake-up of its monitor thread per call. Either way, one type (the
// connection's writer) owns each socket's output: it writes a
// frame at once when nothing is queued and the socket has room, and
// otherwise queues it for the connection's writer goroutine, which also
// sends the pings; over TLS every frame goes through that goroutine, since
// a TLS write cannot be tried without blocking. A client that stops
// reading fills only its own bounded queue and is cut off with 1008, never
// slowing the others. Run methods block until their context is done, then
// shut down gracefully.
//
// # Flow control
//
// A full channel refuses a message at the Layer API ([ErrChannelFull]), as
// ASGI says; nowhere else. The server waits for room (with the layer's
// [RoomWaiter] when it has one, with backoff otherwise) and, since the
// goroutine that waits is the one reading the client's socket, TCP slows
// the client down; only a wait past ServerConfig.BackpressureTimeout
// refuses (1013, 503). [Message.Reply] waits the same way in a worker.
// Lifecycle events are not droppable: a connection whose websocket.connect
// was sent always gets its websocket.disconnect. On shutdown the server
// drains: it answers what the clients sent, then closes with 1001 (see
// [Server.Run] and [DrainKey]). When the layer fails, the connections that
// wait for a reply are told at once (1011, 503).
package channels
