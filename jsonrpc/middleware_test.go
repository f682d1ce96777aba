package jsonrpc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

type ctxKey struct{}

func TestInterceptorsWrapEveryCall(t *testing.T) {
	var r Registry
	var log []string
	logging := func(name string) Interceptor {
		return func(next Method) Method {
			return func(ctx context.Context, params json.RawMessage) (any, error) {
				c := CallFrom(ctx)
				log = append(log, fmt.Sprintf("%s> %s %s %s", name, c.Method, c.Transport, params))
				res, err := next(ctx, params)
				log = append(log, fmt.Sprintf("%s< %v %v", name, res, err))
				return res, err
			}
		}
	}
	deny := func(next Method) Method {
		return func(ctx context.Context, params json.RawMessage) (any, error) {
			if CallFrom(ctx).Method == "secret" {
				return nil, &Error{Code: -32003, Message: "Forbidden"}
			}
			return next(context.WithValue(ctx, ctxKey{}, "from the interceptor"), params)
		}
	}
	r.Use(logging("outer"), deny)
	r.Use(logging("inner")) // added later: inside the others
	r.MustRegister(func(a, b int) int { return a + b }, Name("add"), Params("a", "b"))
	r.MustRegister(func() string { return "hidden" }, Name("secret"))
	r.MustRegister(func(ctx context.Context) string {
		v, _ := ctx.Value(ctxKey{}).(string)
		return v + " via " + CallFrom(ctx).Method
	}, Name("where"))

	ctx := WithCall(context.Background(), &Call{Transport: Websocket})
	for _, tt := range []struct{ req, want string }{
		{`{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]}`, `{"jsonrpc":"2.0","id":1,"result":3}`},
		{`{"jsonrpc":"2.0","id":2,"method":"secret"}`, `{"jsonrpc":"2.0","id":2,"error":{"code":-32003,"message":"Forbidden"}}`},
		{`{"jsonrpc":"2.0","id":3,"method":"add","params":["x"]}`, `{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Invalid params","data":"add: want 2 params (a, b), got 1"}}`},
		{`{"jsonrpc":"2.0","id":4,"method":"where"}`, `{"jsonrpc":"2.0","id":4,"result":"from the interceptor via where"}`},
		{`{"jsonrpc":"2.0","id":5,"method":"nope"}`, `{"jsonrpc":"2.0","id":5,"error":{"code":-32601,"message":"Method not found"}}`},
	} {
		if got := string(r.Dispatch(ctx, []byte(tt.req), nil).Body); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.req, got, tt.want)
		}
	}
	want := []string{
		"outer> add websocket [1,2]", "inner> add websocket [1,2]", "inner< 3 <nil>", "outer< 3 <nil>",
		"outer> secret websocket ", "outer< <nil> jsonrpc: Forbidden (-32003)",
		`outer> add websocket ["x"]`, `inner> add websocket ["x"]`,
	}
	if got := strings.Join(log[:len(want)], "\n"); got != strings.Join(want, "\n") {
		t.Errorf("interceptors saw\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

func TestInterceptorPanicIsAnInternalError(t *testing.T) {
	var r Registry
	r.MustRegister(func() string { return "pong" }, Name("ping"))
	r.Use(func(next Method) Method {
		return func(ctx context.Context, params json.RawMessage) (any, error) { panic("boom") }
	})
	got := string(r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`), &Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Body)
	if want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestMustRegisterPanics(t *testing.T) {
	var r Registry
	r.MustRegister(func() {}, Name("x"))
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "already registered") {
			t.Errorf("MustRegister of a taken name: panic %v", p)
		}
	}()
	r.MustRegister(func() {}, Name("x"))
}
