package channels_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// gatedEcho echoes text frames once its gate is open.
func gatedEcho(gate <-chan struct{}) channels.Consumer {
	return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		<-gate
		text, _ := m.Text()
		return m.SendText(ctx, text)
	})
}

// oneReceive is a memory layer whose websocket.receive holds one message.
func oneReceive() *channels.MemoryLayer {
	return channels.NewMemoryLayer(channels.MemoryConfig{
		ChannelCapacity: []channels.CapacityRule{{Pattern: "websocket.receive", Capacity: 1}},
	})
}

func writeTexts(conn *websocket.Conn, texts ...string) {
	go func() {
		for _, text := range texts {
			if conn.WriteMessage(websocket.TextMessage, []byte(text)) != nil {
				return
			}
		}
	}()
}

func TestBackpressureWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		b := startBubble(t, oneReceive(), channels.ServerConfig{}, channels.WorkerConfig{Concurrency: 1},
			channels.Route("websocket.receive", gatedEcho(gate)))
		conn := b.mustDial("/")
		// One message in the consumer, one in the layer, the rest wait in
		// the server, which stops reading the socket.
		writeTexts(conn, "a", "b", "c", "d")
		time.Sleep(4 * time.Second) // less than BackpressureTimeout
		close(gate)
		for _, want := range []string{"a", "b", "c", "d"} {
			_, data, err := conn.ReadMessage()
			if err != nil || string(data) != want {
				t.Fatalf("read %q, %v; want %q: the wait for room must not close the socket", data, err, want)
			}
		}
	})
}

func TestBackpressureExpiresWith1013(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		b := startBubble(t, oneReceive(), channels.ServerConfig{BackpressureTimeout: 3 * time.Second},
			channels.WorkerConfig{Concurrency: 2, InlineLimit: 2}, channels.Route("websocket.receive", gatedEcho(gate)))
		t.Cleanup(func() { close(gate) })
		conn := takeEveryTurn(b)
		start := time.Now()
		writeTexts(conn, "a", "b", "c")
		code, _ := closeCode(conn)
		if code != channels.CloseTryAgainLater || time.Since(start) != 3*time.Second {
			t.Errorf("close %d after %v; want 1013 after the 3 s BackpressureTimeout", code, time.Since(start))
		}
	})
}

// takeEveryTurn takes every turn of a worker of Concurrency 2 and
// InlineLimit 2 whose consumer waits at a gate: two messages handed over by
// their readers wait for the gate, and two more (of other connections) in
// the worker's receiving goroutines. It returns a connection whose first
// message fills a websocket.receive of capacity 1 (oneReceive), and whose
// second waits for room.
func takeEveryTurn(b *bubble) *websocket.Conn {
	var busy []*websocket.Conn
	for range 4 {
		busy = append(busy, b.mustDial("/"))
	}
	conn := b.mustDial("/")
	for _, c := range busy {
		writeTexts(c, "held")
		synctest.Wait()
	}
	return conn
}

// plainLayer hides every optional interface of its layer but groups: the
// server can only retry its sends.
type plainLayer struct {
	channels.GroupLayer
	full atomic.Bool // Send reports websocket.connect and http.request full
}

func (l *plainLayer) Send(ctx context.Context, ch string, c channels.Content) error {
	if l.full.Load() && (ch == "websocket.connect" || ch == "http.request") {
		return &channels.ChannelFullError{Channel: ch, Capacity: 1}
	}
	return l.GroupLayer.Send(ctx, ch, c)
}

func TestHandshakesAndRequestsWaitForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		layer := &plainLayer{GroupLayer: channels.NewMemoryLayer(channels.MemoryConfig{})}
		b := startBubble(t, layer, channels.ServerConfig{}, channels.WorkerConfig{})
		layer.full.Store(true)
		go func() {
			time.Sleep(2 * time.Second)
			layer.full.Store(false)
		}()
		start := time.Now()
		if _, status := b.dial("/", nil); status != 101 || time.Since(start) < 2*time.Second {
			t.Errorf("handshake while full for 2 s: status %d after %v, want 101 after the wait", status, time.Since(start))
		}
		layer.full.Store(true)
		start = time.Now()
		resp, err := b.client.Get("http://pipe/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || time.Since(start) != 5*time.Second {
			t.Errorf("request while full: %d after %v, want 503 with Retry-After after the 5 s BackpressureTimeout",
				resp.StatusCode, time.Since(start))
		}
	})
}

// groupMembers joins every connection to group at connect and leaves it at
// disconnect, counting disconnects, as a chat does.
type groupMembers struct {
	group       string
	disconnects atomic.Int64
}

func (g *groupMembers) routes() []channels.Routing {
	return []channels.Routing{
		channels.Route("websocket.connect", channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			if err := m.GroupAdd(ctx, g.group); err != nil {
				return err
			}
			return m.Accept(ctx)
		})),
		channels.Route("websocket.disconnect", channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			time.Sleep(time.Millisecond) // slower than clients leave: the channel fills
			g.disconnects.Add(1)
			return m.GroupDiscard(ctx, g.group)
		})),
	}
}

