package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The tests run the ws, http and connect loads for a moment against a
// well-behaved JSON-RPC ping responder, and check that the counts add up.

const testDuration = 300 * time.Millisecond

// pongTo is the answer to a call: "pong", with the call's id.
func pongTo(call []byte) []byte {
	var c struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(call, &c) != nil || len(c.ID) == 0 {
		c.ID = json.RawMessage("null")
	}
	return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"result":"pong"}`, c.ID)
}

// startPingServer serves /ws/ and /rpc/ on loopback, answering every call
// with "pong", and gives its host:port.
func startPingServer(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/", func(w http.ResponseWriter, r *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			_, call, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := conn.WriteMessage(websocket.TextMessage, pongTo(call)); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/rpc/", func(w http.ResponseWriter, r *http.Request) {
		call, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(pongTo(call))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func TestWSLoadCountsAddUp(t *testing.T) {
	tg := &target{addr: startPingServer(t)}
	sending, stop := context.WithTimeout(context.Background(), testDuration)
	defer stop()
	s := newWSLoad(tg.wsURL(), 4, 4, true).run(sending, 2*time.Second)
	if !s.accounted() || s.ok == 0 || s.lost != 0 || s.rpcErrors.Total() != 0 || s.wrongResult != 0 {
		t.Errorf("sent %d = ok %d + errors %v + wrong %d + lost %d: want it to add up, ok > 0, nothing else",
			s.sent, s.ok, s.rpcErrors, s.wrongResult, s.lost)
	}
	if len(s.serverCloses) != 0 || len(s.dialFailures) != 0 || s.closedByClient != 4 || s.dials != 4 {
		t.Errorf("server closes %v, dial failures %v, %d dials, %d closed by the client: want none, none, 4, 4",
			s.serverCloses, s.dialFailures, s.dials, s.closedByClient)
	}
	if s.latency.Count() != uint64(s.ok) || s.latency.Percentile(0.99) <= 0 {
		t.Errorf("%d latencies with p99 %v for %d answers", s.latency.Count(), s.latency.Percentile(0.99), s.ok)
	}
}

func TestHTTPLoadCountsAddUp(t *testing.T) {
	tg := &target{addr: startPingServer(t)}
	sending, stop := context.WithTimeout(context.Background(), testDuration)
	defer stop()
	s := (&httpLoad{url: tg.rpcURL(), clients: 3, inflight: 4}).run(sending, 2*time.Second)
	if !s.accounted() || s.ok == 0 || s.ok != s.sent {
		t.Errorf("sent %d, ok %d, status errors %v, rpc errors %v, wrong %d, transport errors %v, unfinished %d: "+
			"want every request ok", s.sent, s.ok, s.statusErrors, s.rpcErrors, s.wrongResult, s.transportErrors, s.unfinished)
	}
}

func TestConnectCountsAddUp(t *testing.T) {
	tg := &target{addr: startPingServer(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := runConnect(ctx, tg.wsURL(), 40, 8)
	if s.attempted != 40 || s.accepted != 40 || s.pingOK != 40 || s.closeAnswered != 40 {
		t.Errorf("attempted %d, accepted %d, ping ok %d, closes answered %d (refused %v, errors %v, ping failures %v): want 40 each",
			s.attempted, s.accepted, s.pingOK, s.closeAnswered, s.refused, s.dialErrors, s.pingFailures)
	}
	if s.handshake.Count() != 40 || s.handshake.Percentile(0.5) <= 0 {
		t.Errorf("%d handshake times, p50 %v", s.handshake.Count(), s.handshake.Percentile(0.5))
	}
}

// TestCommandJSON runs the command as a user would, and reads its JSON.
func TestCommandJSON(t *testing.T) {
	addr := startPingServer(t)
	var stdout, stderr bytes.Buffer
	args := []string{"-addr", addr, "-json", "-duration", testDuration.String(), "-conns", "2", "-inflight", "2", "ws", "http"}
	if code := run(args, &stdout, &stderr); code != exitMeasured {
		t.Fatalf("exit status %d, stderr %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one JSON line per scenario, got:\n%s", stdout.String())
	}
	for _, line := range lines {
		var rep map[string]any
		if err := json.Unmarshal([]byte(line), &rep); err != nil {
			t.Fatalf("%v in %s", err, line)
		}
		if rep["accounted"] != true || rep["ok"].(float64) == 0 || rep["latency_p99_ms"].(float64) <= 0 {
			t.Errorf("%s: want the counts to add up, ok > 0 and a p99", line)
		}
	}
}

func TestCommandRefuses(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"-addr", "192.0.2.1:80", "ws"}, exitUsage},
		{[]string{"-addr", "example.com:80", "ws"}, exitUsage},
		{[]string{"nosuch"}, exitUsage},
		{[]string{"sigterm"}, exitUsage},
		{[]string{"-addr", "127.0.0.1:1", "-timeout", "1s", "ws"}, exitUnreachable},
	} {
		var out bytes.Buffer
		if got := run(tc.args, &out, &out); got != tc.want {
			t.Errorf("load %s: exit status %d, want %d (%s)", strings.Join(tc.args, " "), got, tc.want, out.String())
		}
	}
}

func TestHistogramPercentiles(t *testing.T) {
	var h Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, time.Millisecond}} {
		got := h.Percentile(tc.q)
		if diff := float64(got-tc.want) / float64(tc.want); diff < -0.04 || diff > 0.04 {
			t.Errorf("p%v = %v, want %v within 4%%", tc.q*100, got, tc.want)
		}
	}
	if h.Max() != time.Millisecond || h.Count() != 1000 {
		t.Errorf("max %v, count %d", h.Max(), h.Count())
	}
}
