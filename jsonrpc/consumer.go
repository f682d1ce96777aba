package jsonrpc

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"strings"
	"sync"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// Consumer is the JSON-RPC consumer: embed it in your consumer type,
// register methods on it, and route it. It serves JSON-RPC 1.0 and 2.0,
// batches included, over WebSocket (one text frame per request or batch)
// and over HTTP POST, with the same registry.
//
//	type API struct{ jsonrpc.Consumer }
//
//	api := &API{}
//	api.Register(ping)
//	routes := []channels.Routing{
//		jsonrpc.WebsocketRoute(api, channels.Path(`^/ws/$`)),
//		jsonrpc.HTTPRoute(api, channels.Path(`^/rpc/$`)),
//	}
//
// Your type's own Connect, Disconnect and ConnectionGroups (see package
// channels) are called when it defines them. A Consumer must not be copied
// after first use.
type Consumer struct {
	Registry
	// Options configure dispatch: the batch limit, the Encoder of results
	// (set django.Encoder for Django's formats) and the Logger.
	Options
	// Sessions, when set, gives every WebSocket message its channel session
	// (Channels' channel_session): handlers reach it through
	// MessageFrom(ctx).ChannelSession. An HTTP request gets an empty session
	// of its own, which is not stored. Set it before routing the consumer.
	Sessions channels.SessionStore
	// Middleware wraps the consumer's handling of every WebSocket message
	// and HTTP request, inside the channel session (so it may use it):
	// auth.WithHTTPUser gives each call the user logged in to the website,
	// as Channels' http_user = True does. Set it before routing the
	// consumer.
	Middleware channels.Middleware
	// StrictOrdering runs the messages of a connection in their order even
	// across worker processes (Channels' strict_ordering); it needs
	// Sessions. One worker process keeps that order without it. Set it
	// before routing the consumer.
	StrictOrdering bool
	// HTTPStatusCodes answers HTTP errors with the statuses of
	// django-channels-jsonrpc (400 Invalid Request, 404 Method not found,
	// 500 other errors) instead of 200.
	HTTPStatusCodes bool
	// ConcurrentCalls lets up to this many calls of one WebSocket run at
	// once, answered in the order they finish. The default, 1, answers in
	// request order. Test mode always runs calls one at a time.
	ConcurrentCalls int
	// Discover describes the API in the rpc.discover document.
	Discover OpenRPCInfo
	// KeepEvents keeps the typed events no HandleEvent handler takes from
	// the client. By default such an event reaches the client as a
	// notification: method = its type, params = the event without "type".
	KeepEvents bool

	once     sync.Once
	inflight sync.Map // reply channel -> *connCalls
	events   sync.Map // event type -> EventHandler
}

// consumer gives the glue the Consumer embedded in a user's value.
func (c *Consumer) consumer() *Consumer { return c }

type embedsConsumer interface{ consumer() *Consumer }

// setup registers rpc.discover, once.
func (c *Consumer) setup() {
	c.once.Do(func() {
		c.registerBuiltin("rpc.discover", func(ctx context.Context) (*OpenRPCDocument, error) {
			return c.OpenRPC(c.Discover), nil
		})
	})
}

// WebsocketRoute routes the WebSocket channels of the connections passing
// filters to consumer, a value embedding Consumer.
func WebsocketRoute(consumer any, filters ...channels.Filter) channels.Routing {
	h := Handler(consumer)
	return channels.Include([]channels.Routing{
		channels.Route("websocket.connect", h),
		channels.Route("websocket.receive", h),
		channels.Route("websocket.disconnect", h),
		channels.Route(channels.EventChannel, h),
	}, filters...)
}

// HTTPRoute routes the HTTP requests passing filters to consumer, a value
// embedding Consumer.
func HTTPRoute(consumer any, filters ...channels.Filter) channels.Routing {
	return channels.Route("http.request", Handler(consumer), filters...)
}

// AsRoute routes both transports for the paths passing filters, as the
// original library's as_route does.
func AsRoute(consumer any, filters ...channels.Filter) channels.Routing {
	return channels.Include([]channels.Routing{
		WebsocketRoute(consumer),
		HTTPRoute(consumer),
	}, filters...)
}

// Handler returns the channels.Consumer serving consumer, a value embedding
// Consumer, on websocket.connect, websocket.receive, websocket.disconnect
// and http.request. It panics if consumer does not embed Consumer.
func Handler(consumer any) channels.Consumer {
	e, ok := consumer.(embedsConsumer)
	if !ok {
		panic(fmt.Sprintf("jsonrpc: %T does not embed jsonrpc.Consumer", consumer))
	}
	c := e.consumer()
	c.setup()
	h := &handler{c: c, user: consumer}
	hooks := channels.WebsocketHandler(userHooks{consumer})
	var frames channels.Consumer = channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		if m.Channel == "websocket.receive" {
			return h.receive(ctx, m)
		}
		return hooks.Consume(ctx, m)
	})
	h.http = channels.ConsumerFunc(h.serveHTTP)
	if c.Middleware != nil {
		frames, h.http = c.Middleware(frames), c.Middleware(h.http)
	}
	switch {
	case c.Sessions == nil:
		h.ws = frames
	case c.StrictOrdering: // it keeps the channel session too
		h.ws = channels.EnforceOrdering(c.Sessions)(frames)
	default:
		h.ws = channels.ChannelSession(c.Sessions)(frames)
		if c.Middleware == nil {
			h.sessions = channels.NewChannelSessions(c.Sessions)
		}
	}
	return h
}

