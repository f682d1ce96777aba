package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
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

// rpcCase is one request with the response expected over each transport;
// "" means no response (nothing on the WebSocket, 204 over HTTP).
type rpcCase struct {
	name string
	req  string
	ws   string
	http string
}

// same is a case answered alike over both transports.
func same(name, req, want string) rpcCase { return rpcCase{name, req, want, want} }

// Frequent responses.
const (
	parseError     = `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`
	invalidRequest = `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`
)

func notFound(id string) string {
	return `{"jsonrpc":"2.0","id":` + id + `,"error":{"code":-32601,"message":"Method not found"}}`
}

func invalidParams(id, data string) string {
	b, _ := json.Marshal(data)
	return `{"jsonrpc":"2.0","id":` + id + `,"error":{"code":-32602,"message":"Invalid params","data":` + string(b) + `}}`
}

// The examples of the JSON-RPC 2.0 specification (section 7), which the
// example's subtract, sum, get_data, update, notify_hello and notify_sum
// exist to answer.
var specCases = []rpcCase{
	same("spec/positional",
		`{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}`,
		`{"jsonrpc":"2.0","id":1,"result":19}`),
	same("spec/positional reversed",
		`{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}`,
		`{"jsonrpc":"2.0","id":2,"result":-19}`),
	same("spec/named",
		`{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}`,
		`{"jsonrpc":"2.0","id":3,"result":19}`),
	same("spec/named other order",
		`{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}`,
		`{"jsonrpc":"2.0","id":4,"result":19}`),
	same("spec/notification update", `{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}`, ""),
	same("spec/notification of unknown method", `{"jsonrpc": "2.0", "method": "foobar"}`, ""),
	same("spec/unknown method", `{"jsonrpc": "2.0", "method": "foobar", "id": "1"}`, notFound(`"1"`)),
	same("spec/invalid JSON", `{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`, parseError),
	same("spec/invalid request object", `{"jsonrpc": "2.0", "method": 1, "params": "bar"}`, invalidRequest),
	same("spec/batch with invalid JSON",
		"[\n  {\"jsonrpc\": \"2.0\", \"method\": \"sum\", \"params\": [1,2,4], \"id\": \"1\"},\n  {\"jsonrpc\": \"2.0\", \"method\"\n]",
		parseError),
	same("spec/empty batch", `[]`, invalidRequest),
	same("spec/batch of one invalid", `[1]`, `[`+invalidRequest+`]`),
	same("spec/batch of invalid", `[1,2,3]`, `[`+invalidRequest+`,`+invalidRequest+`,`+invalidRequest+`]`),
	same("spec/mixed batch", `[
		{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
		{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
		{"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
		{"foo": "boo"},
		{"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
		{"jsonrpc": "2.0", "method": "get_data", "id": "9"}
	]`, `[{"jsonrpc":"2.0","id":"1","result":7},`+
		`{"jsonrpc":"2.0","id":"2","result":19},`+
		invalidRequest+`,`+
		notFound(`"5"`)+`,`+
		`{"jsonrpc":"2.0","id":"9","result":["hello",5]}]`),
	same("spec/batch of notifications", `[
		{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
		{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
	]`, ""),
}

