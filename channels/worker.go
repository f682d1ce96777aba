package channels

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"
)

// ServerChannels returns the channels an interface server sends to.
func ServerChannels() []string {
	return []string{
		"http.disconnect", "http.request",
		"websocket.connect", "websocket.disconnect", "websocket.receive",
	}
}

// WorkerConfig configures a Worker. The zero value gives the defaults.
type WorkerConfig struct {
	// Concurrency is the number of messages consumed at once from the
	// layer's queues (default 16 × GOMAXPROCS): the worker runs as many
	// goroutines that receive and consume in turn, one receiving at a time.
	// Consumers mostly wait (on the layer's round trips to Redis for the
	// channel session and the reply, on a database) rather than compute,
	// and the messages of one connection take one goroutine at a time, so
	// the default is well above the number of CPUs.
	Concurrency int
	// InlineLimit bounds the messages consumed at once in the goroutines
	// of the senders that hand them over (DirectLayer.HandOver): with the
	// memory layer, the goroutine that reads a WebSocket consumes its own
	// frames, one at a time, as a goroutine-per-connection server does, and
	// the goroutine of an HTTP request consumes that request. By
	// default (0) there is no bound beyond that one per connection; past a
	// positive bound, frames wait in the queue for the Concurrency
	// goroutines; a negative one consumes nothing inline.
	InlineLimit int
	// Channels are the channels to receive on. By default, ServerChannels
	// and those of the consumer when it has a Channels() []string method (a
	// *Router does), so that the defaults below answer unrouted messages.
	Channels []string
	// Unordered lets the messages of one connection (one reply channel) be
	// consumed at the same time. By default a worker consumes them one after
	// another, in the order the layer gives them, while messages of different
	// connections run in parallel. Across several worker processes, use the
	// EnforceOrdering middleware for that guarantee.
	Unordered bool
	// ConsumeTimeout bounds each consumer call through its context (default
	// 30 s; negative means no limit). The messages that start within 1% of
	// it share one deadline, so that a call costs no timer: a call may run
	// up to 1% (at most 1 s) longer. The JSON-RPC consumer answers a call
	// that ends with that deadline with error -32001.
	ConsumeTimeout time.Duration
	// ReplyTimeout bounds the wait for room of a reply (Message.Reply) to a
	// full reply channel (default 5 s); then the reply fails with
	// ErrChannelFull.
	ReplyTimeout time.Duration
	// Logger receives the worker's logs (default slog.Default()).
	Logger *slog.Logger
	// Observer is told about the messages consumed and replied, and the
	// worker's queue (see Observer); nil observes nothing.
	Observer Observer
}

// Worker takes messages from the layer and runs the consumer on each: the
// counterpart of Channels' runworker. The messages of one connection are
// consumed in order (see WorkerConfig.Unordered).
//
// A consumer's error is logged. Some errors also answer the client:
// ErrDenyConnection on websocket.connect rejects the connection, a
// *CloseError closes the socket, and an http.request that fails gets a 500.
// A message no route matches is answered as Channels' defaults do: a
// websocket.connect is accepted and an http.request gets 404.
//
// A consumer's context ends with its ConsumeTimeout, and once its client
// has gone: when the disconnect of the message's connection
// (websocket.disconnect, http.disconnect) arrives while the message is
// consumed, the context is cancelled, as net/http cancels a request's
// context. Work that must finish anyway takes context.WithoutCancel. A
// frame consumed in the goroutine that reads its WebSocket (the memory
// layer's HandOver) sees its client's close only once it returns: set
// InlineLimit below 0, or have the consumer run calls concurrently (the
// JSON-RPC consumer's ConcurrentCalls), for a close seen during the call.
// An HTTP request consumed in its handler's goroutine needs neither: the
// server watches its client apart. Its response, unless it comes in parts
// (more_content), is written when the consumer returns: work that should
// not delay it runs in a goroutine (Go).
//
// A websocket.disconnect that carries DrainKey comes from a server that is
// shutting down and keeps the socket open meanwhile: once the consumer has
// run, the worker answers it with a close ({"close": code}). The messages
// of a connection being consumed in order, that close reaches the client
// after the answers to everything it sent before.
type Worker struct {
	layer    Layer
	direct   DirectLayer // layer, when it is one (the hot path), or nil
	consumer Consumer
	cfg      WorkerConfig
	log      *slog.Logger

	// receiving is the token of the one goroutine receiving, when ordered:
	// a channel, not a mutex, so that waiting for it can be cancelled, and
	// a synctest bubble can wait for a worker on any layer.
	receiving chan struct{}
	hand      *handTable     // the connections with a message in hand
	detached  sync.WaitGroup // goroutines started with Go
}

