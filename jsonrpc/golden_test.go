package jsonrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder collects what notification handlers saw.
type engRecorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *engRecorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
}

func (r *engRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

// panicky has a MarshalJSON that panics.
type engPanicky struct{}

func (engPanicky) MarshalJSON() ([]byte, error) { panic("marshal boom") }

// point is a struct param: named or positional by field.
type engPoint struct {
	X     int     `json:"x"`
	Y     int     `json:"y"`
	Label *string `json:"label"`
}

func engMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newGoldenRegistry registers the methods the golden tables call.
func newEngineRegistry(t testing.TB, rec *engRecorder) *Registry {
	r := &Registry{}
	reg := func(fn any, opts ...Option) { t.Helper(); engMust(t, r.Register(fn, opts...)) }
	notif := func(fn any, opts ...Option) { t.Helper(); engMust(t, r.RegisterNotification(fn, opts...)) }
	sum := func(nums ...int) int {
		s := 0
		for _, n := range nums {
			s += n
		}
		return s
	}

	// The JSON-RPC 2.0 specification's examples.
	reg(func(minuend, subtrahend int) int { return minuend - subtrahend }, Name("subtract"), Params("minuend", "subtrahend"))
	reg(sum, Name("sum"))
	reg(func() []any { return []any{"hello", 5} }, Name("get_data"))
	notif(func(nums ...int) { rec.add("update %v", nums) }, Name("update"))
	notif(func(n int) { rec.add("notify_hello %d", n) }, Name("notify_hello"))
	notif(func(nums ...int) { rec.add("notify_sum %d", sum(nums...)) }, Name("notify_sum"))

	// The JSON-RPC 1.0 specification's examples.
	reg(func(s string) string { return s }, Name("echo"))
	notif(func(user, msg string) { rec.add("handleMessage %s: %s", user, msg) }, Name("handleMessage"))

	// The seed library's test handlers (section 2A).
	reg(func(fake bool) (string, error) {
		if fake {
			return "", errors.New("False")
		}
		rec.add("ping")
		return "pong", nil
	}, Name("ping"), Params("fake_an_error"))
	reg(func() string { return "pong2" }, Name("ping2"))
	reg(func() (string, error) { return "", errors.New("pong_with_error") }, Name("ping_with_error"))
	reg(func() error { return NewError(CodeServerError, "test_data", []any{"test_data", true}) }, Name("ping_with_error_data"))
	reg(func(name, value string) []string { return []string{"pong_set_session", value, name} },
		Name("ping_set_session"), Params("name", "value"))
	reg(func(value2, name2 string) []string { return []string{"pong_get_session", value2, name2} },
		Name("ping_get_session"), Params("value2", "name2"))
	notif(func(p map[string]any) { rec.add("notif1 %v", p["payload"]) }, Name("notif1"))
	notif(func(p map[string]any) { rec.add("notif2 %v", p["payload"]) }, Name("notif.notif2"))
	reg(func() bool { return true }, Name("ping_true"))
	reg(func() map[string]time.Time {
		return map[string]time.Time{"date": time.Date(2017, 4, 27, 10, 0, 0, 0, time.UTC)}
	},
		Name("test_method"))

	// Transports.
	reg(func() string { return "ws" }, Name("ws_only"), OnlyWebsocket())
	reg(func() string { return "http" }, Name("http_only"), OnlyHTTP())
	notif(func() { rec.add("ws_notif") }, Name("ws_notif"), OnlyWebsocket())

	// Results and errors.
	reg(func() {}, Name("nothing"))
	reg(func() (*engPoint, error) { return nil, nil }, Name("nil_pointer"))
	reg(func() string { return "<b>\u2028&" }, Name("html"))
	reg(func() error { return errors.New("") }, Name("fail_empty"))
	reg(func() error { return NewError(CodeInvalidParams, "", map[string]string{"why": "x"}) }, Name("invalid_params_error"))
	reg(func() error { return fmt.Errorf("wrapped: %w", NewError(-32099, "", nil)) }, Name("wrapped"))
	reg(func() error { return NewError(42, "teapot", nil) }, Name("custom_code"))
	reg(func() error { return NewError(42, "", nil) }, Name("custom_code_no_message"))
	reg(func() error { return NewError(CodeServerError, "x", make(chan int)) }, Name("bad_data"))
	reg(func() any { return make(chan int) }, Name("unencodable"))
	reg(func() string { panic("secret detail") }, Name("panics"))
	notif(func() { panic("secret detail") }, Name("panics_notif"))
	reg(func() any { return engPanicky{} }, Name("marshal_panics"))
	reg(func() error { var e *Error; return e }, Name("nil_rpc_error"))

	// Params.
	reg(func(p engPoint) string {
		label := "-"
		if p.Label != nil {
			label = *p.Label
		}
		return fmt.Sprintf("%d,%d,%s", p.X, p.Y, label)
	}, Name("point"))
	reg(func(ctx context.Context, p *engPoint) int { return p.X + p.Y }, Name("point_ptr"))
	reg(func(a int, b string) string { return fmt.Sprintf("%d %s", a, b) }, Name("unnamed"))
	reg(func(prefix string, rest ...int) string { return fmt.Sprint(prefix, rest) }, Name("variadic"), Params("prefix", "rest"))
	reg(func(ctx context.Context) map[string]any {
		c := CallFrom(ctx)
		return map[string]any{"transport": c.Transport, "version": c.Version, "method": c.Method, "id": c.ID}
	}, Name("ctxinfo"))
	return r
}

type engGolden struct {
	name      string
	transport Transport // "" = no Call in the context
	req       string
	resp      string // "" = no response (Body nil)
}

// runGolden dispatches each request and compares the body byte for byte.
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

// wantErrorCode is the code of a single error response, else 0.
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

// Every rule of JSON-RPC 2.0 the engine implements.
var goldenRules2 = []engGolden{
	// Requests and ids.
	{"id string echoed verbatim", "", `{"jsonrpc":"2.0","method":"ping2","id":"a\u00e9\"b"}`,
		`{"jsonrpc":"2.0","id":"a\u00e9\"b","result":"pong2"}`},
	{"id number echoed verbatim", "", `{"jsonrpc":"2.0","method":"ping2","id":1.50e+3}`,
		`{"jsonrpc":"2.0","id":1.50e+3,"result":"pong2"}`},
	{"id big number", "", `{"jsonrpc":"2.0","method":"ping2","id":123456789012345678901234567890}`,
		`{"jsonrpc":"2.0","id":123456789012345678901234567890,"result":"pong2"}`},
	{"id zero is a request", "", `{"id": 0, "jsonrpc": "2.0", "method": "ping", "params": [false]}`,
		`{"jsonrpc":"2.0","id":0,"result":"pong"}`},
	{"id null is a request", "", `{"id": null, "jsonrpc": "2.0", "method": "ping", "params": [false]}`,
		`{"jsonrpc":"2.0","id":null,"result":"pong"}`},
	{"id object", "", `{"id": {"a":1}, "jsonrpc": "2.0", "method": "ping", "params": [false]}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"id array", "", `{"id": [1], "jsonrpc": "2.0", "method": "ping2"}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"id boolean", "", `{"id": true, "jsonrpc": "2.0", "method": "ping2"}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"result null present", "", `{"jsonrpc":"2.0","method":"nothing","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":null}`},
	{"result nil pointer", "", `{"jsonrpc":"2.0","method":"nil_pointer","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":null}`},
	{"result escaped like encoding/json", "", `{"jsonrpc":"2.0","method":"html","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"\u003cb\u003e\u2028\u0026"}`},
	{"members in any order, whitespace", "", " \n{ \"id\" : 7 ,\"params\":[ ],\t\"method\" :\"ping2\", \"jsonrpc\":\"2.0\" } \n",
		`{"jsonrpc":"2.0","id":7,"result":"pong2"}`},
	{"escaped member names and method", "", `{"\u006aSONrpc":"x","jsonrpc":"\u0032.0","\u006dethod":"ping\u0032","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"pong2"}`},
	{"member names are case-sensitive", "", `{"jsonrpc":"2.0","Method":"ping2","id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"repeated member: last wins", "", `{"jsonrpc":"2.0","method":"nope","method":"ping2","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"pong2"}`},
	{"extra members ignored", "", `{"jsonrpc":"2.0","method":"ping2","id":1,"extra":{"a":[1,2]}}`,
		`{"jsonrpc":"2.0","id":1,"result":"pong2"}`},

	// Invalid requests.
	{"jsonrpc 1.0", "", `{"id": 1, "jsonrpc": "1.0", "method": "ping", "params": [false]}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"jsonrpc number", "", `{"id": 1, "jsonrpc": 2.0, "method": "ping2"}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"jsonrpc null", "", `{"id": "x", "jsonrpc": null, "method": "ping2"}`,
		`{"jsonrpc":"2.0","id":"x","error":{"code":-32600,"message":"Invalid Request"}}`},
	{"jsonrpc wrong, no id", "", `{"jsonrpc": "2.0 ", "method": "ping2"}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"jsonrpc wrong, bad id", "", `{"jsonrpc": "3", "method": "ping2", "id": {}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"method missing", "", `{"id":"2", "jsonrpc":"2.0", "params":{}}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32600,"message":"Invalid Request"}}`},
	{"method number", "", `{"id":"2", "jsonrpc":"2.0", "method":2, "params":{}}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32600,"message":"Invalid Request"}}`},
	{"method null", "", `{"id":3, "jsonrpc":"2.0", "method":null}`,
		`{"jsonrpc":"2.0","id":3,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"method missing in a notification is answered", "", `{"jsonrpc":"2.0"}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"number", "", `5`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"string", "", `"x"`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"true", "", `true`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"null", "", `null`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"empty payload", "", ``,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
	{"whitespace payload", "", " \n ",
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
	{"trailing garbage", "", `{"jsonrpc":"2.0","method":"ping2","id":1} x`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
	{"two objects", "", `{"jsonrpc":"2.0","method":"ping2","id":1}{"jsonrpc":"2.0","method":"ping2","id":2}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
	{"invalid UTF-8 becomes U+FFFD", "", "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"a\xffb\"],\"id\":1}",
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"a\uFFFDb\"}"},
	{"an id with invalid UTF-8 is echoed as valid UTF-8", "", "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":\"\xff\"}",
		"{\"jsonrpc\":\"2.0\",\"id\":\"\uFFFD\",\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}"},

	// Method lookup.
	{"unknown method", "", `{"id": 1, "jsonrpc": "2.0", "method": "unknown_method", "params": {}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
	{"empty method name", "", `{"id": 1, "jsonrpc": "2.0", "method": "", "params": []}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
	{"underscore name", "", `{"id":"2", "jsonrpc":"2.0", "method":"_test", "params":{}}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32601,"message":"Method not found"}}`},
	{"escaped underscore name", "", `{"id":"2", "jsonrpc":"2.0", "method":"\u005fping2"}`,
		`{"jsonrpc":"2.0","id":"2","error":{"code":-32601,"message":"Method not found"}}`},
	{"rpc. names are reserved", "", `{"id":1, "jsonrpc":"2.0", "method":"rpc.ping"}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
	{"request to a notification handler", "", `{"id":1, "jsonrpc":"2.0", "method":"notify_hello", "params":[7]}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
	{"notification to a method runs it", "", `{"jsonrpc": "2.0", "method": "ping", "params": [false]}`, ``},
	{"notification with unknown method", "", `{"jsonrpc":"2.0", "method":"a_notif", "params":{}}`, ``},
	{"notification with bad params", "", `{"jsonrpc":"2.0", "method":"subtract", "params":"x"}`, ``},
	{"notification with wrong param types", "", `{"jsonrpc":"2.0", "method":"subtract", "params":["a","b"]}`, ``},
	{"notification that fails", "", `{"jsonrpc":"2.0", "method":"ping_with_error"}`, ``},
	{"notification that panics", "", `{"jsonrpc":"2.0", "method":"panics_notif"}`, ``},
	{"notification with unencodable result", "", `{"jsonrpc":"2.0", "method":"unencodable"}`, ``},

	// Transports.
	{"websocket method over websocket", Websocket, `{"jsonrpc":"2.0","method":"ws_only","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"ws"}`},
	{"websocket method over http", HTTP, `{"jsonrpc":"2.0","method":"ws_only","id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
	{"http method over websocket", Websocket, `{"jsonrpc":"2.0","method":"http_only","id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
	{"http method over http", HTTP, `{"jsonrpc":"2.0","method":"http_only","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"http"}`},
	{"restricted method without transport", "", `{"jsonrpc":"2.0","method":"http_only","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"http"}`},
	{"restricted method over another transport", "tcp", `{"jsonrpc":"2.0","method":"http_only","id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
	{"unrestricted method over another transport", "tcp", `{"jsonrpc":"2.0","method":"ping2","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"pong2"}`},
	{"call info over websocket", Websocket, `{"jsonrpc":"2.0","method":"ctxinfo","id":"x"}`,
		`{"jsonrpc":"2.0","id":"x","result":{"id":"x","method":"ctxinfo","transport":"websocket","version":"2.0"}}`},
	{"call info without call", "", `{"method":"ctxinfo","id":[1]}`,
		`{"result":{"id":[1],"method":"ctxinfo","transport":"","version":"1.0"},"error":null,"id":[1]}`},

	// Params.
	{"params absent", "", `{"jsonrpc":"2.0","method":"sum","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":0}`},
	{"params empty object for no params", "", `{"jsonrpc":"2.0","method":"ping2","params":{},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"pong2"}`},
	{"params null", "", `{"id":1,"jsonrpc":"2.0","method":"ping","params":null}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"ping: params must be an array or an object, got null"}}`},
	{"params true", "", `{"id":1, "jsonrpc":"2.0", "method":"ping2", "params":true}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"ping2: params must be an array or an object, got boolean"}}`},
	{"params string", "", `{"id":1, "jsonrpc":"2.0", "method":"ping2", "params":"bar"}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"ping2: params must be an array or an object, got string"}}`},
	{"too many params", "", `{"jsonrpc":"2.0","method":"subtract","params":[1,2,3],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"subtract: want 2 params (minuend, subtrahend), got 3"}}`},
	{"too few params", "", `{"jsonrpc":"2.0","method":"subtract","params":[1],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"subtract: want 2 params (minuend, subtrahend), got 1"}}`},
	{"wrong param type", "", `{"jsonrpc":"2.0","method":"subtract","params":[1,"2"],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"subtract: param \"subtrahend\": want integer, got string"}}`},
	{"missing named param", "", `{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"subtract: missing param \"subtrahend\""}}`},
	{"unknown named param", "", `{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1,"subtrahend":2,"c":3},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"subtract: unknown param \"c\""}}`},
	{"integral float into int", "", `{"jsonrpc":"2.0","method":"subtract","params":[4.0,1e1],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":-6}`},
	{"fraction into int", "", `{"jsonrpc":"2.0","method":"subtract","params":[4.5,1],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"subtract: param \"minuend\": want integer, got number 4.5"}}`},
	{"int out of range", "", `{"jsonrpc":"2.0","method":"subtract","params":[1e19,1],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"subtract: param \"minuend\": want integer between -9223372036854775808 and 9223372036854775807, got number 1e19"}}`},
	{"unnamed params by position", "", `{"jsonrpc":"2.0","method":"unnamed","params":[1,"x"],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"1 x"}`},
	{"unnamed params by name", "", `{"jsonrpc":"2.0","method":"unnamed","params":{"a":1},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"unnamed: params must be given by position (an array)"}}`},
	{"unnamed param wrong type", "", `{"jsonrpc":"2.0","method":"unnamed","params":[1,2],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"unnamed: params[1]: want string, got number 2"}}`},
	{"unnamed count", "", `{"jsonrpc":"2.0","method":"unnamed","params":[],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"unnamed: want 2 params, got 0"}}`},
	{"no params wanted", "", `{"id":1, "jsonrpc":"2.0", "method":"ping2", "params":["test"]}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"ping2: want no params, got 1"}}`},
	{"no params wanted, named", "", `{"id":1, "jsonrpc":"2.0", "method":"ping2", "params":{"x":1}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"ping2: unknown param \"x\""}}`},
	{"variadic positional", "", `{"jsonrpc":"2.0","method":"variadic","params":["p",1,2,3],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"p[1 2 3]"}`},
	{"variadic empty", "", `{"jsonrpc":"2.0","method":"variadic","params":["p"],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"p[]"}`},
	{"variadic named", "", `{"jsonrpc":"2.0","method":"variadic","params":{"rest":[4,5],"prefix":"q"},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"q[4 5]"}`},
	{"variadic named absent", "", `{"jsonrpc":"2.0","method":"variadic","params":{"prefix":"q"},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"q[]"}`},
	{"variadic too few", "", `{"jsonrpc":"2.0","method":"variadic","params":[],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"variadic: want at least 1 param (prefix, rest...), got 0"}}`},
	{"variadic element wrong type", "", `{"jsonrpc":"2.0","method":"variadic","params":["p",1,"x"],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"variadic: param \"rest\"[1]: want integer, got string"}}`},
	{"variadic named not an array", "", `{"jsonrpc":"2.0","method":"variadic","params":{"prefix":"q","rest":1},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"variadic: param \"rest\": want array, got number 1"}}`},
	{"struct by name", "", `{"jsonrpc":"2.0","method":"point","params":{"y":2,"x":1,"label":"a"},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"1,2,a"}`},
	{"struct by position", "", `{"jsonrpc":"2.0","method":"point","params":[1,2],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"1,2,-"}`},
	{"struct optional field null", "", `{"jsonrpc":"2.0","method":"point","params":[1,2,null],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":"1,2,-"}`},
	{"struct missing field", "", `{"jsonrpc":"2.0","method":"point","params":{"x":1},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"point: missing param \"y\""}}`},
	{"struct unknown field", "", `{"jsonrpc":"2.0","method":"point","params":{"x":1,"y":2,"X":3},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"point: unknown param \"X\""}}`},
	{"struct too many", "", `{"jsonrpc":"2.0","method":"point","params":[1,2,"a",4],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"point: want 2 to 3 params (x, y, label), got 4"}}`},
	{"struct field wrong type", "", `{"jsonrpc":"2.0","method":"point","params":[1,2,3],"id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"point: param \"label\": want string, got number 3"}}`},
	{"struct pointer with ctx", "", `{"jsonrpc":"2.0","method":"point_ptr","params":{"x":1,"y":2},"id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":3}`},
	{"struct params absent", "", `{"jsonrpc":"2.0","method":"point_ptr","id":1}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":"point_ptr: want 2 to 3 params (x, y, label), got 0"}}`},

	// Handler errors.
	{"plain error", "", `{"id":1, "jsonrpc":"2.0", "method":"ping_with_error", "params":{}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"pong_with_error"}}`},
	{"plain error without text", "", `{"id":1, "jsonrpc":"2.0", "method":"fail_empty"}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"Server error"}}`},
	{"rpc error with data", "", `{"id":1, "jsonrpc":"2.0", "method":"ping_with_error_data", "params":{}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"test_data","data":["test_data",true]}}`},
	{"rpc error default message keeps id", "", `{"id":1, "jsonrpc":"2.0", "method":"invalid_params_error"}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid params","data":{"why":"x"}}}`},
	{"wrapped rpc error", "", `{"id":7, "jsonrpc":"2.0", "method":"wrapped"}`,
		`{"jsonrpc":"2.0","id":7,"error":{"code":-32099,"message":"Server error"}}`},
	{"application code", "", `{"id":7, "jsonrpc":"2.0", "method":"custom_code"}`,
		`{"jsonrpc":"2.0","id":7,"error":{"code":42,"message":"teapot"}}`},
	{"application code without message", "", `{"id":7, "jsonrpc":"2.0", "method":"custom_code_no_message"}`,
		`{"jsonrpc":"2.0","id":7,"error":{"code":42,"message":"Application error"}}`},
	{"unencodable error data", "", `{"id":7, "jsonrpc":"2.0", "method":"bad_data"}`,
		`{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"Internal error"}}`},
	{"unencodable result", "", `{"id":7, "jsonrpc":"2.0", "method":"unencodable"}`,
		`{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"Internal error"}}`},
	{"panic", "", `{"id":7, "jsonrpc":"2.0", "method":"panics"}`,
		`{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"Internal error"}}`},
	{"panic while encoding", "", `{"id":7, "jsonrpc":"2.0", "method":"marshal_panics"}`,
		`{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"Internal error"}}`},
	{"nil *Error", "", `{"id":7, "jsonrpc":"2.0", "method":"nil_rpc_error"}`,
		`{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"Internal error"}}`},

	// Batches.
	{"batch keeps order and ids", "", `[{"jsonrpc":"2.0","method":"subtract","params":[3,1],"id":"b"},{"jsonrpc":"2.0","method":"subtract","params":[1,3],"id":"a"}]`,
		`[{"jsonrpc":"2.0","id":"b","result":2},{"jsonrpc":"2.0","id":"a","result":-2}]`},
	{"batch with a panic", "", `[{"jsonrpc":"2.0","method":"panics","id":1},{"jsonrpc":"2.0","method":"ping2","id":2}]`,
		`[{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}},{"jsonrpc":"2.0","id":2,"result":"pong2"}]`},
	{"batch with notifications and errors", "", `[{"jsonrpc":"2.0","method":"nope"},{"jsonrpc":"2.0","method":"ping2","id":1},{"jsonrpc":"2.0","method":"ping2"}]`,
		`[{"jsonrpc":"2.0","id":1,"result":"pong2"}]`},
	{"batch elements must be 2.0", "", `[{"method":"ping2","id":1},{"jsonrpc":"2.0","method":"ping2","id":2}]`,
		`[{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"Invalid Request"}},{"jsonrpc":"2.0","id":2,"result":"pong2"}]`},
	{"nested batch", "", `[[{"jsonrpc":"2.0","method":"ping2","id":1}]]`,
		`[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}]`},
	{"empty batch with whitespace", "", " [ \n ] ",
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
	{"batch of non-objects", "", `["value", "my_value"]`,
		`[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}},{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}]`},
	{"batch with encoding escapes", "", `[{"jsonrpc":"2.0","method":"html","id":1}]`,
		`[{"jsonrpc":"2.0","id":1,"result":"\u003cb\u003e\u2028\u0026"}]`},
}

func TestGoldenRules2(t *testing.T) {
	rec := &engRecorder{}
	runEngineGolden(t, newEngineRegistry(t, rec), goldenRules2)
	got := strings.Join(rec.take(), "; ")
	if want := "ping; ping; ping"; got != want { // id 0, id null, notification to a method
		t.Errorf("side effects: %q, want %q", got, want)
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

// allGolden lists every golden request, for the fuzz corpus.
func allEngineGolden() []engGolden {
	var all []engGolden
	for _, g := range [][]engGolden{goldenSpec2, goldenRules2, goldenV1, goldenSeed} {
		all = append(all, g...)
	}
	return all
}
