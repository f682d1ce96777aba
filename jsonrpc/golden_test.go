package jsonrpc

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
)

type engGolden struct {
	name      string
	transport Transport // "" = no Call in the context
	req       string
	resp      string // "" = no response (Body nil)
}

// runEngineGolden dispatches each request and compares the body byte for byte.
func runEngineGolden(t *testing.T, r *Registry, cases []engGolden) {
	t.Helper()
	opts := &Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			if c.transport != "" {
				ctx = WithCall(ctx, &Call{Transport: c.transport})
			}
			rep := r.Dispatch(ctx, []byte(c.req), opts)
			if string(rep.Body) != c.resp {
				t.Errorf("request  %s\n got  %s\n want %s", c.req, rep.Body, c.resp)
			}
			if c.resp == "" && rep.Body != nil {
				t.Errorf("Body = %q, want nil", rep.Body)
			}
			if rep.Body != nil && !json.Valid(rep.Body) {
				t.Errorf("invalid JSON body %s", rep.Body)
			}
			if rep.ErrorCode != engWantErrorCode(c.resp) {
				t.Errorf("ErrorCode = %d, want %d", rep.ErrorCode, engWantErrorCode(c.resp))
			}
		})
	}
}

// engWantErrorCode is the code of a single error response, else 0.
func engWantErrorCode(resp string) Code {
	if !strings.HasPrefix(resp, "{") {
		return 0
	}
	var v struct {
		Error *struct {
			Code Code `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(resp), &v); err != nil || v.Error == nil {
		return 0
	}
	return v.Error.Code
}

// The examples of https://www.jsonrpc.org/specification, section 7, with
// our member order (jsonrpc, id, result|error) and compact encoding.
var goldenSpec2 = []engGolden{
	{"positional 1", "", `{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}`,
		`{"jsonrpc":"2.0","id":1,"result":19}`},
	{"positional 2", "", `{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}`,
		`{"jsonrpc":"2.0","id":2,"result":-19}`},
	{"named 1", "", `{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}`,
		`{"jsonrpc":"2.0","id":3,"result":19}`},
	{"named 2", "", `{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}`,
		`{"jsonrpc":"2.0","id":4,"result":19}`},
	{"notification update", "", `{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}`, ``},
	{"notification foobar", "", `{"jsonrpc": "2.0", "method": "foobar"}`, ``},
	{"non-existent method", "", `{"jsonrpc": "2.0", "method": "foobar", "id": "1"}`,
		`{"jsonrpc":"2.0","id":"1","error":{"code":-32601,"message":"Method not found"}}`},
	{"invalid JSON", "", `{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
	{"invalid request object", "", `{"jsonrpc": "2.0", "method": 1, "params": "bar"}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"batch invalid JSON", "", "[\n  {\"jsonrpc\": \"2.0\", \"method\": \"sum\", \"params\": [1,2,4], \"id\": \"1\"},\n  {\"jsonrpc\": \"2.0\", \"method\"\n]",
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
	{"empty array", "", `[]`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"invalid batch of one", "", `[1]`,
		`[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}]`},
	{"invalid batch", "", `[1,2,3]`,
		`[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}},` +
			`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}},` +
			`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}]`},
	{"batch", "", `[
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]`,
		`[{"jsonrpc":"2.0","id":"1","result":7},` +
			`{"jsonrpc":"2.0","id":"2","result":19},` +
			`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}},` +
			`{"jsonrpc":"2.0","id":"5","error":{"code":-32601,"message":"Method not found"}},` +
			`{"jsonrpc":"2.0","id":"9","result":["hello",5]}]`},
	{"batch of notifications", "", `[
        {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ]`, ``},
}

func TestGoldenSpec2(t *testing.T) {
	rec := &engRecorder{}
	runEngineGolden(t, newEngineRegistry(t, rec), goldenSpec2)
	got := strings.Join(rec.take(), "; ")
	want := "update [1 2 3 4 5]; notify_hello 7; notify_sum 7; notify_hello 7"
	if got != want {
		t.Errorf("notifications ran: %s\nwant %s", got, want)
	}
}

// JSON-RPC 1.0 (https://www.jsonrpc.org/specification_v1): an object
// without "jsonrpc".
var goldenV1 = []engGolden{
	{"echo", "", `{ "method": "echo", "params": ["Hello JSON-RPC"], "id": 1}`,
		`{"result":"Hello JSON-RPC","error":null,"id":1}`},
	{"notification id null", "", `{ "method": "handleMessage", "params": ["user3", "sorry, gotta go now, ttyl"], "id": null}`, ``},
	{"notification id absent", "", `{ "method": "handleMessage", "params": ["user1", "we were just talking"]}`, ``},
	{"notification to a method runs it", "", `{"method": "ping", "params": [false], "id": null}`, ``},
	{"unknown method", "", `{"method": "nope", "params": [], "id": 2}`,
		`{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":2}`},
	{"unknown method, notification", "", `{"method": "nope", "params": [], "id": null}`, ``},
	{"params absent", "", `{"method": "ping2", "id": "a"}`,
		`{"result":"pong2","error":null,"id":"a"}`},
	{"params object", "", `{"id":"2", "method":"ping2", "params":{}}`,
		`{"result":null,"error":{"code":-32602,"message":"Invalid params","data":"ping2: params must be an array, got object"},"id":"2"}`},
	{"params null", "", `{"id":"2", "method":"ping2", "params":null}`,
		`{"result":null,"error":{"code":-32602,"message":"Invalid params","data":"ping2: params must be an array, got null"},"id":"2"}`},
	{"any id type", "", `{"method": "echo", "params": ["x"], "id": {"seq": [1, 2]}}`,
		`{"result":"x","error":null,"id":{"seq": [1, 2]}}`},
	{"result null", "", `{"method": "nothing", "params": [], "id": 3}`,
		`{"result":null,"error":null,"id":3}`},
	{"application error", "", `{"method": "ping_with_error", "params": [], "id": 3}`,
		`{"result":null,"error":{"code":-32000,"message":"pong_with_error"},"id":3}`},
	{"error data", "", `{"method": "ping_with_error_data", "params": [], "id": 3}`,
		`{"result":null,"error":{"code":-32000,"message":"test_data","data":["test_data",true]},"id":3}`},
	{"panic", "", `{"method": "panics", "params": [], "id": 3}`,
		`{"result":null,"error":{"code":-32603,"message":"Internal error"},"id":3}`},
	{"wrong params", "", `{"method": "subtract", "params": [1], "id": 3}`,
		`{"result":null,"error":{"code":-32602,"message":"Invalid params","data":"subtract: want 2 params (minuend, subtrahend), got 1"},"id":3}`},
	// Neither "jsonrpc" nor "method": no telling the version, answered as 2.0.
	{"method missing", "", `{"value": "my_value"}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"empty object", "", `{}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"method not a string", "", `{"method": 1, "id": 4}`,
		`{"result":null,"error":{"code":-32600,"message":"Invalid Request"},"id":4}`},
	{"request to a notification handler", "", `{"method": "notify_hello", "params": [1], "id": 4}`,
		`{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":4}`},
	{"transport", HTTP, `{"method": "ws_only", "params": [], "id": 4}`,
		`{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":4}`},
}

func TestGoldenV1(t *testing.T) {
	rec := &engRecorder{}
	runEngineGolden(t, newEngineRegistry(t, rec), goldenV1)
	got := strings.Join(rec.take(), "; ")
	want := "handleMessage user3: sorry, gotta go now, ttyl; handleMessage user1: we were just talking; ping"
	if got != want {
		t.Errorf("side effects: %q\nwant %q", got, want)
	}
}

// The seed library's Channels 1 test vectors (django-channels-jsonrpc,
// tests.py), answered as the JSON-RPC specification requires where the
// original deviated: id null instead of an omitted id, the specification's
// error messages, -32602 instead of -32000 for bad arguments, JSON-RPC 1.0
// accepted.
var goldenSeed = []engGolden{
	{"3a value object (no version, no method: answered as 2.0)", Websocket, `{"value": "my_value"}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"3c array of strings", Websocket, `["value", "my_value"]`,
		`[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}},{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}]`},
	{"3d method missing", Websocket, `{"id":"2", "jsonrpc":"2.0", "params":{}}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32600,"message":"Invalid Request"}}`},
	{"3e method not a string", Websocket, `{"id":"2", "jsonrpc":"2.0", "method":2, "params":{}}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32600,"message":"Invalid Request"}}`},
	{"3f underscore", Websocket, `{"id":"2", "jsonrpc":"2.0", "method":"_test", "params":{}}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32601,"message":"Method not found"}}`},
	{"3h not JSON", Websocket, `sqwdw`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
	{"3i empty object", Websocket, `{}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"4 unexisting method", Websocket, `{"id": 1, "jsonrpc": "2.0", "method": "unknown_method", "params": {}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
	{"5 JSON-RPC 1.0 shape with object params", Websocket, `{"id":"2", "method":"ping2", "params":{}}`,
		`{"result":null,"error":{"code":-32602,"message":"Invalid params","data":"ping2: params must be an array, got object"},"id":"2"}`},
	{"6 unknown notification", Websocket, `{"jsonrpc":"2.0", "method":"a_notif", "params":{}}`, ``},
	{"7 method", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"ping2", "params":{}}`,
		`{"jsonrpc":"2.0","id":1,"result":"pong2"}`},
	{"8 too many params", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"ping2", "params":["test"]}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"ping2: want no params, got 1"}}`},
	{"9 params true", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"ping2", "params":true}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"ping2: params must be an array or an object, got boolean"}}`},
	{"10 good request", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"ping", "params":[false]}`,
		`{"jsonrpc":"2.0","id":1,"result":"pong"}`},
	{"11 missing argument", Websocket, `{"id":52, "jsonrpc":"2.0", "method":"ping", "params":{}}`,
		`{"jsonrpc":"2.0","id":52,"error":{"code":-32602,"message":"Invalid params","data":"ping: missing param \"fake_an_error\""}}`},
	{"12 wrong argument type", Websocket, `{"id":52, "jsonrpc":"2.0", "method":"ping", "params":["test"]}`,
		`{"jsonrpc":"2.0","id":52,"error":{"code":-32602,"message":"Invalid params","data":"ping: param \"fake_an_error\": want boolean, got string"}}`},
	{"12b handler error", Websocket, `{"id":52, "jsonrpc":"2.0", "method":"ping", "params":[true]}`,
		`{"jsonrpc":"2.0","id":52,"error":{"code":-32000,"message":"False"}}`},
	{"15 error on call", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"ping_with_error", "params":{}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"pong_with_error"}}`},
	{"16 error with data", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"ping_with_error_data", "params":{}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"test_data","data":["test_data",true]}}`},
	{"23a time result", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"test_method", "params":{}}`,
		`{"jsonrpc":"2.0","id":1,"result":{"date":"2017-04-27T10:00:00Z"}}`},
	{"25 positional binding", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"ping_set_session", "params":["name_of_function", "value_of_function"]}`,
		`{"jsonrpc":"2.0","id":1,"result":["pong_set_session","value_of_function","name_of_function"]}`},
	{"25 named binding", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"ping_get_session", "params":{"name2": "name2_of_function", "value2": "value2_of_function"}}`,
		`{"jsonrpc":"2.0","id":1,"result":["pong_get_session","value2_of_function","name2_of_function"]}`},
	{"26 method disabled for websocket", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"http_only", "params":[]}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
	{"27 notification disabled for websocket", HTTP, `{"jsonrpc":"2.0", "method":"ws_notif", "params":[]}`, ``},
	{"29 inbound notification", Websocket, `{"jsonrpc":"2.0", "method":"notif1", "params":[{"payload": true}]}`, ``},
	{"29 inbound dotted notification", Websocket, `{"jsonrpc":"2.0", "method":"notif.notif2", "params":[{"payload": 12345}]}`, ``},
	{"30 no context", Websocket, `{"id":1, "jsonrpc":"2.0", "method":"ping_true", "params":[]}`,
		`{"jsonrpc":"2.0","id":1,"result":true}`},
	{"31 unknown notification", Websocket, `{"jsonrpc":"2.0", "method":"dwqwdq", "params":[]}`, ``},
	// Section 2D, fixed.
	{"2D id null", Websocket, `{"id": null, "jsonrpc": "2.0", "method": "ping", "params": [false]}`,
		`{"jsonrpc":"2.0","id":null,"result":"pong"}`},
	{"2D params absent", Websocket, `{"id": 1, "jsonrpc": "2.0", "method": "ping"}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"ping: want 1 param (fake_an_error), got 0"}}`},
	{"2D extra named param", Websocket, `{"id": 1.5, "jsonrpc": "2.0", "method": "ping", "params": {"fake_an_error": false, "x": 1}}`,
		`{"jsonrpc":"2.0","id":1.5,"error":{"code":-32602,"message":"Invalid params","data":"ping: unknown param \"x\""}}`},
	{"2D rpc error keeps the id", Websocket, `{"id": 9, "jsonrpc": "2.0", "method": "invalid_params_error"}`,
		`{"jsonrpc":"2.0","id":9,"error":{"code":-32602,"message":"Invalid params","data":{"why":"x"}}}`},
	{"2D unlisted code", Websocket, `{"id": 9, "jsonrpc": "2.0", "method": "wrapped"}`,
		`{"jsonrpc":"2.0","id":9,"error":{"code":-32099,"message":"Server error"}}`},
	{"2D batch of one", Websocket, `[{"id": 1, "jsonrpc": "2.0", "method": "ping2"}]`,
		`[{"jsonrpc":"2.0","id":1,"result":"pong2"}]`},
}

func TestGoldenSeed(t *testing.T) {
	rec := &engRecorder{}
	runEngineGolden(t, newEngineRegistry(t, rec), goldenSeed)
	got := strings.Join(rec.take(), "; ")
	if want := "ping; notif1 true; notif2 12345; ping"; got != want {
		t.Errorf("side effects: %q, want %q", got, want)
	}
}

// allEngineGolden lists every golden request, for the fuzz corpus.
func allEngineGolden() []engGolden {
	var all []engGolden
	for _, g := range [][]engGolden{goldenSpec2, goldenRules2, goldenV1, goldenSeed} {
		all = append(all, g...)
	}
	return all
}
