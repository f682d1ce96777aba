package channels

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	// (default 60 s); a request not answered in time gets 504.
	ResponseTimeout time.Duration
	// MaxMessageSize is the largest WebSocket message read (default 1 MiB);
	// a larger one closes the connection with 1009.
	MaxMessageSize int64
	// MaxBodySize is the largest HTTP request body read (default 5 MiB); a
	// larger one gets 413.
	MaxBodySize int64
	// SendQueue is the number of outbound messages a connection may have
	// waiting (default 256). A client that lets it fill up is closed with
	// 1008; the other clients never wait for it.
	SendQueue int
	// WriteTimeout bounds each socket write (default 10 s).
	WriteTimeout time.Duration
	// PingInterval is the period of WebSocket pings (default 25 s).
	PingInterval time.Duration
	// PongTimeout closes a WebSocket that sent nothing, not even a pong,
	// for this long (default 60 s).
	PongTimeout time.Duration
	// ShutdownTimeout bounds the wait for open requests and connections when
	// Run's context is cancelled (default 10 s).
	ShutdownTimeout time.Duration
	// CheckOrigin decides whether a WebSocket handshake's Origin is allowed;
	// nil allows requests without Origin and same-host origins.
	CheckOrigin func(r *http.Request) bool
	// Logger receives the server's logs (default slog.Default()).
	Logger *slog.Logger
}

func (c *ServerConfig) fill() {
	setDefault(&c.ReplyPrefix, "server.response")
	setDefault(&c.ConnectTimeout, 5*time.Second)
	setDefault(&c.ResponseTimeout, 60*time.Second)
	setDefault(&c.MaxMessageSize, 1<<20)
	setDefault(&c.MaxBodySize, 5<<20)
	setDefault(&c.SendQueue, 256)
	setDefault(&c.WriteTimeout, 10*time.Second)
	setDefault(&c.PingInterval, 25*time.Second)
	setDefault(&c.PongTimeout, 60*time.Second)
	setDefault(&c.ShutdownTimeout, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Server is the interface server (Channels' Daphne): an http.Handler that
// turns WebSocket connections and HTTP requests into messages on the layer
// ("websocket.connect", "websocket.receive", "websocket.disconnect",
// "http.request") and writes what consumers send to the reply channels back
// to the clients. Mount it on any mux. Replies reach clients only while Run
// is running.
type Server struct {
	layer  Layer
	cfg    ServerConfig
	prefix string // the non-local reply channel name: "<ReplyPrefix>.<id>!"
	log    *slog.Logger

	mu        sync.Mutex
	endpoints map[string]*endpoint // by local part of the reply channel
	running   bool
	stopping  bool
	conns     sync.WaitGroup
}

// NewServer returns a server that speaks to workers through layer.
func NewServer(layer Layer, cfg ServerConfig) *Server {
	cfg.fill()
	return &Server{
		layer:     layer,
		cfg:       cfg,
		prefix:    cfg.ReplyPrefix + "." + randomLetters(10) + "!",
		log:       cfg.Logger,
		endpoints: make(map[string]*endpoint),
	}
}

// ErrServerRunning is returned by Run when the server is already running.
var ErrServerRunning = errors.New("channels: server already running")

// Run receives the server's reply channels and hands each message to its
// connection, until ctx is done. Then it shuts down gracefully: new requests
// get 503, WebSockets are closed with 1001, and open HTTP requests get up to
// ShutdownTimeout to finish. It returns nil after a shutdown.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return ErrServerRunning
	}
	s.running, s.stopping = true, false
	s.mu.Unlock()

	loopCtx, stopLoop := context.WithCancel(context.WithoutCancel(ctx))
	loopDone := make(chan struct{})
	if ld, ok := s.layer.(LocalDeliverer); ok {
		stop, err := ld.DeliverLocal(s.prefix, s.deliver)
		if err != nil {
			stopLoop()
			s.mu.Lock()
			s.running = false
			s.mu.Unlock()
			return err
		}
		go func() {
			defer close(loopDone)
			<-loopCtx.Done()
			stop()
		}()
	} else {
		go func() {
			defer close(loopDone)
			s.replyLoop(loopCtx)
		}()
	}

	<-ctx.Done()
	s.shutdown()
	stopLoop()
	<-loopDone
	s.mu.Lock()
	s.running = false
	s.mu.Unlock()
	return nil
}

// shutdown refuses new work, closes WebSockets with 1001 and waits, up to
// ShutdownTimeout, for every connection and request to end.
func (s *Server) shutdown() {
	s.mu.Lock()
	s.stopping = true
	for _, ep := range s.endpoints {
		ep.kill(CloseGoingAway)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.conns.Wait()
		close(done)
	}()
	t := time.NewTimer(s.cfg.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.log.Warn("channels: shutdown timed out with connections open")
	}
}

// replyLoop is the server's one receive loop: it takes every message sent
// to the server's reply channels and queues it on its connection.
func (s *Server) replyLoop(ctx context.Context) {
	backoff := 10 * time.Millisecond
	for {
		ch, content, err := s.layer.Receive(ctx, s.prefix)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, ErrClosed) {
				return
			}
			s.log.Error("channels: server receive failed", "channel", s.prefix, "err", err)
			if !sleepCtx(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 10 * time.Millisecond
		s.deliverTo(ch, content, true)
	}
}

// send puts a message the server built on the layer. The memory layer
// takes it without a copy: the server never touches it again. (Only the
// memory layer itself: a wrapper that embeds it must see every Send.)
func (s *Server) send(ctx context.Context, channel string, content Content) error {
	if ml, ok := s.layer.(*MemoryLayer); ok {
		return ml.sendOwned(ctx, channel, content)
	}
	return s.layer.Send(ctx, channel, content)
}

// deliver is the server's LocalDeliverer function: content belongs to the
// sender, and is copied before it is kept.
func (s *Server) deliver(channel string, content Content) { s.deliverTo(channel, content, false) }

// deliverTo hands a reply to its connection without blocking; owned tells
// whether content is the server's to keep (a received message) or must be
// copied to be kept (a sender's).
func (s *Server) deliverTo(channel string, content Content, owned bool) {
	s.mu.Lock()
	ep := s.endpoints[strings.TrimPrefix(channel, s.prefix)]
	s.mu.Unlock()
	if ep == nil {
		s.log.Debug("channels: message for a closed connection dropped", "channel", channel)
		return
	}
	ep.deliver(content, owned)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// ServeHTTP implements http.Handler: WebSocket upgrades become a connection,
// other requests an http.request message.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isWebsocketUpgrade(r) {
		s.serveWebsocket(w, r)
		return
	}
	s.serveRequest(w, r)
}

