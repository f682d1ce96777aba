package channels_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// BenchmarkEcho compares WebSocket echo round trips through the whole
// Channels path (server → memory layer → worker → layer → server) with a
// raw gorilla/websocket echo server measured in the same run. Compare the
// ns/op of the two sub-benchmarks: their ratio is the figure that matters.
//
//	go test -run '^$' -bench Echo -benchtime 3s ./channels
func BenchmarkEcho(b *testing.B) {
	const conns = 16
	msg := []byte(`{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}`)
	b.Run("raw-gorilla", func(b *testing.B) {
		ts := httptest.NewServer(channelstest.EchoHandler())
		defer ts.Close()
		channelstest.RoundTrips(b, "ws"+strings.TrimPrefix(ts.URL, "http")+"/", conns, msg)
	})
	b.Run("channels", func(b *testing.B) {
		live := channelstest.NewLiveServerConfig(b, channelstest.LiveConfig{
			Layer: channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 1000}),
		}, channels.Route("websocket.receive", channels.ConsumerFunc(echo)))
		channelstest.RoundTrips(b, live.WebsocketURL("/"), conns, msg)
	})
}

// BenchmarkChannelSessionKey is the session key an HTTP request's channel
// session gets.
func BenchmarkChannelSessionKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		channels.ChannelSessionKey("server.response.AnoQduwtco!rUkUjIQIbdwu")
	}
}
