package channels_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// panickyLayer panics in Send of the frame "boom"; it hides the memory
// layer's optional interfaces, so the server sends as to any layer.
type panickyLayer struct{ channels.Layer }

func (l panickyLayer) Send(ctx context.Context, channel string, c channels.Content) error {
	if c.String("text") == "boom" {
		panic("the layer blew up")
	}
	return l.Layer.Send(ctx, channel, c)
}

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestWebsocketPanicEndsOneConnection: a panic in the goroutine serving a
// WebSocket is logged and ends that connection alone, whose consumer gets
// its websocket.disconnect (1011); the server serves the others.
func TestWebsocketPanicEndsOneConnection(t *testing.T) {
	logs := &lockedBuffer{}
	disconnects := newRecorder()
	echo := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		text, _ := m.Text()
		return m.SendText(ctx, text)
	})
	layer := panickyLayer{channels.NewMemoryLayer(channels.MemoryConfig{})}
	a := startApp(t, layer, channels.ServerConfig{Logger: slog.New(slog.NewTextHandler(logs, nil))},
		channels.Route("websocket.receive", echo),
		channels.Route("websocket.disconnect", disconnects))

	doomed, other := a.dial(t, "/"), a.dial(t, "/")
	if err := doomed.WriteMessage(websocket.TextMessage, []byte("boom")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := doomed.ReadMessage(); err == nil {
		t.Fatal("the connection whose frame panicked got an answer")
	}
	if d := disconnects.wait(t, 1)[0]; d.Code() != channels.CloseInternalError {
		t.Errorf("disconnect code = %d, want %d", d.Code(), channels.CloseInternalError)
	}
	if !strings.Contains(logs.String(), "panic serving a WebSocket") {
		t.Errorf("the panic was not logged:\n%s", logs)
	}

	if err := other.WriteMessage(websocket.TextMessage, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := other.ReadMessage(); err != nil || string(msg) != "still here" {
		t.Errorf("the other connection read %q, %v", msg, err)
	}
}