// The example's own methods.
var contractCases = []rpcCase{
	same("ping", `{"jsonrpc":"2.0","method":"ping","id":1}`, `{"jsonrpc":"2.0","id":1,"result":"pong"}`),
	same("ping with empty array", `{"jsonrpc":"2.0","method":"ping","params":[],"id":1}`, `{"jsonrpc":"2.0","id":1,"result":"pong"}`),
	same("ping with empty object", `{"jsonrpc":"2.0","method":"ping","params":{},"id":1}`, `{"jsonrpc":"2.0","id":1,"result":"pong"}`),
	same("echo positional", `{"jsonrpc":"2.0","method":"echo","params":["hello"],"id":2}`, `{"jsonrpc":"2.0","id":2,"result":"hello"}`),
	same("echo named", `{"jsonrpc":"2.0","method":"echo","params":{"value":{"b":[1,2.5,null],"a":true}},"id":2}`,
		`{"jsonrpc":"2.0","id":2,"result":{"a":true,"b":[1,2.5,null]}}`),
	same("echo null", `{"jsonrpc":"2.0","method":"echo","params":[null],"id":2}`, `{"jsonrpc":"2.0","id":2,"result":null}`),
	same("echo escapes like encoding/json", `{"jsonrpc":"2.0","method":"echo","params":["<a&b>"],"id":2}`,
		`{"jsonrpc":"2.0","id":2,"result":"\u003ca\u0026b\u003e"}`),
	same("add positional", `{"jsonrpc":"2.0","method":"add","params":[1,2],"id":3}`, `{"jsonrpc":"2.0","id":3,"result":3}`),
	same("add named", `{"jsonrpc":"2.0","method":"add","params":{"b":2,"a":1.5},"id":3}`, `{"jsonrpc":"2.0","id":3,"result":3.5}`),
	same("sum", `{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":4}`, `{"jsonrpc":"2.0","id":4,"result":7}`),
	same("sum of fractions", `{"jsonrpc":"2.0","method":"sum","params":[0.5,0.25],"id":4}`, `{"jsonrpc":"2.0","id":4,"result":0.75}`),
	same("sum of nothing", `{"jsonrpc":"2.0","method":"sum","params":[],"id":4}`, `{"jsonrpc":"2.0","id":4,"result":0}`),
	same("sum without params", `{"jsonrpc":"2.0","method":"sum","id":4}`, `{"jsonrpc":"2.0","id":4,"result":0}`),
	same("get_data", `{"jsonrpc":"2.0","method":"get_data","id":5}`, `{"jsonrpc":"2.0","id":5,"result":["hello",5]}`),
	same("notify_hello", `{"jsonrpc":"2.0","method":"notify_hello","params":[7]}`, ""),
	same("notify_sum", `{"jsonrpc":"2.0","method":"notify_sum","params":[1,2,4]}`, ""),
	same("divide", `{"jsonrpc":"2.0","method":"divide","params":[1,4],"id":6}`, `{"jsonrpc":"2.0","id":6,"result":0.25}`),
	same("divide named", `{"jsonrpc":"2.0","method":"divide","params":{"a":9,"b":3},"id":6}`, `{"jsonrpc":"2.0","id":6,"result":3}`),
	same("divide by zero", `{"jsonrpc":"2.0","method":"divide","params":[1,0],"id":6}`,
		`{"jsonrpc":"2.0","id":6,"error":{"code":-32000,"message":"division by zero"}}`),
	same("divide by zero named", `{"jsonrpc":"2.0","method":"divide","params":{"a":1,"b":0},"id":6}`,
		`{"jsonrpc":"2.0","id":6,"error":{"code":-32000,"message":"division by zero"}}`),
	same("divide by zero as notification", `{"jsonrpc":"2.0","method":"divide","params":[1,0]}`, ""),
	same("dotted name", `{"jsonrpc":"2.0","method":"mymodule.rpc_ping","id":7}`, `{"jsonrpc":"2.0","id":7,"result":"pong2"}`),
	same("notification to a method", `{"jsonrpc":"2.0","method":"ping"}`, ""),
	same("request to a notification handler", `{"jsonrpc":"2.0","method":"notify_hello","params":[7],"id":8}`, notFound("8")),
	{"websocket-only method",
		`{"jsonrpc":"2.0","method":"ws_only.ping","id":9}`,
		`{"jsonrpc":"2.0","id":9,"result":"pong"}`, notFound("9")},
	{"http-only method",
		`{"jsonrpc":"2.0","method":"http_only.ping","id":9}`,
		notFound("9"), `{"jsonrpc":"2.0","id":9,"result":"pong"}`},
	{"websocket-only method in a batch",
		`[{"jsonrpc":"2.0","method":"ws_only.ping","id":1},{"jsonrpc":"2.0","method":"http_only.ping","id":2}]`,
		`[{"jsonrpc":"2.0","id":1,"result":"pong"},` + notFound("2") + `]`,
		`[` + notFound("1") + `,{"jsonrpc":"2.0","id":2,"result":"pong"}]`},
	{"group.join over the wrong transport",
		`{"jsonrpc":"2.0","method":"group.join","params":["x"],"id":10}`,
		`{"jsonrpc":"2.0","id":10,"result":true}`, notFound("10")},
	{"session of an HTTP request is its own",
		`{"jsonrpc":"2.0","method":"session.get","params":["never-set"],"id":11}`,
		`{"jsonrpc":"2.0","id":11,"result":null}`, `{"jsonrpc":"2.0","id":11,"result":null}`},
}

