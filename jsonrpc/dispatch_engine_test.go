package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

func TestCodeString(t *testing.T) {
	cases := map[Code]string{
		CodeParseError:     "Parse error",
		CodeInvalidRequest: "Invalid Request",
		CodeMethodNotFound: "Method not found",
		CodeInvalidParams:  "Invalid params",
		CodeInternalError:  "Internal error",
		CodeServerError:    "Server error",
		-32099:             "Server error",
		-32100:             "Code(-32100)",
		7:                  "Code(7)",
	}
	for c, want := range cases {
		if got := c.String(); got != want {
			t.Errorf("Code(%d).String() = %q, want %q", int(c), got, want)
		}
	}
	e := NewError(CodeInvalidParams, "", nil)
	if got := e.Error(); got != "jsonrpc: Invalid params (-32602)" {
		t.Errorf("Error() = %q", got)
	}
	wrapped := fmt.Errorf("outer: %w", NewError(5, "five", 1))
	var target *Error
	if !errors.As(wrapped, &target) || target.Code != 5 || target.Message != "five" || target.Data != 1 {
		t.Errorf("errors.As: %+v", target)
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	inputs := []string{"", "plain", "quote\" backslash\\ slash/", "<script>&amp;</script>", "\u2028\u2029", "\x7f", "é ü 漢字 🙂", "bad \xff\xfe utf8", "\xed\xa0\x80"}
	for b := 0; b < 256; b++ {
		inputs = append(inputs, string([]byte{byte(b)}), "a"+string([]byte{byte(b)})+"z")
	}
	for _, s := range inputs {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

// TestPanicIsLoggedNotLeaked: the client gets Internal error only; the log
// gets the panic value and the stack.
func TestPanicIsLoggedNotLeaked(t *testing.T) {
	var r Registry
	engMust(t, r.Register(func() string { panic("secret detail") }, Name("boom")))
	var logs bytes.Buffer
	opts := &Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	rep := r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"boom","id":1}`), opts)
	if want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}`; string(rep.Body) != want {
		t.Fatalf("got %s", rep.Body)
	}
	if rep.ErrorCode != CodeInternalError {
		t.Errorf("ErrorCode %d", rep.ErrorCode)
	}
	var entry map[string]any
	if err := json.Unmarshal(logs.Bytes(), &entry); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	if entry["level"] != "ERROR" || entry["method"] != "boom" || entry["panic"] != "secret detail" {
		t.Errorf("log entry %v", entry)
	}
	if stack, _ := entry["stack"].(string); !strings.Contains(stack, "goroutine") || !strings.Contains(stack, "dispatch_engine_test.go") {
		t.Errorf("stack %q", stack)
	}
}

func TestNotificationFailureLoggedAtDebug(t *testing.T) {
	var r Registry
	engMust(t, r.Register(func() error { return errors.New("nope") }, Name("fails")))
	var logs bytes.Buffer
	opts := &Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	rep := r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"fails"}`), opts)
	if rep.Body != nil || rep.ErrorCode != 0 {
		t.Fatalf("reply %+v", rep)
	}
	if !strings.Contains(logs.String(), "level=DEBUG") || !strings.Contains(logs.String(), "error=nope") {
		t.Errorf("log %q", logs.String())
	}
}

// TestCallCopy: handlers see a copy of the glue's Call, completed; the
// glue's Call is not modified.
func TestCallCopy(t *testing.T) {
	var r Registry
	type seen struct {
		call Call
		msg  *channels.Message
	}
	var got []seen
	engMust(t, r.Register(func(ctx context.Context) {
		c := CallFrom(ctx)
		got = append(got, seen{*c, MessageFrom(ctx)})
		c.Method = "mutated"
	}, Name("look")))
	msg := &channels.Message{Channel: "websocket.receive"}
	consumer := &struct{ name string }{"mine"}
	orig := &Call{Transport: Websocket, Message: msg, Consumer: consumer}
	ctx := WithCall(context.Background(), orig)
	r.Dispatch(ctx, []byte(`[{"jsonrpc":"2.0","method":"look","id":"a"},{"jsonrpc":"2.0","method":"look"},{"method":"look","params":[],"id":3}]`), nil)
	if orig.Transport != Websocket || orig.Version != "" || orig.Method != "" || orig.ID != nil || orig.Message != msg || orig.Consumer != consumer {
		t.Errorf("glue's Call modified: %+v", orig)
	}
	if len(got) != 2 { // the 1.0 request inside a batch is invalid
		t.Fatalf("%d calls", len(got))
	}
	r.Dispatch(ctx, []byte(`{"method":"look","params":[],"id":3}`), nil)
	want := []struct {
		version, id string
	}{{"2.0", `"a"`}, {"2.0", ""}, {"1.0", "3"}}
	for i, w := range want {
		c := got[i].call
		if c.Transport != Websocket || c.Version != w.version || c.Method != "look" || string(c.ID) != w.id || c.Message != msg || c.Consumer != consumer || got[i].msg != msg {
			t.Errorf("call %d: %+v", i, c)
		}
		if (w.id == "") != (c.ID == nil) || c.IsNotification() != (w.id == "") {
			t.Errorf("call %d: ID %q", i, c.ID)
		}
	}
	if CallFrom(context.Background()) != nil || MessageFrom(context.Background()) != nil {
		t.Error("CallFrom of an empty context")
	}
}

// TestPerCallContextUnderConcurrency is the seed library's thread-safety
// test: every call sees its own message, never another's.
func TestPerCallContextUnderConcurrency(t *testing.T) {
	var r Registry
	engMust(t, r.Register(func(ctx context.Context) string {
		return MessageFrom(ctx).Content().String("payload")
	}, Name("payload")))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				p := fmt.Sprintf("test%d-%d", g, i)
				msg := channels.NewMessage("", channels.Content{"payload": p})
				ctx := WithCall(context.Background(), &Call{Transport: Websocket, Message: msg})
				rep := r.Dispatch(ctx, []byte(`{"jsonrpc":"2.0","method":"payload","id":1}`), nil)
				if want := `{"jsonrpc":"2.0","id":1,"result":"` + p + `"}`; string(rep.Body) != want {
					t.Errorf("got %s, want %s", rep.Body, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestConcurrentRegisterAndDispatch(t *testing.T) {
	var r Registry
	engMust(t, r.Register(func() int { return 1 }, Name("one")))
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			if err := r.Register(func() int { return i }, Name(fmt.Sprintf("m%d", i))); err != nil {
				t.Error(err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			rep := r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"one","id":1}`), nil)
			if string(rep.Body) != `{"jsonrpc":"2.0","id":1,"result":1}` {
				t.Errorf("got %s", rep.Body)
			}
			_ = r.Methods()
		}
	}()
	wg.Wait()
	if n := len(r.Methods()); n != 201 {
		t.Errorf("%d methods", n)
	}
	rep := r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"m199","id":1}`), nil)
	if string(rep.Body) != `{"jsonrpc":"2.0","id":1,"result":199}` {
		t.Errorf("got %s", rep.Body)
	}
}

func TestNilRegistryAndOptions(t *testing.T) {
	var r *Registry
	rep := r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"x","id":1}`), nil)
	if want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`; string(rep.Body) != want || rep.ErrorCode != CodeMethodNotFound {
		t.Errorf("got %s %d", rep.Body, rep.ErrorCode)
	}
	if len(r.Methods()) != 0 {
		t.Error("methods of a nil registry")
	}
	var nilCtx context.Context
	var zero Registry
	rep = zero.Dispatch(nilCtx, []byte(`[]`), &Options{})
	if rep.ErrorCode != CodeInvalidRequest {
		t.Errorf("got %s", rep.Body)
	}
}

func TestMaxBatch(t *testing.T) {
	var r Registry
	engMust(t, r.Register(func() int { return 1 }, Name("one")))
	batch := func(n int) []byte {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`{"jsonrpc":"2.0","method":"one","id":%d}`, i)
		}
		return []byte("[" + strings.Join(parts, ",") + "]")
	}
	count := func(body []byte) int {
		var out []json.RawMessage
		if err := json.Unmarshal(body, &out); err != nil {
			return -1
		}
		return len(out)
	}
	if n := count(r.Dispatch(context.Background(), batch(100), nil).Body); n != 100 {
		t.Errorf("default limit: batch of 100 gave %d responses", n)
	}
	rep := r.Dispatch(context.Background(), batch(101), nil)
	if want := `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request","data":"batch of 101 requests exceeds the limit of 100"}}`; string(rep.Body) != want || rep.ErrorCode != CodeInvalidRequest {
		t.Errorf("got %s", rep.Body)
	}
	rep = r.Dispatch(context.Background(), batch(3), &Options{MaxBatch: 2})
	if want := `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request","data":"batch of 3 requests exceeds the limit of 2"}}`; string(rep.Body) != want {
		t.Errorf("got %s", rep.Body)
	}
	if n := count(r.Dispatch(context.Background(), batch(500), &Options{MaxBatch: -1}).Body); n != 500 {
		t.Errorf("no limit: %d responses", n)
	}
	if rep := r.Dispatch(context.Background(), batch(2), nil); rep.ErrorCode != 0 {
		t.Errorf("ErrorCode %d for a batch", rep.ErrorCode)
	}
}

