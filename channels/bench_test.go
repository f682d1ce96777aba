package channels_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// BenchmarkEcho compares WebSocket echo round trips through the whole
// Channels path (server → memory layer → worker → layer → server) with a
// raw gorilla/websocket echo server measured in the same run. Compare the
// ns/op of the two sub-benchmarks: their ratio is the figure that matters.
//
//	go test -run '^$' -bench Echo -benchtime 3s ./channels
func BenchmarkEcho(b *testing.B) {
	b.Run("raw-gorilla", func(b *testing.B) {
		ts := httptest.NewServer(http.HandlerFunc(rawEcho))
		defer ts.Close()
		benchEcho(b, ts.URL)
	})
	b.Run("channels", func(b *testing.B) {
		layer := channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 1000})
		router, err := channels.NewRouter(channels.Route("websocket.receive", channels.ConsumerFunc(echo)))
		if err != nil {
			b.Fatal(err)
		}
		srv := channels.NewServer(layer, channels.ServerConfig{})
		w := channels.NewWorker(layer, router, channels.WorkerConfig{Concurrency: benchConcurrency, Unordered: benchUnordered})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			channels.RunAll(ctx, srv, w)
		}()
		ts := httptest.NewServer(srv)
		defer func() {
			cancel()
			<-done
			ts.Close()
		}()
		benchEcho(b, ts.URL)
	})
}

func rawEcho(w http.ResponseWriter, r *http.Request) {
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
}

// benchEcho runs b.N round trips of a small JSON-RPC-sized text frame over
// 16 connections, each in a closed loop.
func benchEcho(b *testing.B, url string) {
	const conns = 64
	wsURL := "ws" + strings.TrimPrefix(url, "http") + "/"
	clients := make([]*websocket.Conn, conns)
	for i := range clients {
		c, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		clients[i] = c
	}
	msg := []byte(`{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}`)
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

var benchConcurrency, benchUnordered = 0, false
