package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// These tests run the example end to end: its routes behind a real
// listener (an interface server, a worker and the memory layer), spoken to
// over real sockets, a WebSocket at /ws/ and HTTP POST at /rpc/. Responses
// are compared byte for byte with the engine's output format (see
// jsonrpc/golden_test.go): members in the order jsonrpc, id, result|error,
// compact encoding.

// startExample serves the example's routes, with a fresh session store,
// behind a live server.
func startExample(t *testing.T) *channelstest.LiveServer {
	t.Helper()
	return startExampleWith(t, channelstest.LiveConfig{}, channels.NewMemorySessionStore())
}

func startExampleWith(t *testing.T, cfg channelstest.LiveConfig, sessions channels.SessionStore) *channelstest.LiveServer {
	t.Helper()
	rs, err := routes(sessions, nil)
	if err != nil {
		t.Fatalf("routes: %v", err)
	}
	return channelstest.NewLiveServerConfig(t, cfg, rs...)
}

// wsClient wraps a WebSocket to /ws/. Its helpers report to the test
// given to each call, so that one connection can serve many subtests.
type wsClient struct {
	conn *websocket.Conn
	mark int
}

func dialWS(live *channelstest.LiveServer) *wsClient {
	return &wsClient{conn: live.Dial("/ws/").Conn}
}

func (c *wsClient) write(t *testing.T, kind int, payload string) {
	t.Helper()
	if err := c.conn.WriteMessage(kind, []byte(payload)); err != nil {
		t.Fatalf("WS send %s: %v", payload, err)
	}
}

// read returns the next frame, which must be text.
func (c *wsClient) read(t *testing.T) string {
	t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	kind, data, err := c.conn.ReadMessage()
	if err != nil {
		t.Fatalf("WS read: %v", err)
	}
	if kind != websocket.TextMessage {
		t.Fatalf("WS read: binary frame %q, want text", data)
	}
	return string(data)
}

// exchange sends payload (nothing when it is "") in a frame of kind, then a
// ping marked with a fresh id, and returns the frames that arrive before
// the ping's answer. The worker answers a connection's frames in order, so
// these are exactly the frames sent because of payload, and anything sent
// to the connection meanwhile (group notifications).
func (c *wsClient) exchange(t *testing.T, kind int, payload string) []string {
	t.Helper()
	c.mark++
	id := fmt.Sprintf(`"mark-%d"`, c.mark)
	if payload != "" {
		c.write(t, kind, payload)
	}
	c.write(t, websocket.TextMessage, `{"jsonrpc":"2.0","method":"ping","id":`+id+`}`)
	pong := `{"jsonrpc":"2.0","id":` + id + `,"result":"pong"}`
	var frames []string
	for {
		f := c.read(t)
		if f == pong {
			return frames
		}
		if frames = append(frames, f); len(frames) > 20 {
			t.Fatalf("WS: no answer to the marker ping after %d frames: %q", len(frames), frames)
		}
	}
}

// pending returns the frames that arrived unasked.
func (c *wsClient) pending(t *testing.T) []string {
	t.Helper()
	return c.exchange(t, websocket.TextMessage, "")
}

// call sends req and fails the test unless exactly the frames want come
// back.
func (c *wsClient) call(t *testing.T, req string, want ...string) {
	t.Helper()
	got := c.exchange(t, websocket.TextMessage, req)
	checkFrames(t, "WS "+req, got, want)
}

func checkFrames(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(want) == 0 {
		want = nil
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %d frames %q\n want %d frames %q", what, len(got), got, len(want), want)
	}
}

// httpReply is an HTTP response with its body read.
type httpReply struct {
	status int
	header http.Header
	body   string
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func doHTTP(t *testing.T, method, url, contentType, body string) httpReply {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return httpReply{resp.StatusCode, resp.Header, string(b)}
}

// post sends a JSON-RPC payload to /rpc/ and checks the response: 200
// with application/json and exactly want, or 204 with no body when want
// is "".
func post(t *testing.T, live *channelstest.LiveServer, payload, want string) {
	t.Helper()
	url := live.URL + "/rpc/"
	r := doHTTP(t, "POST", url, "application/json", payload)
	wantStatus := http.StatusOK
	if want == "" {
		wantStatus = http.StatusNoContent
	}
	if r.status != wantStatus || r.body != want {
		t.Errorf("POST %s %s:\n got  %d %s\n want %d %s", url, payload, r.status, r.body, wantStatus, want)
	}
	if ct := r.header.Get("Content-Type"); want != "" && ct != "application/json" {
		t.Errorf("POST %s %s: Content-Type %q, want application/json", url, payload, ct)
	}
}

func TestGoldenWebsocket(t *testing.T) {
	live := startExample(t)
	c := dialWS(live) // one connection answers every case, in order
	for _, tc := range allCases() {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			if tc.ws != "" {
				want = []string{tc.ws}
			}
			// Exactly one frame per request (none for notifications): the
			// marker ping sent after it must be answered next.
			c.call(t, tc.req, want...)
		})
	}
}

func TestGoldenHTTP(t *testing.T) {
	live := startExample(t)
	for _, tc := range allCases() {
		t.Run(tc.name, func(t *testing.T) {
			post(t, live, tc.req, tc.http)
		})
	}
}

// Payloads only one transport can carry.
func TestGoldenTransportSpecific(t *testing.T) {
	live := startExample(t)
	c := dialWS(live)
	for _, tc := range []struct{ name, payload, want string }{
		{"empty frame", "", parseError},
		{"whitespace", " \n\t", parseError},
		{"two objects in one frame", `{"jsonrpc":"2.0","method":"ping","id":1}{"jsonrpc":"2.0","method":"ping","id":2}`, parseError},
	} {
		t.Run("websocket/"+tc.name, func(t *testing.T) {
			if tc.payload == "" {
				// exchange sends nothing for "": write the empty frame here.
				c.write(t, websocket.TextMessage, "")
				checkFrames(t, "WS empty frame", c.pending(t), []string{tc.want})
				return
			}
			c.call(t, tc.payload, tc.want)
		})
	}
	t.Run("http/empty body", func(t *testing.T) { post(t, live, "", parseError) })
	t.Run("http/whitespace", func(t *testing.T) { post(t, live, " \n\t", parseError) })
}

// rpc.discover describes every method of the example.
func TestDiscover(t *testing.T) {
	live := startExample(t)
	r := doHTTP(t, "POST", live.URL+"/rpc/", "application/json", `{"jsonrpc":"2.0","method":"rpc.discover","id":1}`)
	if r.status != http.StatusOK {
		t.Fatalf("POST rpc.discover: got %d %s, want 200", r.status, r.body)
	}
	var resp struct {
		Result struct {
			Info    struct{ Title string }
			Methods []struct{ Name string }
		}
	}
	if err := json.Unmarshal([]byte(r.body), &resp); err != nil {
		t.Fatalf("rpc.discover: %v in %s", err, r.body)
	}
	if resp.Result.Info.Title != "channels-jsonrpc example" {
		t.Errorf("rpc.discover: title %q, want %q", resp.Result.Info.Title, "channels-jsonrpc example")
	}
	var names []string
	for _, m := range resp.Result.Methods {
		names = append(names, m.Name)
	}
	for _, want := range []string{
		"ping", "echo", "add", "subtract", "sum", "get_data", "divide", "mymodule.rpc_ping",
		"ws_only.ping", "http_only.ping", "group.join", "group.leave", "group.send",
		"session.set", "session.get", "update", "notify_hello", "notify_sum",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("rpc.discover lists %q, want it to list %q", names, want)
		}
	}
}
