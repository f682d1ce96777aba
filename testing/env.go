package channelstest

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// TB is the part of testing.TB the harness uses; *testing.T and
// *testing.B satisfy it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Log(args ...any)
	Cleanup(func())
}

// TestCapacity is the capacity of an Env's layer, the capacity of Channels'
// test layer: an eleventh unread message on one channel fails the test.
const TestCapacity = 10

// Env is the environment of one test, Channels' ChannelTestCase: a fresh
// memory layer, the routes under test, and a session store, all discarded
// when the test ends.
type Env struct {
	tb TB
	// Layer is the test's own memory layer (capacity TestCapacity).
	Layer *channels.MemoryLayer
	// Sessions is a session store for the test; pass it to the
	// ChannelSession middleware of the routes under test, and the clients
	// use it for their HTTP sessions.
	Sessions *channels.MemorySessionStore
	// TestMode is true by default: consumers that can run work in the
	// background run it synchronously, in order, in the test's goroutine.
	TestMode bool

	router *channels.Router
	worker *channels.Worker
}

// New returns a fresh environment for the test, with routes applied (as
// Channels' apply_routes). There is no default route: a message no route
// matches fails the test when it is consumed.
func New(tb TB, routes ...channels.Routing) *Env {
	tb.Helper()
	e := &Env{
		tb:       tb,
		Layer:    channels.NewMemoryLayer(channels.MemoryConfig{Capacity: TestCapacity}),
		Sessions: channels.NewMemorySessionStore(),
		TestMode: true,
	}
	tb.Cleanup(func() { e.Layer.Close() })
	e.ApplyRoutes(routes...)
	return e
}

// ApplyRoutes replaces the routes under test.
func (e *Env) ApplyRoutes(routes ...channels.Routing) {
	e.tb.Helper()
	r, err := channels.NewRouter(routes...)
	if err != nil {
		e.tb.Fatalf("channelstest: bad routes: %v", err)
	}
	e.router = r
	e.worker = channels.NewWorker(e.Layer, r, channels.WorkerConfig{Logger: testLogger(e.tb)})
}

// Router is the router of the routes under test.
func (e *Env) Router() *channels.Router { return e.router }

// Context is the context consumers run with: it carries TestMode.
func (e *Env) Context() context.Context {
	ctx := context.Background()
	if e.TestMode {
		ctx = channels.WithTestMode(ctx)
	}
	return ctx
}

// Send puts content on channel, failing the test if the layer refuses it.
func (e *Env) Send(channel string, content channels.Content) {
	e.tb.Helper()
	if err := e.Layer.Send(context.Background(), channel, content); err != nil {
		e.tb.Fatalf("channelstest: send to %s: %v", channel, err)
	}
}

// GetNextMessage returns the next message waiting on channel, or nil.
func (e *Env) GetNextMessage(channel string) *channels.Message {
	e.tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // do not wait: take what is there
	ch, content, err := e.Layer.Receive(ctx, channel)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		e.tb.Fatalf("channelstest: receive from %s: %v", channel, err)
	}
	m := channels.NewMessage(ch, content)
	m.Layer = e.Layer
	return m
}

// RequireNextMessage returns the next message waiting on channel and fails
// the test when there is none.
func (e *Env) RequireNextMessage(channel string) *channels.Message {
	e.tb.Helper()
	m := e.GetNextMessage(channel)
	if m == nil {
		e.tb.Fatalf("channelstest: no message on %s, want one", channel)
	}
	return m
}

// Consume takes the next message on channel and runs the routed consumer
// on it in the calling goroutine. It fails the test when no message is
// waiting, when no route matches, or when the consumer fails; an error that
// answers the client (channels.ErrDenyConnection, *channels.CloseError) is
// answered as the worker would and does not fail the test.
func (e *Env) Consume(channel string) {
	e.tb.Helper()
	if err := e.ConsumeErr(channel); err != nil {
		e.tb.Fatalf("channelstest: consumer of %s failed: %v", channel, err)
	}
}

// ConsumeErr is Consume returning the consumer's error instead of failing
// the test with it.
func (e *Env) ConsumeErr(channel string) error {
	e.tb.Helper()
	m := e.RequireNextMessage(channel)
	if _, _, ok := e.router.Match(m); !ok {
		e.tb.Fatalf("channelstest: no route for message on %s with path %q", channel, m.Path())
	}
	err := e.worker.Handle(e.Context(), m)
	if isAnswer(err) {
		return nil
	}
	return err
}

// isAnswer reports errors the worker turns into a reply to the client.
func isAnswer(err error) bool {
	if err == nil {
		return true
	}
	var ce *channels.CloseError
	return errors.Is(err, channels.ErrDenyConnection) || errors.As(err, &ce)
}

// testLogger logs through tb.Log, so that logs show with the failing test.
func testLogger(tb TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tbWriter struct{ tb TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
