package channels_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// The WebSocket handshake: the answers of a websocket.connect consumer, and the Origin check before it.
func TestWebsocketConnectAnswers(t *testing.T) {
	deny := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		switch m.Path() {
		case "/reject/":
			return m.Reject(ctx)
		case "/close/":
			return m.Close(ctx, 0)
		case "/deny/":
			return channels.ErrDenyConnection
		case "/greet/":
			return m.SendText(ctx, "welcome")
		case "/silent/":
			return nil
		}
		return m.Accept(ctx)
	})
	a := startApp(t, nil, channels.ServerConfig{ConnectTimeout: 2 * time.Second},
		channels.Route("websocket.connect", deny))
	for path, want := range map[string]int{
		"/reject/": 403, "/close/": 403, "/deny/": 403, "/silent/": 403, "/ok/": 101,
	} {
		if got := a.dialStatus(t, path); got != want {
			t.Errorf("connect %s: status %d, want %d", path, got, want)
		}
	}
	conn := a.dial(t, "/greet/")
	if got := readText(t, conn); got != "welcome" {
		t.Errorf("first frame = %q, want the text sent while connecting", got)
	}
}

func TestWebsocketDefaultConnectIsAccepted(t *testing.T) {
	a := startApp(t, nil, channels.ServerConfig{},
		channels.Route("websocket.receive", channels.ConsumerFunc(echo)))
	conn := a.dial(t, "/")
	conn.WriteMessage(websocket.TextMessage, []byte("ping"))
	if got := readText(t, conn); got != "ping" {
		t.Fatalf("echo = %q", got)
	}
}

func TestWebsocketOriginIsCheckedBeforeConnect(t *testing.T) {
	connects := newRecorder()
	accept := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		connects.Consume(ctx, m)
		return m.Accept(ctx)
	})
	a := startApp(t, nil, channels.ServerConfig{}, channels.Route("websocket.connect", accept))
	dial := func(origin string) int {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		conn, resp, err := websocket.DefaultDialer.Dial(a.WebsocketURL("/"), h)
		if err == nil {
			conn.Close()
			return 101
		}
		return resp.StatusCode
	}
	if got := dial("http://evil.example"); got != 403 {
		t.Errorf("cross-origin handshake: status %d, want 403", got)
	}
	if got := dial(a.url); got != 101 {
		t.Errorf("same-origin handshake: status %d, want 101", got)
	}
	if got := dial(""); got != 101 {
		t.Errorf("handshake without Origin: status %d, want 101", got)
	}
	if n := len(connects.wait(t, 2)); n != 2 {
		t.Errorf("websocket.connect consumed %d times, want 2 (none for the refused origin)", n)
	}
}