func TestEveryDisconnectIsDelivered(t *testing.T) {
	clients := 10000
	if testing.Short() {
		clients = 1000
	}
	synctest.Test(t, func(t *testing.T) {
		layer := channels.NewMemoryLayer(channels.MemoryConfig{}) // capacity 100 for all
		g := &groupMembers{group: "storm"}
		b := startBubble(t, layer, channels.ServerConfig{}, channels.WorkerConfig{Concurrency: 2}, g.routes()...)
		conns := make([]*websocket.Conn, clients)
		var wg sync.WaitGroup
		for i := range conns {
			wg.Go(func() { conns[i] = b.mustDial("/") })
			if i%128 == 127 {
				wg.Wait()
			}
		}
		wg.Wait()
		if members, _ := layer.GroupChannels(context.Background(), "storm"); len(members) != clients {
			t.Fatalf("%d members after %d connects", len(members), clients)
		}
		for _, c := range conns { // all leave at once, without a close handshake
			c.UnderlyingConn().Close()
		}
		synctest.Wait()
		time.Sleep(time.Minute) // less than DisconnectTimeout: no disconnect may give up
		members, _ := layer.GroupChannels(context.Background(), "storm")
		if n := g.disconnects.Load(); n != int64(clients) || len(members) != 0 {
			t.Errorf("after %d clients left: %d disconnects consumed, %d members left; want %d and 0",
				clients, n, len(members), clients)
		}
	})
}

func TestRefusedHandshakeSendsNoConnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var connects atomic.Int64
		count := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			connects.Add(1)
			return m.Accept(ctx)
		})
		b := startBubble(t, nil, channels.ServerConfig{}, channels.WorkerConfig{},
			channels.Route("websocket.connect", count))
		for _, tt := range []struct {
			name, method, key, version string
			status                     int
		}{
			{"bad key", "GET", "not-a-key", "13", 400},
			{"short key", "GET", "c2hvcnQ=", "13", 400},
			{"version 8", "GET", "dGhlIHNhbXBsZSBub25jZQ==", "8", 400},
			{"POST", "POST", "dGhlIHNhbXBsZSBub25jZQ==", "13", 405},
		} {
			req, _ := newUpgradeRequest(tt.method, tt.key, tt.version)
			resp, err := b.client.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
			}
		}
		// HTTP/1.0 has no Upgrade (RFC 6455 §4.1): written by hand, as
		// http.Client always speaks 1.1.
		conn, err := b.ln.DialContext(context.Background(), "", "")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprint(conn, "GET / HTTP/1.0\r\nHost: pipe\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil || resp.StatusCode != 400 {
			t.Errorf("HTTP/1.0 handshake: %v, %v; want status 400", resp, err)
		}
		synctest.Wait()
		if n := connects.Load(); n != 0 {
			t.Errorf("websocket.connect consumed %d times for refused handshakes, want 0", n)
		}
	})
}

func TestDrainAnswersWhatWasSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slowEcho := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			time.Sleep(100 * time.Millisecond)
			text, _ := m.Text()
			return m.SendText(ctx, text)
		})
		var disconnect atomic.Int64
		b := startBubble(t, nil, channels.ServerConfig{}, channels.WorkerConfig{Concurrency: 1},
			channels.Route("websocket.receive", slowEcho),
			channels.Route("websocket.disconnect", channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
				code, _ := m.Content().Int("code")
				disconnect.Store(code)
				return nil
			})))
		conn := b.mustDial("/")
		go func() { // the client goes on sending for a while after the shutdown begins
			for i := range 8 {
				conn.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "call %d", i))
				time.Sleep(20 * time.Millisecond)
			}
		}()
		time.Sleep(50 * time.Millisecond)
		go b.shutdown()
		for i := range 8 {
			_, data, err := conn.ReadMessage()
			if want := fmt.Sprintf("call %d", i); err != nil || string(data) != want {
				t.Fatalf("read %q, %v; want %q: calls sent before the drain ended must be answered", data, err, want)
			}
		}
		if code, _ := closeCode(conn); code != channels.CloseGoingAway {
			t.Errorf("close code after the drain = %d, want 1001", code)
		}
		if got := disconnect.Load(); got != channels.CloseGoingAway {
			t.Errorf("websocket.disconnect code = %d, want 1001", got)
		}
	})
}

func TestDrainServesRequestsWithConnectionClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			time.Sleep(time.Second)
			return m.Reply(ctx, channels.Content{"status": 200, "content": []byte("done")})
		})
		b := startBubble(t, nil, channels.ServerConfig{}, channels.WorkerConfig{}, channels.Route("http.request", slow))
		responses := make(chan *http.Response, 2)
		get := func() {
			resp, err := b.client.Get("http://pipe/")
			if err != nil {
				t.Errorf("request during the drain: %v", err)
				responses <- nil
				return
			}
			resp.Body.Close()
			responses <- resp
		}
		go get()
		time.Sleep(100 * time.Millisecond)
		go b.shutdown()
		time.Sleep(100 * time.Millisecond)
		go get() // a keep-alive client's next request, sent during the drain
		if _, status := b.dial("/", nil); status != http.StatusServiceUnavailable {
			t.Errorf("WebSocket handshake during the drain: status %d, want 503", status)
		}
		for range 2 {
			if resp := <-responses; resp != nil && (resp.StatusCode != 200 || !resp.Close) {
				t.Errorf("request during the drain: %d, Connection: close %v; want 200 and close", resp.StatusCode, resp.Close)
			}
		}
	})
}
