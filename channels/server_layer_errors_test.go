package channels_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// fullLayer reports every channel in full as being at capacity. It embeds
// the layer's GroupLayer only: the server must see every Send.
type fullLayer struct {
	channels.GroupLayer
	mu   sync.Mutex
	full map[string]bool
}

func (l *fullLayer) setFull(ch string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.full[ch] = true
}

func (l *fullLayer) Send(ctx context.Context, ch string, c channels.Content) error {
	l.mu.Lock()
	full := l.full[ch]
	l.mu.Unlock()
	if full {
		return &channels.ChannelFullError{Channel: ch, Capacity: 1}
	}
	return l.GroupLayer.Send(ctx, ch, c)
}

// A layer refusing a Send, full or down, is reported to the client by close code or HTTP status.
func TestFullLayerIsReportedToTheClient(t *testing.T) {
	layer := &fullLayer{GroupLayer: channels.NewMemoryLayer(channels.MemoryConfig{}), full: map[string]bool{}}
	// The wait for room is TestBackpressure's; here it expires at once.
	a := startApp(t, layer, channels.ServerConfig{BackpressureTimeout: time.Millisecond},
		channels.Route("websocket.receive", channels.ConsumerFunc(echo)))
	conn := a.dial(t, "/")
	layer.setFull("websocket.receive")
	conn.WriteMessage(websocket.TextMessage, []byte("x"))
	if code := readCloseCode(t, conn); code != 1013 {
		t.Errorf("close code with websocket.receive full = %d, want 1013", code)
	}
	layer.setFull("websocket.connect")
	if got := a.dialStatus(t, "/"); got != 503 {
		t.Errorf("connect with websocket.connect full: status %d, want 503", got)
	}
	layer.setFull("http.request")
	resp, err := http.Post(a.url+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("HTTP with http.request full: status %d, want 503", resp.StatusCode)
	}
}

// downLayer fails every Send as a layer whose service is down does. It
// embeds the layer's GroupLayer only: the server must see every Send.
type downLayer struct{ channels.GroupLayer }

func (l downLayer) Send(ctx context.Context, ch string, c channels.Content) error {
	if ch == "websocket.receive" || ch == "http.request" {
		return fmt.Errorf("testlayer: %w", channels.ErrLayerUnavailable)
	}
	return l.GroupLayer.Send(ctx, ch, c)
}

func TestUnavailableLayerIsReportedToTheClient(t *testing.T) {
	a := startApp(t, downLayer{channels.NewMemoryLayer(channels.MemoryConfig{})}, channels.ServerConfig{})
	conn := a.dial(t, "/")
	conn.WriteMessage(websocket.TextMessage, []byte("x"))
	if code := readCloseCode(t, conn); code != websocket.CloseInternalServerErr {
		t.Errorf("close code with the layer down = %d, want 1011", code)
	}
	resp, err := http.Post(a.url+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("HTTP with the layer down: status %d, want 503", resp.StatusCode)
	}
}
