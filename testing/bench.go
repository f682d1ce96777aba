package channelstest

import (
	"net/http"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
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