// DrainKey is the key of a websocket.disconnect sent by a draining server:
// see Worker.
const DrainKey = "drain"

// NewWorker returns a worker that feeds the layer's messages to consumer,
// usually a *Router.
func NewWorker(layer Layer, consumer Consumer, cfg WorkerConfig) *Worker {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16 * runtime.GOMAXPROCS(0)
	}
	if cfg.Channels == nil {
		cfg.Channels = ServerChannels()
		if cl, ok := consumer.(interface{ Channels() []string }); ok {
			cfg.Channels = append(cfg.Channels, cl.Channels()...)
		}
		slices.Sort(cfg.Channels)
		cfg.Channels = slices.Compact(cfg.Channels)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Observer = observerOr(cfg.Observer)
	if cfg.ReplyTimeout <= 0 {
		cfg.ReplyTimeout = 5 * time.Second
	}
	if cfg.ConsumeTimeout == 0 {
		cfg.ConsumeTimeout = 30 * time.Second
	}
	direct, _ := layer.(DirectLayer)
	return &Worker{
		layer:     layer,
		direct:    direct,
		consumer:  consumer,
		cfg:       cfg,
		log:       cfg.Logger,
		hand:      newHandTable(),
		receiving: make(chan struct{}, 1),
	}
}

// Config returns the worker's configuration, with the defaults filled in.
func (w *Worker) Config() WorkerConfig {
	cfg := w.cfg
	cfg.Channels = slices.Clone(cfg.Channels)
	return cfg
}

// Run consumes messages until ctx is done, then waits for the messages in
// hand to be consumed (their context is not cancelled), and for the
// goroutines their consumers started with Go, and returns nil.
func (w *Worker) Run(ctx context.Context) error {
	if len(w.cfg.Channels) == 0 {
		return errors.New("channels: worker has no channels to receive on")
	}
	for _, ch := range w.cfg.Channels {
		if err := ValidateReceiveChannel(ch); err != nil {
			return err
		}
	}
	// Messages in hand finish on shutdown; the worker is in the context
	// once for all of them (see Handle).
	hctx := context.WithValue(context.WithoutCancel(ctx), workerKey{}, w)
	r := newWorkerRun(w, hctx)
	if w.direct != nil && w.cfg.InlineLimit >= 0 {
		stop, err := w.direct.ConsumeInline(w.cfg.Channels, r.consumeInline)
		if err != nil {
			w.log.Debug("channels: worker consumes from the queue only", "err", err)
		} else {
			defer context.AfterFunc(ctx, stop)()
		}
	}
	if l, ok := w.layer.(Listener); ok {
		if err := l.Listen(ctx, w.cfg.Channels...); err != nil {
			w.log.Warn("channels: worker cannot listen to its channels yet", "err", err)
		}
	}
	var wg sync.WaitGroup
	for range w.cfg.Concurrency {
		wg.Go(func() { r.loop(ctx) })
	}
	wg.Wait()
	r.stopInline()
	w.detached.Wait()
	return nil
}

// receive takes the next message. When ordered, the message's connection
// is claimed before any later message is received (by one goroutine
// receiving at a time, or by a DirectLayer as it takes the message), so
// the messages of one connection run one after another in layer order.
// run is false when the message was queued behind one in hand.
func (w *Worker) receive(ctx context.Context) (m *Message, run bool, err error) {
	if w.cfg.Unordered {
		ch, content, err := w.layer.Receive(ctx, w.cfg.Channels...)
		if err != nil {
			return nil, false, err
		}
		return w.message(ch, content), true, nil
	}
	if w.direct != nil {
		// The layer claims the connection as it takes the message: no
		// receive token, every goroutine waits in the layer.
		_, err = w.direct.ReceiveTaken(ctx, func(taken *Message) {
			m = taken
			m.Layer = w.layer
			run = w.claim(m)
		}, w.cfg.Channels...)
		return m, run, err
	}
	select {
	case w.receiving <- struct{}{}:
		defer func() { <-w.receiving }()
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	ch, content, err := w.layer.Receive(ctx, w.cfg.Channels...)
	if err != nil {
		return nil, false, err
	}
	m = w.message(ch, content)
	return m, w.claim(m), nil
}

// message is a message the worker received.
func (w *Worker) message(channel string, content Content) *Message {
	m := NewMessage(channel, content)
	m.Layer = w.layer
	return m
}

// claim marks m's connection busy and returns true, or queues m behind
// the message of that connection in hand and returns false (see
// handTable.claim).
func (w *Worker) claim(m *Message) bool { return w.hand.claim(m, w.cfg.Observer) }

// release returns the next message queued behind done, or marks done's
// connection idle and returns nil.
func (w *Worker) release(done *Message) *Message { return w.hand.release(done, w.cfg.Observer) }

// Handle consumes one message in the calling goroutine, with the worker's
// error handling. The test harness uses it to consume synchronously.
func (w *Worker) Handle(ctx context.Context, m *Message) error {
	if m.Layer == nil {
		m.Layer = w.layer
	}
	if ctx.Value(workerKey{}) != w {
		ctx = context.WithValue(ctx, workerKey{}, w)
	}
	if w.cfg.ConsumeTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, w.cfg.ConsumeTimeout)
		defer cancel()
	}
	return w.consume(ctx, m)
}

