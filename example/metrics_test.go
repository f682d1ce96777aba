package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/metrics"
)

// TestMetricsMoveWithCalls runs the example as realMain wires it (one
// Metrics for the layer, the server, the worker and the JSON-RPC consumer),
// scrapes /metrics, makes calls over WebSocket and HTTP, and scrapes again.
func TestMetricsMoveWithCalls(t *testing.T) {
	m := metrics.New(metrics.Options{})
	layer, err := openLayer("memory://", m)
	if err != nil {
		t.Fatal(err)
	}
	base := startApp(t, layer, m)

	before := scrape(t, base)
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes",
		`channels_messages_sent_total{kind="websocket.receive"}`, `channels_connections_open{transport="websocket"}`} {
		if _, ok := before[name]; !ok {
			t.Errorf("/metrics has no %s before any call", name)
		}
	}

	conn := metricsMakeCalls(t, base)

	// A message is counted as sent once its hand-over returns, which may be
	// after its answer reached the client: scrape until the counters settle.
	metricsAwaitGrowth(t, base, before, []metricGrowth{
		{`channels_jsonrpc_calls_total{method="ping",outcome="ok"}`, 4},
		{`channels_jsonrpc_calls_total{method="(unknown)",outcome="method_not_found"}`, 1},
		{`channels_jsonrpc_call_duration_seconds_count{method="ping"}`, 4},
		{`channels_connections_opened_total{transport="websocket"}`, 1},
		{`channels_connections_open{transport="websocket"}`, 1},
		{`channels_connections_closed_total{code="200",transport="http"}`, 1},
		{`channels_messages_sent_total{kind="websocket.receive"}`, 6},
		{`channels_messages_received_total{kind="websocket.receive"}`, 6},
		{`channels_messages_sent_total{kind="reply"}`, 6},
		{`channels_messages_received_total{kind="reply"}`, 7},
		{`channels_group_send_members_count`, 1},
	})

	conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	metricsWaitClosed(t, base)
}

// A metricGrowth is how much a series should have grown.
type metricGrowth struct {
	name string
	by   float64
}

// metricsAwaitGrowth scrapes base until every series has grown from
// before by at least its amount, and fails with those that have not after
// 5 s.
func metricsAwaitGrowth(t *testing.T, base string, before map[string]float64, want []metricGrowth) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		after := scrape(t, base)
		var short []string
		for _, g := range want {
			if got := after[g.name] - before[g.name]; got < g.by {
				short = append(short, fmt.Sprintf("%s grew by %v, want at least %v", g.name, got, g.by))
			}
		}
		if len(short) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Error(strings.Join(short, "\n"))
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// metricsMakeCalls makes the calls TestMetricsMoveWithCalls counts: over a
// WebSocket it keeps open (and returns), three pings, an unknown method, a
// group.join and a group.send; over HTTP one ping.
func metricsMakeCalls(t *testing.T, base string) *websocket.Conn {
	t.Helper()
	conn := dialWithin(t, "ws"+strings.TrimPrefix(base, "http")+"/ws/")
	for i := range 3 {
		scaleCall(t, conn, `{"jsonrpc":"2.0","id":`+strconv.Itoa(i)+`,"method":"ping"}`, `{"jsonrpc":"2.0","id":`+strconv.Itoa(i)+`,"result":"pong"}`)
	}
	scaleCall(t, conn, `{"jsonrpc":"2.0","id":9,"method":"nope"}`, `{"jsonrpc":"2.0","id":9,"error":{"code":-32601,"message":"Method not found"}}`)
	scaleCall(t, conn, `{"jsonrpc":"2.0","id":10,"method":"group.join","params":["g"]}`, `{"jsonrpc":"2.0","id":10,"result":true}`)
	sendJSON(t, conn, map[string]any{"jsonrpc": "2.0", "id": 11, "method": "group.send", "params": []any{"g", 1}})
	for range 2 { // the answer and the group's notification, in either order
		if _, _, err := conn.ReadMessage(); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Post(base+"/rpc/", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return conn
}

// metricsWaitClosed waits until /metrics at base counts the WebSocket as
// closed with 1000 and none open.
func metricsWaitClosed(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		now := scrape(t, base)
		closed := now[`channels_connections_closed_total{code="1000",transport="websocket"}`]
		if closed == 1 && now[`channels_connections_open{transport="websocket"}`] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the client's close: closed with 1000 = %v, open = %v", closed, now[`channels_connections_open{transport="websocket"}`])
		}
	}
}

// scrape reads /metrics into a map from series ("name{labels}") to value.
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}
