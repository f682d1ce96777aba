package redislayer_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// TestEveryDisconnectIsDeliveredOverRedis: thousands of clients of an
// interface server join a group when they connect and leave it when they
// disconnect, through a worker on another layer of the same Redis, as in
// split mode. They all leave at once: every disconnect is consumed and the
// group is empty again, though capacity is 100 per channel.
func TestEveryDisconnectIsDeliveredOverRedis(t *testing.T) {
	t.Run("redis-server", func(t *testing.T) {
		clients := 10000
		if testing.Short() {
			clients = 2000
		}
		disconnectStorm(t, startRedis(t).url(), clients)
	})
	t.Run("miniredis", func(t *testing.T) {
		disconnectStorm(t, "redis://"+miniredis.RunT(t).Addr()+"/0", 500)
	})
}

func disconnectStorm(t *testing.T, url string, clients int) {
	serverLayer, workerLayer := openLayer(t, url), openLayer(t, url)
	const group = "storm"
	var disconnects atomic.Int64
	ln := startStormApp(t, serverLayer, workerLayer, group, &disconnects)
	conns := dialStorm(t, ln, clients)
	if got := groupSize(t, workerLayer, group); got != clients {
		t.Fatalf("%d members after %d connects", got, clients)
	}
	for _, c := range conns { // all leave at once, without a close handshake
		c.UnderlyingConn().Close()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for disconnects.Load() < int64(clients) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n, left := disconnects.Load(), groupSize(t, workerLayer, group); n != int64(clients) || left != 0 {
		t.Errorf("after %d clients left: %d disconnects consumed, %d members left; want %d and 0", clients, n, left, clients)
	}
}

// startStormApp runs, until t ends, an interface server on serverLayer,
// listening on the pipe listener it returns, and a worker on workerLayer
// whose consumer adds each client to group on connect, and discards it from
// group on disconnect, then counts the disconnect in disconnects.
func startStormApp(t *testing.T, serverLayer, workerLayer *redislayer.Layer, group string, disconnects *atomic.Int64) *channelstest.PipeListener {
	t.Helper()
	router, err := channels.NewRouter(
		channels.Route("websocket.connect", channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			if err := m.GroupAdd(ctx, group); err != nil {
				return err
			}
			return m.Accept(ctx)
		})),
		channels.Route("websocket.disconnect", channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			// Counted once discarded: the test reads the group as soon as
			// the count is complete, and the worker runs many at once.
			defer disconnects.Add(1)
			return m.GroupDiscard(ctx, group)
		})),
	)
	if err != nil {
		t.Fatal(err)
	}
	ln := channelstest.NewPipeListener() // no file descriptor per client
	srv := channels.NewServer(serverLayer, channels.ServerConfig{Logger: quiet})
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	running.Go(func() { srv.Run(ctx) })
	running.Go(func() {
		channels.NewWorker(workerLayer, router, channels.WorkerConfig{Concurrency: 4, Logger: quiet}).Run(ctx)
	})
	t.Cleanup(func() {
		cancel()
		running.Wait()
		hs.Close()
	})
	return ln
}

// dialStorm opens clients WebSocket connections through ln, 128 at a time,
// and fails t if a handshake fails.
func dialStorm(t *testing.T, ln *channelstest.PipeListener, clients int) []*websocket.Conn {
	t.Helper()
	dialer := websocket.Dialer{NetDialContext: ln.DialContext}
	conns := make([]*websocket.Conn, clients)
	var dials sync.WaitGroup
	var failed atomic.Int64
	for i := range conns {
		dials.Go(func() {
			c, resp, err := dialer.Dial("ws://pipe/", nil)
			if err != nil {
				if failed.Add(1) == 1 {
					status := 0
					if resp != nil {
						status = resp.StatusCode
					}
					t.Logf("first failed handshake: status %d, %v", status, err)
				}
				return
			}
			conns[i] = c
		})
		if i%128 == 127 {
			dials.Wait()
		}
	}
	dials.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d handshakes failed", n, clients)
	}
	return conns
}

func openLayer(t *testing.T, url string) *redislayer.Layer {
	t.Helper()
	l, err := redislayer.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func groupSize(t *testing.T, l *redislayer.Layer, group string) int {
	t.Helper()
	members, err := l.GroupChannels(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	return len(members)
}