// upperEncoder is a custom Encoder: strings upper-cased, with a trailing
// newline like json.Encoder; it refuses floats and emits garbage for bools.
type engUpperEncoder struct{}

func (engUpperEncoder) Marshal(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		b, err := json.Marshal(strings.ToUpper(v))
		return append(b, '\n'), err
	case float64:
		return nil, errors.New("no floats")
	case bool:
		return []byte("{not json"), nil
	}
	return json.Marshal(v)
}

func TestCustomEncoder(t *testing.T) {
	var r Registry
	engMust(t, r.Register(func() string { return "hi" }, Name("s")))
	engMust(t, r.Register(func() float64 { return 1.5 }, Name("f")))
	engMust(t, r.Register(func() bool { return true }, Name("b")))
	engMust(t, r.Register(func() error { return NewError(1, "m", "data") }, Name("e")))
	engMust(t, r.Register(func() error { return NewError(1, "m", 2.5) }, Name("ef")))
	opts := &Options{Encoder: engUpperEncoder{}, Logger: slog.New(slog.DiscardHandler)}
	cases := map[string]string{
		"s":  `{"jsonrpc":"2.0","id":1,"result":"HI"}`,
		"f":  `{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}`,
		"b":  `{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}`,
		"e":  `{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","data":"DATA"}}`,
		"ef": `{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}`,
	}
	for m, want := range cases {
		rep := r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"`+m+`","id":1}`), opts)
		if string(rep.Body) != want {
			t.Errorf("%s: got %s, want %s", m, rep.Body, want)
		}
	}
	// A pointer to JSONEncoder is the default encoder too.
	rep := r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"f","id":1}`), &Options{Encoder: &JSONEncoder{}})
	if want := `{"jsonrpc":"2.0","id":1,"result":1.5}`; string(rep.Body) != want {
		t.Errorf("got %s", rep.Body)
	}
}