// open registers a new endpoint and returns it with its reply channel name,
// or nil while the server is not running.
func (s *Server) open() (*endpoint, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return nil, ""
	}
	local := randomLetters(12)
	for s.endpoints[local] != nil {
		local = randomLetters(12)
	}
	ep := newEndpoint(local, s.cfg.SendQueue)
	s.endpoints[local] = ep
	s.conns.Add(1)
	return ep, s.prefix + local
}

func (s *Server) closeEndpoint(ep *endpoint) {
	s.mu.Lock()
	delete(s.endpoints, ep.local)
	s.mu.Unlock()
	s.conns.Done()
}

// endpoint is one connection's inbox. Until a WebSocket is open, and for
// HTTP requests, replies wait in out for the request's goroutine; a full out
// kills the connection. Once a WebSocket is open, replies go straight to its
// writer. Delivery never blocks.
type endpoint struct {
	local string
	out   chan Content
	dead  chan struct{} // closed by kill
	once  sync.Once
	code  int // the close code given to kill

	mu     sync.Mutex
	opened func(c Content, inline bool) // the open WebSocket's delivery
}

func newEndpoint(local string, queue int) *endpoint {
	return &endpoint{local: local, out: make(chan Content, queue), dead: make(chan struct{})}
}

func (ep *endpoint) deliver(c Content, owned bool) {
	ep.mu.Lock()
	if opened := ep.opened; opened != nil {
		ep.mu.Unlock()
		opened(c, true)
		return
	}
	defer ep.mu.Unlock()
	if !owned {
		if kept, err := c.Clone(); err == nil {
			c = kept
		}
	}
	select {
	case ep.out <- c:
	default:
		ep.kill(ClosePolicyViolation)
	}
}

// open sends later replies to deliver, after those already waiting, which
// deliver only queues (no socket write happens under ep.mu).
func (ep *endpoint) open(deliver func(c Content, inline bool)) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	for {
		select {
		case c := <-ep.out:
			deliver(c, false)
		default:
			ep.opened = deliver
			return
		}
	}
}

func (ep *endpoint) kill(code int) {
	ep.once.Do(func() {
		ep.code = code
		close(ep.dead)
	})
}

// WebSocket close codes the server uses.
const (
	CloseNormal          = 1000
	CloseGoingAway       = 1001
	CloseAbnormal        = 1006
	ClosePolicyViolation = 1008
	CloseMessageTooBig   = 1009
	CloseInternalError   = 1011
	CloseTryAgainLater   = 1013
)

// scope returns the ASGI keys shared by connect and request messages.
func scope(r *http.Request, reply string) Content {
	c := Content{
		"reply_channel": reply,
		"path":          r.URL.Path,
		"query_string":  []byte(r.URL.RawQuery),
		"headers":       asgiHeaders(r),
		"client":        hostPort(r.RemoteAddr),
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		c["server"] = hostPort(la.String())
	}
	return c
}

// asgiHeaders lists the request headers as [name, value] byte pairs with
// lowercase names. Names containing '_' are dropped, as Daphne does, so
// that they cannot pass for their '-' twins.
func asgiHeaders(r *http.Request) []any {
	hs := make([]any, 0, len(r.Header)+1)
	if r.Host != "" {
		hs = append(hs, []any{[]byte("host"), []byte(r.Host)})
	}
	for _, name := range slices.Sorted(maps.Keys(r.Header)) {
		if strings.Contains(name, "_") {
			continue
		}
		lower := []byte(strings.ToLower(name))
		for _, v := range r.Header[name] {
			hs = append(hs, []any{lower, []byte(v)})
		}
	}
	return hs
}

func hostPort(addr string) any {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil
	}
	return []any{host, int64(p)}
}