// Ids, JSON-RPC 1.0 and bad params.
var ruleCases = []rpcCase{
	// A 2.0 request with "id": null is a request, not a notification: it
	// is answered, with id null.
	same("id null", `{"jsonrpc":"2.0","method":"ping","id":null}`, `{"jsonrpc":"2.0","id":null,"result":"pong"}`),
	same("id null with an error", `{"jsonrpc":"2.0","method":"divide","params":[1,0],"id":null}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"division by zero"}}`),
	same("id zero", `{"jsonrpc":"2.0","method":"ping","id":0}`, `{"jsonrpc":"2.0","id":0,"result":"pong"}`),
	same("id string echoed verbatim", `{"jsonrpc":"2.0","method":"ping","id":"a\u00e9\"b"}`, `{"jsonrpc":"2.0","id":"a\u00e9\"b","result":"pong"}`),
	same("id fraction echoed verbatim", `{"jsonrpc":"2.0","method":"ping","id":1.50e+3}`, `{"jsonrpc":"2.0","id":1.50e+3,"result":"pong"}`),
	same("id object", `{"jsonrpc":"2.0","method":"ping","id":{"a":1}}`, invalidRequest),
	same("version 1.0 in the jsonrpc member", `{"jsonrpc":"1.0","method":"ping","id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Invalid Request"}}`),
	same("empty method name", `{"jsonrpc":"2.0","method":"","id":1}`, notFound("1")),
	same("rpc. prefix is reserved", `{"jsonrpc":"2.0","method":"rpc.ping","id":1}`, notFound("1")),
	same("not an object", `5`, invalidRequest),
	same("null", `null`, invalidRequest),

	// JSON-RPC 1.0: an object without "jsonrpc". The response has result,
	// error and id, and no jsonrpc member; id null makes a notification.
	same("1.0/request", `{"method":"echo","params":["Hello JSON-RPC"],"id":1}`,
		`{"result":"Hello JSON-RPC","error":null,"id":1}`),
	same("1.0/any id type", `{"method":"echo","params":["x"],"id":{"seq":[1,2]}}`,
		`{"result":"x","error":null,"id":{"seq":[1,2]}}`),
	same("1.0/application error", `{"method":"divide","params":[1,0],"id":"d"}`,
		`{"result":null,"error":{"code":-32000,"message":"division by zero"},"id":"d"}`),
	same("1.0/unknown method", `{"method":"nope","params":[],"id":2}`,
		`{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":2}`),
	same("1.0/params by name", `{"method":"add","params":{"a":1,"b":2},"id":3}`,
		`{"result":null,"error":{"code":-32602,"message":"Invalid params","data":"add: params must be an array, got object"},"id":3}`),
	same("1.0/notification id null", `{"method":"notify_hello","params":[7],"id":null}`, ""),
	same("1.0/notification to a method", `{"method":"ping","params":[],"id":null}`, ""),
	same("1.0/notification id absent", `{"method":"update","params":[1]}`, ""),
	same("1.0/not in a batch", `[{"method":"ping","params":[],"id":1}]`,
		`[{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Invalid Request"}}]`),

	// Params that do not fit: -32602 with a data string saying why.
	same("params/too few", `{"jsonrpc":"2.0","method":"add","params":[1],"id":1}`,
		invalidParams("1", "add: want 2 params (a, b), got 1")),
	same("params/too many", `{"jsonrpc":"2.0","method":"add","params":[1,2,3],"id":1}`,
		invalidParams("1", "add: want 2 params (a, b), got 3")),
	same("params/wrong type", `{"jsonrpc":"2.0","method":"add","params":["1",2],"id":1}`,
		invalidParams("1", `add: param "a": want number, got string`)),
	same("params/missing name", `{"jsonrpc":"2.0","method":"add","params":{"a":1},"id":1}`,
		invalidParams("1", `add: missing param "b"`)),
	same("params/unknown name", `{"jsonrpc":"2.0","method":"add","params":{"a":1,"b":2,"c":3},"id":1}`,
		invalidParams("1", `add: unknown param "c"`)),
	same("params/none wanted", `{"jsonrpc":"2.0","method":"ping","params":[1],"id":1}`,
		invalidParams("1", "ping: want no params, got 1")),
	same("params/one wanted", `{"jsonrpc":"2.0","method":"echo","params":[],"id":1}`,
		invalidParams("1", "echo: want 1 param (value), got 0")),
	same("params/variadic element", `{"jsonrpc":"2.0","method":"sum","params":[1,"x"],"id":1}`,
		invalidParams("1", `sum: params[1]: want number, got string`)),
	same("params/unnamed method by name", `{"jsonrpc":"2.0","method":"sum","params":{"x":1},"id":1}`,
		invalidParams("1", "sum: params must be given by position (an array)")),
	same("params/neither array nor object", `{"jsonrpc":"2.0","method":"subtract","params":"x","id":1}`,
		invalidParams("1", "subtract: params must be an array or an object, got string")),
	same("params/null", `{"jsonrpc":"2.0","method":"subtract","params":null,"id":1}`,
		invalidParams("1", "subtract: params must be an array or an object, got null")),
	same("params/bad group name", `{"jsonrpc":"2.0","method":"group.send","params":["no spaces", 1],"id":1}`,
		invalidParams("1", `group "no spaces": use letters, digits, '.', '-' and '_' (at most 99)`)),
	same("params/notification with bad params", `{"jsonrpc":"2.0","method":"add","params":[1]}`, ""),
}

