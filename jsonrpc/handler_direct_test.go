package jsonrpc

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"testing"
)

// Named function types are not the func types directCallOf switches on:
// registering a function as one of these makes it go through reflect, for
// comparison.
type (
	reflectedString    func() string
	reflectedCtxAnyErr func(context.Context) (any, error)
	reflectedFloatErr  func() (float64, error)
	reflectedCtxInt    func(context.Context) int
	reflectedErr       func() error
	reflectedCtxErr    func(context.Context) error
	reflectedBool      func() bool
	reflectedInt64Err  func() (int64, error)
)

// TestDirectCallsAnswerAsReflect checks that a function called directly
// is answered, for every kind of request, as the same function called
// through reflect.
func TestDirectCallsAnswerAsReflect(t *testing.T) {
	called := func(ctx context.Context) bool { return CallFrom(ctx) != nil && CallFrom(ctx).Method == "m" }
	cases := []struct {
		name      string
		direct    any
		reflected any
	}{
		{"string", func() string { return "pong" }, reflectedString(func() string { return "pong" })},
		{"any from context", func(ctx context.Context) (any, error) { return map[string]bool{"called": called(ctx)}, nil },
			reflectedCtxAnyErr(func(ctx context.Context) (any, error) { return map[string]bool{"called": called(ctx)}, nil })},
		{"nil any", func(context.Context) (any, error) { return nil, nil }, reflectedCtxAnyErr(func(context.Context) (any, error) { return nil, nil })},
		{"error", func() (float64, error) { return 1.5, errors.New("failed") }, reflectedFloatErr(func() (float64, error) { return 1.5, errors.New("failed") })},
		{"rpc error", func() (float64, error) { return 0, NewError(7, "seven", []int{7}) }, reflectedFloatErr(func() (float64, error) { return 0, NewError(7, "seven", []int{7}) })},
		{"float", func() (float64, error) { return 0.1, nil }, reflectedFloatErr(func() (float64, error) { return 0.1, nil })},
		{"int with context", func(ctx context.Context) int { return len(CallFrom(ctx).Method) }, reflectedCtxInt(func(ctx context.Context) int { return len(CallFrom(ctx).Method) })},
		{"error only", func() error { return nil }, reflectedErr(func() error { return nil })},
		{"error only, failing", func(context.Context) error { return errors.New("no") }, reflectedCtxErr(func(context.Context) error { return errors.New("no") })},
		{"bool", func() bool { return true }, reflectedBool(func() bool { return true })},
		{"int64", func() (int64, error) { return -1 << 63, nil }, reflectedInt64Err(func() (int64, error) { return -1 << 63, nil })},
		{"panic", func() string { panic("boom") }, reflectedString(func() string { panic("boom") })},
	}
	requests := []string{
		`{"jsonrpc":"2.0","method":"m","id":1}`,
		`{"jsonrpc":"2.0","method":"m","params":[],"id":2}`,
		`{"jsonrpc":"2.0","method":"m","params":{},"id":3}`,
		`{"jsonrpc":"2.0","method":"m","params":[1],"id":4}`,
		`{"jsonrpc":"2.0","method":"m","params":{"a":1},"id":5}`,
		`{"jsonrpc":"2.0","method":"m"}`,
		`{"method":"m","params":[],"id":"v1"}`,
		`[{"jsonrpc":"2.0","method":"m","id":6},{"jsonrpc":"2.0","method":"m","params":[true],"id":7}]`,
	}
	quiet := &Options{Logger: slog.New(slog.DiscardHandler)}
	for _, c := range cases {
		var direct, reflected Registry
		engMust(t, direct.Register(c.direct, Name("m")))
		engMust(t, reflected.Register(c.reflected, Name("m")))
		if m := direct.snapshot().byName["m"]; m.direct == nil {
			t.Fatalf("%s: %T is called through reflect", c.name, c.direct)
		}
		if m := reflected.snapshot().byName["m"]; m.direct != nil {
			t.Fatalf("%s: %T is called directly", c.name, c.reflected)
		}
		for _, req := range requests {
			got := direct.Dispatch(context.Background(), []byte(req), quiet)
			want := reflected.Dispatch(context.Background(), []byte(req), quiet)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %s:\n direct    %s (%d)\n reflected %s (%d)", c.name, req, got.Body, got.ErrorCode, want.Body, want.ErrorCode)
			}
		}
	}
}

// TestDirectCallSkipsReflectAllocations: a direct call allocates less
// than the same function called through reflect (whose Call allocates
// its results).
func TestDirectCallSkipsReflectAllocations(t *testing.T) {
	var direct, reflected Registry
	engMust(t, direct.Register(func() string { return "pong" }, Name("ping")))
	engMust(t, reflected.Register(reflectedString(func() string { return "pong" }), Name("ping")))
	payload := []byte(`{"jsonrpc":"2.0","method":"ping","id":1}`)
	allocs := func(r *Registry) float64 {
		return testing.AllocsPerRun(100, func() { r.Dispatch(context.Background(), payload, nil) })
	}
	if d, r := allocs(&direct), allocs(&reflected); d >= r {
		t.Errorf("a direct call makes %v allocations, one through reflect %v", d, r)
	}
}