// consume runs the consumer on m with ctx, a context of the worker, and
// answers what its error means for the client. The message is counted
// once consumed: the count waits, not the client.
func (w *Worker) consume(ctx context.Context, m *Message) (err error) {
	defer w.consumed(ctx, m, m.Channel, &err)
	return w.consumer.Consume(ctx, m)
}

// consumed ends the consumption of m, a message of channel, whose consumer
// returned *err or panicked: a panic fails m alone, as Recover has it
// fail, and sets *err. The Observer counts m, and an error is answered.
func (w *Worker) consumed(ctx context.Context, m *Message, channel string, err *error) {
	if v := recover(); v != nil {
		*err = panicked(ctx, w.log, m, v)
	}
	w.cfg.Observer.MessageReceived(KindOf(channel))
	if *err != nil {
		w.answerError(ctx, m, *err)
	}
	if m.Channel == "websocket.disconnect" {
		w.answerDrain(ctx, m)
	}
}

// answerDrain closes the socket of a draining server's disconnect.
func (w *Worker) answerDrain(ctx context.Context, m *Message) {
	if drain, _ := m.Content().Bool(DrainKey); !drain || m.ReplyChannel() == "" {
		return
	}
	ctx = context.WithoutCancel(ctx)
	code, ok := m.Content().Int("code")
	if !ok {
		code = CloseGoingAway
	}
	if err := m.Reply(ctx, Content{"close": code}); err != nil {
		w.log.Warn("channels: close after a drain not sent", "reply_channel", m.ReplyChannel(), "err", err)
	}
}

type workerKey struct{}

// Go runs f in a new goroutine, for a consumer that hands work off. f gets
// a context with the values and the deadline of ctx that the consumer's
// return does not cancel. When ctx is a consumer's context, the worker
// that runs the consumer waits for f before its Run returns, so that a
// shutdown does not cut the work short.
func Go(ctx context.Context, f func(ctx context.Context)) {
	run := func() {
		detached := context.WithoutCancel(ctx)
		if deadline, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			detached, cancel = context.WithDeadline(detached, deadline)
			defer cancel()
		}
		f(detached)
	}
	if w, ok := ctx.Value(workerKey{}).(*Worker); ok {
		w.detached.Go(run)
		return
	}
	go run()
}

// answerError tells the client what a consumer error means for it.
func (w *Worker) answerError(ctx context.Context, m *Message, err error) {
	var reply Content
	var ce *CloseError
	switch {
	case errors.Is(err, ErrNoRoute) && m.Channel == "websocket.connect":
		reply = Content{"accept": true}
		err = nil
	case errors.Is(err, ErrNoRoute) && m.Channel == "http.request":
		reply = textResponse(404, "Not Found")
		err = nil
	case errors.Is(err, ErrNoRoute):
		w.log.Debug("channels: no route", "channel", m.Channel, "path", m.Path())
		return
	case errors.Is(err, ErrDenyConnection) && m.Channel == "websocket.connect":
		reply = Content{"close": true}
		err = nil
	case errors.As(err, &ce):
		reply = Content{"close": int64(ce.Code)}
		err = nil
	case m.Channel == "http.request":
		reply = textResponse(500, "Internal Server Error")
	}
	if err != nil && !errors.Is(err, ErrPanic) { // Recover logged the panic, with its stack
		w.log.Error("channels: consumer failed", "channel", m.Channel, "path", m.Path(),
			"reply_channel", m.ReplyChannel(), "err", err)
	}
	if reply != nil && m.ReplyChannel() != "" {
		if err := m.Reply(ctx, reply); err != nil {
			w.log.Warn("channels: error reply not sent", "reply_channel", m.ReplyChannel(), "err", err)
		}
	}
}

func textResponse(status int, body string) Content {
	return Content{
		"status":  int64(status),
		"headers": []any{[]any{[]byte("Content-Type"), []byte("text/plain; charset=utf-8")}},
		"content": []byte(body),
	}
}