// The test vectors of the original library's Channels 1 suite that apply
// to the example, answered as the JSON-RPC specification requires where
// the original did not: id null where it left the id out, the
// specification's error messages, -32602 (not -32000) for arguments that
// do not fit, and JSON-RPC 1.0 accepted.
var seedCases = []rpcCase{
	// An object with neither method nor jsonrpc: a malformed 1.0 request.
	// Neither "jsonrpc" nor "method": no telling the version, so 2.0.
	same("seed/object without method", `{"value": "my_value"}`, invalidRequest),
	same("seed/empty object", `{}`, invalidRequest),
	// An array of strings is a batch of invalid requests, one error each
	// (the original answered one error for the whole array).
	same("seed/array of strings", `["value", "my_value"]`, `[`+invalidRequest+`,`+invalidRequest+`]`),
	same("seed/method missing keeps the id", `{"id":"2", "jsonrpc":"2.0", "params":{}}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32600,"message":"Invalid Request"}}`),
	same("seed/method not a string keeps the id", `{"id":"2", "jsonrpc":"2.0", "method":2, "params":{}}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32600,"message":"Invalid Request"}}`),
	same("seed/names starting with underscore are private", `{"id":"2", "jsonrpc":"2.0", "method":"_test", "params":{}}`, notFound(`"2"`)),
	same("seed/not JSON", `sqwdw`, parseError),
	same("seed/unknown method", `{"id": 1, "jsonrpc": "2.0", "method": "unknown_method", "params": {}}`, notFound("1")),
	// Without "jsonrpc" the request is 1.0, whose params must be an array.
	same("seed/1.0 request with object params", `{"id":"2", "method":"ping", "params":{}}`,
		`{"result":null,"error":{"code":-32602,"message":"Invalid params","data":"ping: params must be an array, got object"},"id":"2"}`),
	same("seed/unknown notification is silent", `{"jsonrpc":"2.0", "method":"a_notif", "params":{}}`, ""),
	same("seed/registered method", `{"id":1, "jsonrpc":"2.0", "method":"mymodule.rpc_ping", "params":{}}`,
		`{"jsonrpc":"2.0","id":1,"result":"pong2"}`),
	same("seed/too many arguments", `{"id":1, "jsonrpc":"2.0", "method":"ping", "params":["test"]}`,
		invalidParams("1", "ping: want no params, got 1")),
	same("seed/params true", `{"id":1, "jsonrpc":"2.0", "method":"ping", "params":true}`,
		invalidParams("1", "ping: params must be an array or an object, got boolean")),
	{"seed/method disabled for the transport",
		`{"id":1, "jsonrpc":"2.0", "method":"http_only.ping", "params":[]}`,
		notFound("1"), `{"jsonrpc":"2.0","id":1,"result":"pong"}`},
	{"seed/notification disabled for the transport is silent",
		`{"jsonrpc":"2.0", "method":"http_only.ping", "params":[]}`, "", ""},
	same("seed/garbage notification is silent", `{"jsonrpc":"2.0", "method":"dwqwdq", "params":[]}`, ""),
	same("seed/batch of one", `[{"id": 1, "jsonrpc": "2.0", "method": "mymodule.rpc_ping"}]`,
		`[{"jsonrpc":"2.0","id":1,"result":"pong2"}]`),
}

