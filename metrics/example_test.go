package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	"github.com/gochannels/channels-jsonrpc/metrics"
)

// One Metrics observes the layer, the interface server, the worker and the
// JSON-RPC consumer; the application's registry serves it on /metrics.
func Example() {
	m := metrics.New(metrics.Options{})
	registry := prometheus.NewRegistry()
	registry.MustRegister(m)

	api := &jsonrpc.Consumer{}
	api.Options.Observer = m
	api.Register(func() string { return "pong" }, jsonrpc.Name("ping"))
	router, _ := channels.NewRouter(jsonrpc.WebsocketRoute(api, channels.Path(`^/ws/$`)))
	layer := channels.NewMemoryLayer(channels.MemoryConfig{Observer: m})
	server := channels.NewServer(layer, channels.ServerConfig{Observer: m})
	worker := channels.NewWorker(layer, router, channels.WorkerConfig{Observer: m})

	mux := http.NewServeMux()
	mux.Handle("/ws/", server)
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	ts := httptest.NewServer(mux)
	defer ts.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go channels.RunAll(ctx, server, worker)

	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws/", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	// A call is counted once its answer is sent, and the calls of one
	// connection run in order: the answer to a second call tells that the
	// first is counted.
	conn.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	conn.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":2,"method":"none"}`))
	conn.ReadMessage()
	conn.ReadMessage()

	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		if line := sc.Text(); strings.HasPrefix(line, `channels_jsonrpc_calls_total{method="ping",outcome="ok"}`) ||
			strings.HasPrefix(line, `channels_connections_open{`) {
			fmt.Println(line)
		}
	}
	// Output:
	// channels_connections_open{transport="http"} 0
	// channels_connections_open{transport="websocket"} 1
	// channels_jsonrpc_calls_total{method="ping",outcome="ok"} 1
}
