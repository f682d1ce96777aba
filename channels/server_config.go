package channels

import (
	"log/slog"
	"net/http"
	"time"
)

// ServerConfig configures a Server. The zero value gives the defaults.
type ServerConfig struct {
	// ReplyPrefix starts the names of the reply channels this server makes:
	// "<ReplyPrefix>.<server id>!<connection id>" (default "server.response").
	ReplyPrefix string
	// ConnectTimeout bounds the wait for a consumer to accept a WebSocket
	// (default 5 s); a connection not accepted in time gets 403.
	ConnectTimeout time.Duration
	// ResponseTimeout bounds the wait for each part of an HTTP response
	// (default 60 s); a request not answered in time gets 504. A request
	// that a worker of this process consumes in the request's own goroutine
	// (WorkerConfig.InlineLimit) gets it when the consumer returns, if that
	// is later: the goroutine answers nothing before.
	ResponseTimeout time.Duration
	// MaxMessageSize is the largest WebSocket message read (default 1 MiB);
	// a larger one closes the connection with 1009.
	MaxMessageSize int64
	// MaxBodySize is the largest HTTP request body read (default 5 MiB); a
	// larger one gets 413, at once when its Content-Length says so.
	MaxBodySize int64
	// BodyTimeout bounds the reading of an HTTP request body (default 30 s);
	// a body slower than that gets 408.
	BodyTimeout time.Duration
	// BackpressureTimeout bounds the wait for room when a layer channel is
	// full (default 5 s). Meanwhile the server stops reading the socket, so
	// that TCP slows the client down; a wait that expires closes the
	// WebSocket with 1013 or answers the request 503.
	BackpressureTimeout time.Duration
	// DisconnectTimeout bounds the retries of a websocket.disconnect while
	// its channel is full or the layer unreachable (default 60 s): every
	// connection whose websocket.connect was sent gets its disconnect.
	DisconnectTimeout time.Duration
	// SendQueue is the number of outbound messages a connection may have
	// waiting (default 256); control frames (pongs) do not count. A client
	// that lets it fill up is cut off: it gets SlowClientTimeout to take
	// what is being written, then a 1008 close frame is attempted and the
	// socket closed. The other clients never wait for it.
	SendQueue int
	// SlowClientTimeout is the time a client whose send queue is full gets
	// before it is cut off (default 1 s).
	SlowClientTimeout time.Duration
	// WriteTimeout bounds each socket write (default 10 s).
	WriteTimeout time.Duration
	// PingInterval is the period of WebSocket pings (default 25 s).
	PingInterval time.Duration
	// PongTimeout closes a WebSocket that sent nothing, not even a pong,
	// for this long (default 60 s). With CallTimeout set, a client that
	// waits for replies to its calls is not cut off meanwhile: the time
	// counts from the last reply.
	PongTimeout time.Duration
	// ShutdownTimeout bounds the drain when Run's context is cancelled
	// (default 10 s): the wait for open requests, and for the calls of open
	// WebSockets to be answered, before the sockets are closed with 1001.
	ShutdownTimeout time.Duration
	// MaxInFlight is the most messages a WebSocket may have waiting for
	// their reply (default 0: no limit). At the limit the server stops
	// reading the socket until a reply comes, so that one pipelining client
	// cannot fill a channel for everybody. Set it for consumers that reply
	// to every frame, as the JSON-RPC consumer does.
	MaxInFlight int
	// CallTimeout closes with 1011 a WebSocket whose messages have waited
	// this long for a reply with none coming (default 0: never; 60 s when
	// MaxInFlight is set): the worker is gone or the consumer stuck. Like
	// MaxInFlight, it is for consumers that reply to every frame.
	CallTimeout time.Duration
	// DrainIdle is how long, during the drain, a WebSocket is still read
	// after its last frame (default 250 ms): what the client sent before the
	// shutdown began is consumed and answered, not lost.
	DrainIdle time.Duration
	// CheckOrigin decides whether a WebSocket handshake's Origin is allowed;
	// nil allows requests without Origin and same-host origins.
	CheckOrigin func(r *http.Request) bool
	// Logger receives the server's logs (default slog.Default()).
	Logger *slog.Logger
	// Observer is told about connections, messages, waits, cut-offs and
	// the drain (see Observer); nil observes nothing.
	Observer Observer
}

func (c *ServerConfig) fill() {
	setDefault(&c.ReplyPrefix, "server.response")
	setDefault(&c.ConnectTimeout, 5*time.Second)
	setDefault(&c.ResponseTimeout, 60*time.Second)
	setDefault(&c.MaxMessageSize, 1<<20)
	setDefault(&c.MaxBodySize, 5<<20)
	setDefault(&c.BodyTimeout, 30*time.Second)
	setDefault(&c.BackpressureTimeout, 5*time.Second)
	setDefault(&c.DisconnectTimeout, 60*time.Second)
	setDefault(&c.SendQueue, 256)
	setDefault(&c.SlowClientTimeout, time.Second)
	setDefault(&c.WriteTimeout, 10*time.Second)
	setDefault(&c.PingInterval, 25*time.Second)
	setDefault(&c.PongTimeout, 60*time.Second)
	setDefault(&c.ShutdownTimeout, 10*time.Second)
	setDefault(&c.DrainIdle, 250*time.Millisecond)
	if c.MaxInFlight > 0 {
		setDefault(&c.CallTimeout, 60*time.Second)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Observer = observerOr(c.Observer)
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// WebSocket close codes the server uses.
const (
	CloseNormal          = 1000
	CloseGoingAway       = 1001
	CloseProtocolError   = 1002
	CloseAbnormal        = 1006
	CloseInvalidPayload  = 1007
	ClosePolicyViolation = 1008
	CloseMessageTooBig   = 1009
	CloseInternalError   = 1011
	CloseTryAgainLater   = 1013
)