func allCases() []rpcCase {
	return slices.Concat(specCases, contractCases, ruleCases, seedCases)
}

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

// group.join, group.leave and group.send: every member of the group gets
// the notification group.message, the sender before its own response; a
// connection that left, or is in another group, gets nothing. (The
// original library's group test checks the same sequence.)
func TestGroups(t *testing.T) {
	live := startExample(t)
	a, b, other := dialWS(live), dialWS(live), dialWS(live)
	ok := func(id int) string { return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":true}`, id) }
	msg := func(payload string) string {
		return `{"jsonrpc":"2.0","method":"group.message","params":{"group":"room","payload":` + payload + `}}`
	}

	a.call(t, `{"jsonrpc":"2.0","method":"group.join","params":{"group":"room"},"id":1}`, ok(1))
	b.call(t, `{"jsonrpc":"2.0","method":"group.join","params":["room"],"id":2}`, ok(2))
	other.call(t, `{"jsonrpc":"2.0","method":"group.join","params":["lobby"],"id":3}`, ok(3))
	checkFrames(t, "b before any send", b.pending(t), nil)

	a.call(t, `{"jsonrpc":"2.0","method":"group.send","params":{"group":"room","payload":{"text":"hi"}},"id":4}`,
		msg(`{"text":"hi"}`), ok(4))
	checkFrames(t, "b after a's send", b.pending(t), []string{msg(`{"text":"hi"}`)})
	checkFrames(t, "other group after a's send", other.pending(t), nil)

	// The sender need not be a member; a notification sends to the group too.
	other.call(t, `{"jsonrpc":"2.0","method":"group.send","params":["room", [1,2]]}`)
	checkFrames(t, "a after other's notification", a.pending(t), []string{msg(`[1,2]`)})
	checkFrames(t, "b after other's notification", b.pending(t), []string{msg(`[1,2]`)})

	b.call(t, `{"jsonrpc":"2.0","method":"group.leave","params":["room"],"id":5}`, ok(5))
	a.call(t, `{"jsonrpc":"2.0","method":"group.send","params":["room", null],"id":6}`, msg(`null`), ok(6))
	checkFrames(t, "b after leaving", b.pending(t), nil)
	checkFrames(t, "other group after leaving", other.pending(t), nil)

	// group.send is allowed over HTTP and reaches the WebSocket members.
	post(t, live, `{"jsonrpc":"2.0","method":"group.send","params":["room", "from http"],"id":7}`, ok(7))
	checkFrames(t, "a after an HTTP send", a.pending(t), []string{msg(`"from http"`)})
	checkFrames(t, "b after an HTTP send", b.pending(t), nil)
	// group.join and group.leave need a connection.
	post(t, live, `{"jsonrpc":"2.0","method":"group.join","params":["room"],"id":8}`, notFound("8"))
	post(t, live, `{"jsonrpc":"2.0","method":"group.leave","params":["room"],"id":9}`, notFound("9"))
	a.call(t, `{"jsonrpc":"2.0","method":"group.join","params":["bad name"],"id":10}`,
		invalidParams("10", `group "bad name": use letters, digits, '.', '-' and '_' (at most 99)`))
}

// savedKeys is a session store that records the keys it saves.
type savedKeys struct {
	*channels.MemorySessionStore
	mu   sync.Mutex
	keys []string
}

func (s *savedKeys) Save(ctx context.Context, key string, values channels.Content) error {
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return s.MemorySessionStore.Save(ctx, key, values)
}

// session.set and session.get use the channel session of the WebSocket:
// values persist between the calls of one connection and are not seen by
// another (the original library's session tests check both).
func TestSession(t *testing.T) {
	store := &savedKeys{MemorySessionStore: channels.NewMemorySessionStore()}
	live := startExampleWith(t, channelstest.LiveConfig{}, store)
	a, b := dialWS(live), dialWS(live)
	result := func(id int, v string) string { return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":%s}`, id, v) }

	a.call(t, `{"jsonrpc":"2.0","method":"session.get","params":["colour"],"id":1}`, result(1, "null"))
	a.call(t, `{"jsonrpc":"2.0","method":"session.set","params":{"key":"colour","value":{"rgb":[255,0,0],"name":"red"}},"id":2}`, result(2, "true"))
	a.call(t, `{"jsonrpc":"2.0","method":"session.get","params":{"key":"colour"},"id":3}`, result(3, `{"name":"red","rgb":[255,0,0]}`))
	a.call(t, `{"jsonrpc":"2.0","method":"session.set","params":["n", 42]}`) // a notification sets it too
	a.call(t, `{"jsonrpc":"2.0","method":"session.get","params":["n"],"id":4}`, result(4, "42"))
	b.call(t, `{"jsonrpc":"2.0","method":"session.get","params":["colour"],"id":5}`, result(5, "null"))

	store.mu.Lock()
	keys := slices.Compact(slices.Clone(store.keys))
	store.mu.Unlock()
	if len(keys) != 1 || len(keys[0]) != 32 || !strings.HasPrefix(keys[0], "chn") {
		t.Errorf("sessions saved under %q, want one channel session key (chn and 29 hex digits)", keys)
	}

	// Each HTTP request has a reply channel, hence a session, of its own.
	post(t, live, `{"jsonrpc":"2.0","method":"session.set","params":["colour","blue"],"id":6}`, result(6, "true"))
	post(t, live, `{"jsonrpc":"2.0","method":"session.get","params":["colour"],"id":7}`, result(7, "null"))
	a.call(t, `{"jsonrpc":"2.0","method":"session.get","params":["colour"],"id":8}`, result(8, `{"name":"red","rgb":[255,0,0]}`))
}

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

// TestClosedConnectionLeavesItsGroups: a connection that joined groups with
// group.join and then closed is no member of them any more.
func TestClosedConnectionLeavesItsGroups(t *testing.T) {
	layer := channels.NewMemoryLayer(channels.MemoryConfig{})
	routes, err := routes(channels.NewMemorySessionStore(), nil)
	if err != nil {
		t.Fatal(err)
	}
	live := channelstest.NewLiveServerConfig(t, channelstest.LiveConfig{Layer: layer}, routes...)
	conn := live.Dial("/ws/")
	for i, g := range []string{"room", "other", "room"} {
		conn.SendText(map[string]any{"jsonrpc": "2.0", "method": "group.join", "params": []string{g}, "id": i})
		conn.ReceiveText()
	}
	members := func(g string) []string {
		m, err := layer.GroupChannels(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if len(members("room")) != 1 || len(members("other")) != 1 {
		t.Fatalf("members after joining: room %v, other %v", members("room"), members("other"))
	}
	conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	conn.ReceiveClose()
	deadline := time.Now().Add(10 * time.Second)
	for len(members("room"))+len(members("other")) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after the close: room %v, other %v; want no members", members("room"), members("other"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
