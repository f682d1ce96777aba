package jsonrpc_test

import (
	"net/http/httptest"
	"strings"
	"testing"

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
	const conns = 16
	msg := []byte(`{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}`)
	b.Run("raw-gorilla-echo", func(b *testing.B) {
		ts := httptest.NewServer(channelstest.EchoHandler())
		defer ts.Close()
		channelstest.RoundTrips(b, "ws"+strings.TrimPrefix(ts.URL, "http")+"/", conns, msg)
	})
	b.Run("jsonrpc", func(b *testing.B) {
		api := &testAPI{}
		if err := api.Register(func() string { return "pong" }, jsonrpc.Name("ping")); err != nil {
			b.Fatal(err)
		}
		live := channelstest.NewLiveServerConfig(b, channelstest.LiveConfig{
			Layer: channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 1000}),
		}, jsonrpc.WebsocketRoute(api))
		channelstest.RoundTrips(b, live.WebsocketURL("/"), conns, msg)
	})
}
