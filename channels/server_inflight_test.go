package channels_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// countingLayer counts the websocket.receive messages sent through it.
type countingLayer struct {
	channels.GroupLayer
	receives atomic.Int64
}

func (l *countingLayer) Send(ctx context.Context, ch string, c channels.Content) error {
	if ch == "websocket.receive" {
		l.receives.Add(1)
	}
	return l.GroupLayer.Send(ctx, ch, c)
}

func TestMaxInFlightStopsReading(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		layer := &countingLayer{GroupLayer: channels.NewMemoryLayer(channels.MemoryConfig{})}
		gate := make(chan struct{})
		b := startBubble(t, layer, channels.ServerConfig{MaxInFlight: 2}, channels.WorkerConfig{Concurrency: 1},
			channels.Route("websocket.receive", gatedEcho(gate)))
		conn := b.mustDial("/")
		writeTexts(conn, "a", "b", "c", "d", "e")
		synctest.Wait()
		if n := layer.receives.Load(); n != 2 {
			t.Errorf("%d messages sent with no reply yet and MaxInFlight 2; want 2", n)
		}
		close(gate)
		for _, want := range []string{"a", "b", "c", "d", "e"} {
			if _, data, err := conn.ReadMessage(); err != nil || string(data) != want {
				t.Fatalf("read %q, %v; want %q", data, err, want)
			}
		}
	})
}

func TestCallTimeoutClosesStalledSockets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		answer := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			if text, _ := m.Text(); text == "answer me" {
				return m.SendText(ctx, text)
			}
			return nil // a stuck consumer, a worker gone
		})
		b := startBubble(t, nil, channels.ServerConfig{MaxInFlight: 4}, channels.WorkerConfig{},
			channels.Route("websocket.receive", answer))
		stalled, answered := b.mustDial("/"), b.mustDial("/")
		frames := readFrames(answered) // and answer the server's pings
		answered.WriteMessage(websocket.TextMessage, []byte("answer me"))
		<-frames
		start := time.Now()
		stalled.WriteMessage(websocket.TextMessage, []byte("no answer"))
		code, _ := closeCode(stalled)
		// The default CallTimeout is 60 s, checked every tenth of it.
		if waited := time.Since(start); code != channels.CloseInternalError || waited < time.Minute || waited > 66*time.Second {
			t.Errorf("stalled socket: close %d after %v, want 1011 after 60 to 66 s", code, waited)
		}
		answered.WriteMessage(websocket.TextMessage, []byte("answer me"))
		if got, ok := <-frames; !ok || got != "answer me" {
			t.Errorf("the answered socket read %q (open: %v); want it open", got, ok)
		}
	})
}

// readFrames reads conn's text frames into a channel, closed when the
// connection ends. Reading also answers the server's pings.
func readFrames(conn *websocket.Conn) <-chan string {
	frames := make(chan string, 16)
	go func() {
		defer close(frames)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			frames <- string(data)
		}
	}()
	return frames
}
