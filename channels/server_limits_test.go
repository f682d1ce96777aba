package channels_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// The limits the server puts on a WebSocket client: message size, then keepalive and a slow reader's queue.
func TestWebsocketReadLimit(t *testing.T) {
	disconnects := newRecorder()
	a := startApp(t, nil, channels.ServerConfig{MaxMessageSize: 1024},
		channels.Route("websocket.receive", channels.ConsumerFunc(echo)),
		channels.Route("websocket.disconnect", disconnects))
	conn := a.dial(t, "/")
	conn.WriteMessage(websocket.TextMessage, make([]byte, 2048))
	if code := readCloseCode(t, conn); code != websocket.CloseMessageTooBig {
		t.Fatalf("close code = %d, want 1009", code)
	}
	if d := disconnects.wait(t, 1)[0]; d.Code() != 1009 {
		t.Errorf("disconnect code = %d, want 1009", d.Code())
	}
}

func TestWebsocketKeepalive(t *testing.T) {
	disconnects := newRecorder()
	a := startApp(t, nil, channels.ServerConfig{PingInterval: 50 * time.Millisecond, PongTimeout: time.Second},
		channels.Route("websocket.disconnect", disconnects))

	// A client that reads answers pings and stays connected.
	conn := a.dial(t, "/")
	pinged := make(chan struct{}, 1)
	conn.SetPingHandler(func(data string) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case <-pinged:
	case <-time.After(10 * time.Second):
		t.Fatal("no ping from the server")
	}

	// A client that never reads never answers a ping and is dropped.
	a.dial(t, "/")
	if d := disconnects.wait(t, 1)[0]; d.Code() != 1006 {
		t.Errorf("disconnect code of a silent client = %d, want 1006", d.Code())
	}
}

func TestWebsocketSlowClientIsCutOffAlone(t *testing.T) {
	flood := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		text, _ := m.Text()
		if text != "flood" {
			return m.SendText(ctx, text)
		}
		big := strings.Repeat("z", 64<<10)
		for range 400 { // 25 MiB: more than the socket buffers hold
			m.SendText(ctx, big)
		}
		return nil
	})
	disconnects := newRecorder()
	layer := channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 1000})
	a := startApp(t, layer, channels.ServerConfig{SendQueue: 8, WriteTimeout: 300 * time.Millisecond},
		channels.Route("websocket.receive", flood),
		channels.Route("websocket.disconnect", disconnects))
	slow := a.dial(t, "/")
	fast := a.dial(t, "/")
	slow.WriteMessage(websocket.TextMessage, []byte("flood"))
	for i := range 20 {
		msg := strings.Repeat("y", i+1)
		fast.WriteMessage(websocket.TextMessage, []byte(msg))
		if got := readText(t, fast); got != msg {
			t.Fatalf("fast client got %q, want %q", got, msg)
		}
	}
	// The slow client, which has read nothing, is cut off with 1008.
	if d := disconnects.wait(t, 1)[0]; d.Code() != channels.ClosePolicyViolation {
		t.Errorf("disconnect code of the slow client = %d, want 1008", d.Code())
	}
	for {
		if _, _, err := slow.ReadMessage(); err != nil {
			break
		}
	}
	fast.WriteMessage(websocket.TextMessage, []byte("still there"))
	if got := readText(t, fast); got != "still there" {
		t.Fatalf("fast client got %q after the slow one was cut off", got)
	}
}

// TestPongTimeoutWindow: a client that stops sending is cut off between
// PongTimeout and 17/16 of it after its last frame (the read deadline
// moves at most once per sixteenth), never sooner, however many frames
// came before.
func TestPongTimeoutWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const pong = 16 * time.Second
		b := startBubble(t, nil, channels.ServerConfig{PingInterval: time.Hour, PongTimeout: pong}, channels.WorkerConfig{},
			channels.Route("websocket.receive", channels.ConsumerFunc(func(context.Context, *channels.Message) error { return nil })))
		conn := b.mustDial("/")
		var last time.Time
		for range 40 { // 10 s of frames, more often than the deadline moves
			if err := conn.WriteMessage(websocket.TextMessage, []byte("x")); err != nil {
				t.Fatal(err)
			}
			last = time.Now()
			time.Sleep(250 * time.Millisecond)
		}
		if _, _, err := conn.ReadMessage(); err == nil {
			t.Fatal("the server sent a message")
		}
		if quiet := time.Since(last); quiet < pong || quiet > pong+pong/16 {
			t.Errorf("cut off %v after the last frame; want between %v and %v", quiet, pong, pong+pong/16)
		}
	})
}

// TestLongCallKeepsReadDeadline: with a consumer that answers every frame
// (CallTimeout set), a call that takes longer than PongTimeout does not
// use up the read deadline of the client that waits for its answer,
// whether the call runs in the reader's goroutine (inline) or in the
// worker's (a layer without DirectLayer). The deadline counts
// again from the answer: the client's next frame is read and answered, and
// a client quiet from then on is cut off no sooner than PongTimeout after
// it (and no later than about twice that).
func TestLongCallKeepsReadDeadline(t *testing.T) {
	layers := map[string]func() channels.Layer{
		"inline": func() channels.Layer { return channels.NewMemoryLayer(channels.MemoryConfig{}) },
		"worker": func() channels.Layer {
			return &plainLayer{GroupLayer: channels.NewMemoryLayer(channels.MemoryConfig{})}
		},
	}
	for name, layer := range layers {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testLongCall(t, layer()) })
		})
	}
}

func testLongCall(t *testing.T, layer channels.Layer) {
	const pong = 16 * time.Second
	echo := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		text, _ := m.Text()
		if text == "slow" {
			time.Sleep(3 * pong)
		}
		return m.SendText(ctx, text)
	})
	b := startBubble(t, layer, channels.ServerConfig{PingInterval: time.Hour, PongTimeout: pong, CallTimeout: time.Hour},
		channels.WorkerConfig{ConsumeTimeout: -1}, channels.Route("websocket.receive", echo))
	conn := b.mustDial("/")
	for _, text := range []string{"slow", "next"} {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(text)); err != nil {
			t.Fatalf("send %q: %v", text, err)
		}
		if got := readText(t, conn); got != text {
			t.Fatalf("got %q, want %q", got, text)
		}
	}
	answered := time.Now()
	if _, _, err := conn.ReadMessage(); err == nil {
		t.Fatal("the server sent a message")
	}
	if quiet := time.Since(answered); quiet < pong || quiet > 2*pong+pong/8 {
		t.Errorf("cut off %v after the last answer; want between %v and %v", quiet, pong, 2*pong+pong/8)
	}
}
