package jsonrpc_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// BenchmarkWebsocketPing measures JSON-RPC ping round trips over the whole
// path (server → memory layer → worker → JSON-RPC consumer → layer →
// server) beside a raw gorilla/websocket echo server in the same run; the
// ratio of their ns/op is the figure to watch.
//
//	go test -run '^$' -bench WebsocketPing -benchtime 3s ./jsonrpc
func BenchmarkWebsocketPing(b *testing.B) {
	b.Run("raw-gorilla-echo", func(b *testing.B) {
		ts := httptest.NewServer(http.HandlerFunc(rawEcho))
		defer ts.Close()
		benchPing(b, "ws"+strings.TrimPrefix(ts.URL, "http")+"/")
	})
	b.Run("jsonrpc", func(b *testing.B) {
		api := &testAPI{}
		if err := api.Register(func() string { return "pong" }, jsonrpc.Name("ping")); err != nil {
			b.Fatal(err)
		}
		live := channelstest.NewLiveServerConfig(b, channelstest.LiveConfig{
			Layer: channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 1000}),
		}, jsonrpc.WebsocketRoute(api))
		benchPing(b, live.WebsocketURL("/"))
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

// benchPing runs b.N closed-loop round trips over 16 connections.
func benchPing(b *testing.B, url string) {
	const conns = 16
	clients := make([]*websocket.Conn, conns)
	for i := range clients {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
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
