package channels_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// flood answers "flood" with n text frames, and echoes anything else.
func flood(n int) channels.Consumer {
	return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		text, _ := m.Text()
		if text != "flood" {
			return m.SendText(ctx, text)
		}
		for i := range n {
			m.SendText(ctx, fmt.Sprint(i))
		}
		return nil
	})
}

// disconnects records the code and time of each websocket.disconnect.
type disconnects struct {
	code atomic.Int64
	at   atomic.Int64 // Unix nanoseconds
}

func (d *disconnects) route() channels.Routing {
	return channels.Route("websocket.disconnect", channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		code, _ := m.Content().Int("code")
		d.code.Store(code)
		d.at.Store(time.Now().UnixNano())
		return nil
	}))
}

func TestSlowClientIsCutWithinSlowClientTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var d disconnects
		b := startBubble(t, nil, channels.ServerConfig{SendQueue: 8}, channels.WorkerConfig{},
			channels.Route("websocket.receive", flood(100)), d.route())
		conn := b.mustDial("/")
		start := time.Now()
		conn.WriteMessage(websocket.TextMessage, []byte("flood")) // and never read
		time.Sleep(5 * time.Second)
		if got := time.Unix(0, d.at.Load()).Sub(start); d.code.Load() != channels.ClosePolicyViolation || got != time.Second {
			t.Errorf("slow client: disconnect %d after %v, want 1008 after the 1 s SlowClientTimeout", d.code.Load(), got)
		}
	})
}

func TestPongsDoNotCountAsSlowness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var d disconnects
		b := startBubble(t, nil, channels.ServerConfig{SendQueue: 8}, channels.WorkerConfig{},
			channels.Route("websocket.receive", flood(0)), d.route())
		conn := b.mustDial("/")
		var pongs atomic.Int64
		var last atomic.Value
		conn.SetPongHandler(func(data string) error {
			pongs.Add(1)
			last.Store(data)
			return nil
		})
		texts := make(chan string, 1)
		go func() {
			for {
				_, data, err := conn.ReadMessage()
				if err != nil {
					close(texts)
					return
				}
				texts <- string(data)
			}
		}()
		for i := range 300 { // a burst of pings, faster than the pongs are written
			if err := conn.WriteControl(websocket.PingMessage, fmt.Append(nil, i), time.Time{}); err != nil {
				t.Fatalf("ping %d: %v", i, err)
			}
		}
		conn.WriteMessage(websocket.TextMessage, []byte("still open?"))
		if got := <-texts; got != "still open?" {
			t.Fatalf("after 300 pings the client read %q (closed: %d)", got, d.code.Load())
		}
		if pongs.Load() == 0 || last.Load() != "299" {
			t.Errorf("%d pongs, the last for ping %v; want the last ping answered", pongs.Load(), last.Load())
		}
	})
}

func TestHTTPBodyLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var requests atomic.Int64
		count := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			requests.Add(1)
			return m.Reply(ctx, channels.Content{"status": 200})
		})
		b := startBubble(t, nil, channels.ServerConfig{MaxBodySize: 100}, channels.WorkerConfig{}, channels.Route("http.request", count))
		for _, tt := range []struct {
			name, head, body string
			status           int
			after            time.Duration
		}{
			{"huge Content-Length", "Content-Length: 1000000000000", "0123456789", 413, 0},
			{"chunked body over the limit", "Transfer-Encoding: chunked", "65\r\n" + strings.Repeat("b", 101) + "\r\n0\r\n\r\n", 413, 0},
			{"trickled body", "Content-Length: 50", "0123456789", 408, 30 * time.Second},
		} {
			conn, err := b.ln.DialContext(context.Background(), "", "")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			go fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: pipe\r\n%s\r\n\r\n%s", tt.head, tt.body)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			resp.Body.Close()
			conn.Close()
			if resp.StatusCode != tt.status || time.Since(start) != tt.after {
				t.Errorf("%s: %d after %v, want %d after %v", tt.name, resp.StatusCode, time.Since(start), tt.status, tt.after)
			}
		}
		if n := requests.Load(); n != 0 {
			t.Errorf("%d http.request consumed, want 0", n)
		}
	})
}

// failingLayer is a layer without local delivery (the server runs its
// receive loop) whose Receive fails, once failed is closed, as Redis's does
// when the server dies.
type failingLayer struct {
	channels.GroupLayer
	failed chan struct{}
}

var errRedisDown = fmt.Errorf("testlayer: connection refused: %w", channels.ErrLayerUnavailable)

func (l *failingLayer) Receive(ctx context.Context, chans ...string) (string, channels.Content, error) {
	if !strings.HasSuffix(chans[0], "!") {
		return l.GroupLayer.Receive(ctx, chans...) // the worker's
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-l.failed:
			cancel()
		case <-ctx.Done():
		}
	}()
	ch, c, err := l.GroupLayer.Receive(ctx, chans...)
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		select {
		case <-l.failed:
			return "", nil, errRedisDown
		default:
		}
	}
	return ch, c, err
}

func TestLayerFailureAnswersWhatWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		layer := &failingLayer{GroupLayer: channels.NewMemoryLayer(channels.MemoryConfig{}), failed: make(chan struct{})}
		silent := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error { return nil })
		b := startBubble(t, layer, channels.ServerConfig{}, channels.WorkerConfig{Concurrency: 1},
			channels.Route("websocket.receive", silent), channels.Route("http.request", silent))
		waiting, idle := b.mustDial("/"), b.mustDial("/")
		waiting.WriteMessage(websocket.TextMessage, []byte("a call no one will answer"))
		status := make(chan int, 1)
		go func() {
			resp, err := b.client.Get("http://pipe/")
			if err != nil {
				status <- 0
				return
			}
			resp.Body.Close()
			status <- resp.StatusCode
		}()
		idleClosed := make(chan struct{})
		go func() {
			closeCode(idle)
			close(idleClosed)
		}()
		synctest.Wait()
		start := time.Now()
		close(layer.failed)
		if code, _ := closeCode(waiting); code != channels.CloseInternalError || time.Since(start) != 0 {
			t.Errorf("waiting WebSocket: close %d after %v, want 1011 at once", code, time.Since(start))
		}
		if got := <-status; got != http.StatusServiceUnavailable || time.Since(start) != 0 {
			t.Errorf("waiting request: status %d after %v, want 503 at once", got, time.Since(start))
		}
		synctest.Wait()
		select {
		case <-idleClosed:
			t.Error("an idle WebSocket was closed by the layer failure")
		default:
		}
	})
}
