package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// What each transport does with frames and requests beyond JSON-RPC: order,
// binary frames, size limits, HTTP methods and media types.

// Requests sent back to back on one connection are answered in order,
// one frame each, notifications and batches included.
func TestWebsocketOrder(t *testing.T) {
	live := startExample(t)
	c := dialWS(live)
	var want []string
	for i := range 60 {
		switch i % 3 {
		case 0:
			c.write(t, websocket.TextMessage, fmt.Sprintf(`{"jsonrpc":"2.0","method":"echo","params":[%d],"id":%d}`, i, i))
			want = append(want, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":%d}`, i, i))
		case 1:
			c.write(t, websocket.TextMessage, fmt.Sprintf(`{"jsonrpc":"2.0","method":"notify_hello","params":[%d]}`, i))
		case 2:
			c.write(t, websocket.TextMessage, fmt.Sprintf(`[{"jsonrpc":"2.0","method":"add","params":[%d,1],"id":"a"},{"jsonrpc":"2.0","method":"sum","params":[%d],"id":"s"}]`, i, i))
			want = append(want, fmt.Sprintf(`[{"jsonrpc":"2.0","id":"a","result":%d},{"jsonrpc":"2.0","id":"s","result":%d}]`, i+1, i))
		}
	}
	for i, w := range want {
		if got := c.read(t); got != w {
			t.Fatalf("WS response %d:\n got  %s\n want %s", i, got, w)
		}
	}
	checkFrames(t, "WS after the last response", c.pending(t), nil)
}

// A binary frame is read as JSON text too; neither a request nor garbage in
// one closes the connection.
func TestWebsocketBinaryFrames(t *testing.T) {
	live := startExample(t)
	c := dialWS(live)
	got := c.exchange(t, websocket.BinaryMessage, `{"jsonrpc":"2.0","method":"echo","params":["bin"],"id":1}`)
	checkFrames(t, "WS binary request", got, []string{`{"jsonrpc":"2.0","id":1,"result":"bin"}`})
	got = c.exchange(t, websocket.BinaryMessage, "\x00\xff\xfe garbage")
	checkFrames(t, "WS binary garbage", got, []string{parseError})
	got = c.exchange(t, websocket.BinaryMessage, `{"jsonrpc":"2.0","method":"notify_hello","params":[1]}`)
	checkFrames(t, "WS binary notification", got, nil)
	c.call(t, `{"jsonrpc":"2.0","method":"ping","id":2}`, `{"jsonrpc":"2.0","id":2,"result":"pong"}`)
}

// A frame larger than the server's read limit closes the connection with
// 1009 (message too big); a frame of exactly the limit is answered.
func TestWebsocketMessageTooBig(t *testing.T) {
	const limit = 512
	live := startExampleWith(t, channelstest.LiveConfig{Server: channels.ServerConfig{MaxMessageSize: limit}}, channels.NewMemorySessionStore())
	conn := live.Dial("/ws/")
	c := &wsClient{conn: conn.Conn}

	head, tail := `{"jsonrpc":"2.0","method":"echo","params":["`, `"],"id":1}`
	pad := strings.Repeat("x", limit-len(head)-len(tail))
	c.call(t, head+pad+tail, `{"jsonrpc":"2.0","id":1,"result":"`+pad+`"}`)

	c.write(t, websocket.TextMessage, head+pad+"x"+tail)
	if code := conn.ReceiveClose(); code != websocket.CloseMessageTooBig {
		t.Errorf("WS frame of %d bytes: closed with %d, want %d", limit+1, code, websocket.CloseMessageTooBig)
	}
}

// HTTP requests that are not JSON-RPC POSTs.
func TestHTTPErrors(t *testing.T) {
	const maxBody = 1024
	live := startExampleWith(t, channelstest.LiveConfig{Server: channels.ServerConfig{MaxBodySize: maxBody}}, channels.NewMemorySessionStore())
	ping := `{"jsonrpc":"2.0","method":"ping","id":1}`
	pong := `{"jsonrpc":"2.0","id":1,"result":"pong"}`
	big := `{"jsonrpc":"2.0","method":"echo","params":["` + strings.Repeat("x", maxBody) + `"],"id":1}`
	for _, tc := range []struct {
		name, method, path, contentType, body string
		status                                int
		wantBody                              string // checked when not ""
		allow                                 string // the Allow header wanted
	}{
		{"GET", "GET", "/rpc/", "", "", http.StatusMethodNotAllowed, "", "POST"},
		{"GET with a request", "GET", "/rpc/", "application/json", ping, http.StatusMethodNotAllowed, "", "POST"},
		{"PUT", "PUT", "/rpc/", "application/json", ping, http.StatusMethodNotAllowed, "", "POST"},
		{"no content type", "POST", "/rpc/", "", ping, http.StatusUnsupportedMediaType, "", ""},
		{"text/plain", "POST", "/rpc/", "text/plain", ping, http.StatusUnsupportedMediaType, "", ""},
		{"form", "POST", "/rpc/", "application/x-www-form-urlencoded", ping, http.StatusUnsupportedMediaType, "", ""},
		{"json with charset", "POST", "/rpc/", "application/json; charset=utf-8", ping, http.StatusOK, pong, ""},
		{"json-rpc media type", "POST", "/rpc/", "application/json-rpc", ping, http.StatusOK, pong, ""},
		{"body over the limit", "POST", "/rpc/", "application/json", big, http.StatusRequestEntityTooLarge, "", ""},
		{"unrouted path", "POST", "/nope/", "application/json", ping, http.StatusNotFound, "", ""},
		{"websocket path", "POST", "/ws/", "application/json", ping, http.StatusNotFound, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := live.URL + tc.path
			r := doHTTP(t, tc.method, url, tc.contentType, tc.body)
			if r.status != tc.status || (tc.wantBody != "" && r.body != tc.wantBody) {
				t.Errorf("%s %s (Content-Type %q): got %d %s, want %d %s",
					tc.method, url, tc.contentType, r.status, r.body, tc.status, tc.wantBody)
			}
			if got := r.header.Get("Allow"); got != tc.allow {
				t.Errorf("%s %s: Allow %q, want %q", tc.method, url, got, tc.allow)
			}
		})
	}
}
