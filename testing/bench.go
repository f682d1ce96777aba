package channelstest

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// EchoHandler is a raw gorilla/websocket echo server, with nothing of
// Channels in it: the baseline for benchmarks of the whole path, run in the
// same process and the same run so that their ratio means something on a
// shared machine.
func EchoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			kind, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := conn.WriteMessage(kind, data); err != nil {
				return
			}
		}
	})
}

// RoundTrips runs b.N round trips of the text frame msg against the
// WebSocket at url, spread over conns connections that each send a frame
// and wait for the reply before sending the next (a closed loop).
func RoundTrips(b *testing.B, url string, conns int, msg []byte) {
	b.Helper()
	clients := make([]*websocket.Conn, conns)
	for i := range clients {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatalf("channelstest: dial %s: %v", url, err)
		}
		defer c.Close()
		clients[i] = c
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, c := range clients {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Go(func() {
			for range n {
				if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
					b.Error(err)
					return
				}
				if _, _, err := c.ReadMessage(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// SendReceive runs b.N layer round trips: a message sent to "bench.ping",
// answered by a goroutine that sends it back to pong, received on
// receivePong (the same name for a normal channel; "x!" for a pong to a
// process-local "x!y", the way replies reach an interface server). Every
// layer can be measured with it, beside the memory layer in one run.
func SendReceive(b *testing.B, l channels.Layer, pong, receivePong string) {
	b.Helper()
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, c, err := l.Receive(ctx, "bench.ping")
			if err != nil {
				return
			}
			if err := l.Send(ctx, pong, c); err != nil {
				return
			}
		}
	}()
	msg := channels.Content{"text": "ping", "order": 1}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Send(ctx, "bench.ping", msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := l.Receive(ctx, receivePong); err != nil {
			b.Fatal(err)
		}
	}
	cancel()
	<-done
}