// TestResultEncodingMatchesEncodingJSON: the fast paths for predeclared
// types give what json.Marshal gives.
// loud and loudCount are of a predeclared type's kind, with a MarshalJSON
// of their own, which the result's encoding must use.
type (
	loud      string
	loudCount int
)

func (l loud) MarshalJSON() ([]byte, error) { return json.Marshal(strings.ToUpper(string(l))) }
func (n loudCount) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strings.Repeat("!", int(n)) + `"`), nil
}

func TestResultEncodingMatchesEncodingJSON(t *testing.T) {
	type named string
	values := []any{"x<>&\u2028", true, false, int8(-8), int64(-1 << 63), uint64(1<<64 - 1), uint8(255), 1.5, float32(0.1), 1e21, 1e-7, named("n"), loud("hi"), loudCount(3), []byte("hi"), nil, map[string]int{"b": 1, "a": 2}, json.RawMessage(`{ "a" : 1 }`)}
	for _, v := range values {
		var r Registry
		engMust(t, r.Register(func() any { return v }, Name("v")))
		rep := r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"v","id":1}`), nil)
		want, _ := json.Marshal(v)
		if got := string(rep.Body); got != `{"jsonrpc":"2.0","id":1,"result":`+string(want)+`}` {
			t.Errorf("%T %v: got %s, want result %s", v, v, got, want)
		}
	}
}

func BenchmarkDispatchPing(b *testing.B) {
	var r Registry
	if err := r.Register(func(ctx context.Context) (string, error) { return "pong", nil }, Name("ping")); err != nil {
		b.Fatal(err)
	}
	ctx := WithCall(context.Background(), &Call{Transport: Websocket})
	payload := []byte(`{"jsonrpc":"2.0","method":"ping","id":1}`)
	want := `{"jsonrpc":"2.0","id":1,"result":"pong"}`
	if got := r.Dispatch(ctx, payload, nil); string(got.Body) != want {
		b.Fatalf("got %s", got.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.Dispatch(ctx, payload, nil)
	}
}

func BenchmarkDispatchSubtractNamed(b *testing.B) {
	var r Registry
	if err := r.Register(func(a, b int) int { return a - b }, Name("subtract"), Params("minuend", "subtrahend")); err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":4}`)
	b.ReportAllocs()
	for b.Loop() {
		r.Dispatch(context.Background(), payload, nil)
	}
}

func BenchmarkDispatchBatch10(b *testing.B) {
	var r Registry
	if err := r.Register(func() string { return "pong" }, Name("ping")); err != nil {
		b.Fatal(err)
	}
	parts := make([]string, 10)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"jsonrpc":"2.0","method":"ping","id":%d}`, i)
	}
	payload := []byte("[" + strings.Join(parts, ",") + "]")
	b.ReportAllocs()
	for b.Loop() {
		r.Dispatch(context.Background(), payload, nil)
	}
}