// userHooks exposes only the user's connection hooks to the WebSocket
// dispatcher; frames are handled here.
type userHooks struct{ v any }

func (u userHooks) Connect(ctx context.Context, m *channels.Message) error {
	if c, ok := u.v.(channels.Connecter); ok {
		return c.Connect(ctx, m)
	}
	return m.Accept(ctx)
}

func (u userHooks) Disconnect(ctx context.Context, m *channels.Message) error {
	if d, ok := u.v.(channels.Disconnecter); ok {
		return d.Disconnect(ctx, m)
	}
	return nil
}

func (u userHooks) ConnectionGroups(m *channels.Message) []string {
	if g, ok := u.v.(channels.Grouper); ok {
		return g.ConnectionGroups(m)
	}
	return nil
}

type handler struct {
	c    *Consumer
	user any
	ws   channels.Consumer // the WebSocket messages, with the session middleware
	http channels.Consumer // http.request, with the Middleware
	// sessions, when not nil, opens and saves the session of each frame
	// (see answerSaved): there is no Middleware to run between them.
	sessions *channels.ChannelSessions
}

func (h *handler) Consume(ctx context.Context, m *channels.Message) error {
	switch m.Channel {
	case "http.request":
		return h.http.Consume(ctx, m)
	case "websocket.receive":
		if h.c.ConcurrentCalls > 1 && !channels.TestMode(ctx) {
			return h.receiveConcurrently(ctx, m)
		}
		return h.consumeFrame(ctx, m)
	case "websocket.disconnect":
		h.awaitCalls(ctx, m.ReplyChannel())
	case channels.EventChannel:
		return h.consumeEvent(ctx, m)
	}
	return h.ws.Consume(ctx, m)
}

// call dispatches payload, a call over t for m. The Call stays on the
// stack: dispatch copies it into the context of a method that takes one
// (and of the interceptors), and a method without a context needs none.
// The Observer's record of the call is the caller's to make, once the
// answer is sent.
func (h *handler) call(ctx context.Context, t Transport, m *channels.Message, payload []byte) (Reply, observation) {
	return h.c.dispatchCall(ctx, callOf{t, m, h.user}, payload, &h.c.Options)
}

// serveHTTP answers one http.request: POST with a JSON body only.
func (h *handler) serveHTTP(ctx context.Context, m *channels.Message) error {
	if m.Method() != "POST" {
		return m.ReplyOwned(ctx, httpResponse(405, "text/plain; charset=utf-8",
			[]byte("JSON-RPC accepts POST only\n"), "Allow", "POST"))
	}
	if !isJSONContentType(m.Header("content-type")) {
		return m.ReplyOwned(ctx, httpResponse(415, "text/plain; charset=utf-8",
			[]byte("JSON-RPC needs Content-Type: application/json\n")))
	}
	if h.c.Sessions != nil && m.ChannelSession == nil {
		// A request's reply channel lives for one response: its session
		// starts empty and is never stored, so it costs the store nothing.
		m.ChannelSession = channels.NewSession(channels.ChannelSessionKey(m.ReplyChannel()), nil)
	}
	r, later := h.call(ctx, HTTP, m, m.Body())
	defer later.done()
	if r.Body == nil {
		return m.ReplyOwned(ctx, httpResponse(204, "", nil))
	}
	status := 200
	if h.c.HTTPStatusCodes && r.ErrorCode != 0 {
		status = originalStatus(r.ErrorCode)
	}
	return m.ReplyOwned(ctx, httpResponse(status, "application/json", r.Body))
}

// originalStatus maps an error code to django-channels-jsonrpc's status.
func originalStatus(code Code) int {
	switch code {
	case CodeInvalidRequest:
		return 400
	case CodeMethodNotFound:
		return 404
	}
	return 500
}

func isJSONContentType(v string) bool {
	switch v {
	case "":
		return false
	case jsonType: // as most clients send it: no parameters to parse
		return true
	}
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		return false
	}
	switch mt {
	case jsonType, "application/json-rpc", "application/jsonrequest":
		return true
	}
	return strings.HasSuffix(mt, "+json")
}

const jsonType = "application/json"

// httpResponse builds an http.response; extra holds header name, value
// pairs.
func httpResponse(status int, contentType string, body []byte, extra ...string) channels.Content {
	var headers []any
	if contentType != "" {
		headers = append(headers, []any{"Content-Type", contentType})
	}
	for i := 0; i+1 < len(extra); i += 2 {
		headers = append(headers, []any{extra[i], extra[i+1]})
	}
	return channels.Content{"status": int64(status), "headers": headers, "content": body}
}

func (c *Consumer) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}
