package channels

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Server is the interface server (Channels' Daphne): an http.Handler that
// turns WebSocket connections and HTTP requests into messages on the layer
// ("websocket.connect", "websocket.receive", "websocket.disconnect",
// "http.request") and writes what consumers send to the reply channels back
// to the clients. Mount it on any mux. Replies reach clients only while Run
// is running.
type Server struct {
	layer  Layer
	direct DirectLayer // layer, when it is one (the hot path), or nil
	cfg    ServerConfig
	prefix string // the non-local reply channel name: "<ReplyPrefix>.<id>!"
	log    *slog.Logger
	obs    Observer

	mu        sync.Mutex
	endpoints map[string]*endpoint     // by local part of the reply channel
	lines     map[string]chan struct{} // senders waiting for room, by channel (see sendWaiting)
	running   bool
	stopping  bool          // draining: new WebSockets get 503
	stopped   bool          // drained: new requests get 503 too
	quiet     chan struct{} // closed once draining and no endpoint is left
}

// NewServer returns a server that speaks to workers through layer.
func NewServer(layer Layer, cfg ServerConfig) *Server {
	cfg.fill()
	direct, _ := layer.(DirectLayer)
	return &Server{
		layer:     layer,
		direct:    direct,
		cfg:       cfg,
		prefix:    cfg.ReplyPrefix + "." + randomLetters(10) + "!",
		log:       cfg.Logger,
		obs:       cfg.Observer,
		endpoints: make(map[string]*endpoint),
		lines:     make(map[string]chan struct{}),
	}
}

// ErrServerRunning is returned by Run when the server is already running.
var ErrServerRunning = errors.New("channels: server already running")

// Run receives the server's reply channels and hands each message to its
// connection, until ctx is done. Then it drains, for up to ShutdownTimeout:
// new WebSockets get 503, HTTP requests are still answered (with
// Connection: close, so that keep-alive clients are told rather than cut
// off; close the listener first to stop new clients), and each WebSocket is
// read until it has been quiet for DrainIdle, then gets its
// websocket.disconnect (code 1001, "drain": true) while it is still open.
// The worker answers that disconnect with a close once the consumer has run
// (see Worker), so the answers to every call the client sent are written
// before the 1001 close frame. It returns nil after the drain.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return ErrServerRunning
	}
	s.running, s.stopping, s.stopped = true, false, false
	s.mu.Unlock()

	loopCtx, stopLoop := context.WithCancel(context.WithoutCancel(ctx))
	loopDone := make(chan struct{})
	if s.direct != nil {
		stop, err := s.direct.DeliverLocal(s.prefix, localReplies{s})
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
		if l, ok := s.layer.(Listener); ok {
			if err := l.Listen(ctx, s.prefix); err != nil {
				s.log.Warn("channels: server cannot listen to its reply channels yet", "err", err)
			}
		}
		go func() {
			defer close(loopDone)
			s.replyLoop(loopCtx)
		}()
	}

	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		s.watchCalls(loopCtx)
	}()

	<-ctx.Done()
	s.shutdown()
	stopLoop()
	<-loopDone
	<-watchDone
	s.mu.Lock()
	s.running = false
	s.mu.Unlock()
	return nil
}

// shutdown refuses new work, drains the WebSockets and waits, up to
// ShutdownTimeout, for every connection and request to end. Those still
// open then are closed with 1001 and get WriteTimeout more.
func (s *Server) shutdown() {
	defer func(start time.Time) { s.obs.Drained(time.Since(start)) }(time.Now())
	s.mu.Lock()
	s.stopping = true
	s.quiet = make(chan struct{})
	for _, ep := range s.endpoints {
		ep.drain()
	}
	s.checkQuiet()
	done := s.quiet
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.stopped = true
		s.mu.Unlock()
	}()
	if s.await(done, s.cfg.ShutdownTimeout) {
		return
	}
	s.mu.Lock()
	open := len(s.endpoints)
	for _, ep := range s.endpoints {
		ep.kill(CloseGoingAway)
	}
	s.mu.Unlock()
	s.log.Warn("channels: drain timed out; closing what is still open", "connections", open)
	if !s.await(done, s.cfg.WriteTimeout) {
		s.log.Warn("channels: shutdown timed out with connections open")
	}
}

func (s *Server) await(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// draining reports whether the server is shutting down.
func (s *Server) draining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
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
			s.obs.LayerError()
			s.layerFailed(err)
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

// send puts a message the server built on the layer. The server never
// touches it again, so a DirectLayer may keep it without a copy.
// The goroutine that reads a WebSocket hands its messages over: while a
// worker of this process consumes one in it, the socket is not read, as
// the connection's next message would wait for that one anyway. So does
// the goroutine of an HTTP request, which would wait for the response.
func (s *Server) send(ctx context.Context, m *Message) error {
	var err error
	channel := m.Channel
	kind := KindOf(channel)
	switch {
	case s.direct == nil:
		err = s.layer.Send(ctx, channel, m.Content())
	case kind == KindReceive || kind == KindDisconnect || kind == KindRequest:
		err = s.direct.HandOver(ctx, m)
	default:
		err = s.direct.SendOwned(ctx, channel, m.Content())
	}
	if err == nil {
		s.obs.MessageSent(kind)
	}
	return err
}

// localReplies is the server as the LocalReceiver of its reply channels,
// on a DirectLayer: content that is not owned belongs to the sender, and is
// copied before it is kept.
type localReplies struct{ s *Server }

func (r localReplies) Deliver(channel string, content Content, owned bool) {
	r.s.deliverTo(channel, content, owned)
}

func (r localReplies) DeliverText(channel, text string) {
	if ep := r.s.replyEndpoint(channel); ep != nil {
		ep.deliverText(text)
		r.s.obs.MessageReceived(KindReply) // once written: the count waits, not the client
	}
}

// deliverTo hands a reply to its connection without blocking; owned tells
// whether content is the server's to keep (a received message) or must be
// copied to be kept (a sender's).
func (s *Server) deliverTo(channel string, content Content, owned bool) {
	if ep := s.replyEndpoint(channel); ep != nil {
		ep.deliver(content, owned)
		s.obs.MessageReceived(KindReply)
	}
}

// replyEndpoint is the connection a reply on channel is for; nil, and the
// reply dropped, when it is gone. The caller counts the reply received
// once it is delivered.
func (s *Server) replyEndpoint(channel string) *endpoint {
	s.mu.Lock()
	ep := s.endpoints[strings.TrimPrefix(channel, s.prefix)]
	s.mu.Unlock()
	if ep == nil {
		s.log.Debug("channels: message for a closed connection dropped", "channel", channel)
		return nil
	}
	return ep
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
// or nil when the server no longer takes it: WebSockets stop at the drain,
// HTTP requests, which keep-alive clients may still send on their open
// connections, only once it is over.
func (s *Server) open(websocket bool) (*endpoint, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.stopping && websocket {
		return nil, ""
	}
	local := randomLetters(12)
	for s.endpoints[local] != nil {
		local = randomLetters(12)
	}
	ep := newEndpoint(local, s.cfg.SendQueue, websocket)
	s.endpoints[local] = ep
	return ep, s.prefix + local
}

func (s *Server) closeEndpoint(ep *endpoint) {
	s.mu.Lock()
	delete(s.endpoints, ep.local)
	s.checkQuiet()
	s.mu.Unlock()
	ep.cancel()
}

// checkQuiet ends the drain when the last endpoint is gone. s.mu is held.
func (s *Server) checkQuiet() {
	if s.stopping && !s.stopped && len(s.endpoints) == 0 {
		s.stopped = true
		close(s.quiet)
	}
}
