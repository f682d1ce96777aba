package jsonrpc_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	"github.com/gochannels/channels-jsonrpc/metrics"
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
	b.Run("jsonrpc", func(b *testing.B) { benchmarkPing(b, conns, msg, nil) })
	// With every observer set: the cost of metrics.
	b.Run("jsonrpc-metrics", func(b *testing.B) { benchmarkPing(b, conns, msg, metrics.New(metrics.Options{})) })
}

func benchmarkPing(b *testing.B, conns int, msg []byte, m *metrics.Metrics) {
	api := &testAPI{}
	if err := api.Register(func() string { return "pong" }, jsonrpc.Name("ping")); err != nil {
		b.Fatal(err)
	}
	cfg := channelstest.LiveConfig{}
	mc := channels.MemoryConfig{Capacity: 1000}
	if m != nil {
		api.Options.Observer = m
		mc.Observer, cfg.Server.Observer, cfg.Worker.Observer = m, m, m
	}
	cfg.Layer = channels.NewMemoryLayer(mc)
	live := channelstest.NewLiveServerConfig(b, cfg, jsonrpc.WebsocketRoute(api))
	channelstest.RoundTrips(b, live.WebsocketURL("/"), conns, msg)
}
