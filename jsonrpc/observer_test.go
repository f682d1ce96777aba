package jsonrpc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// countingObserver records what Dispatch reports, and how often it asks
// for a method's recorder.
type countingObserver struct {
	mu    sync.Mutex
	asked map[string]int
	calls []string // "method code ran"
}

func (o *countingObserver) Method(name string) func(Code, time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.asked[name]++
	return func(code Code, took time.Duration) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.calls = append(o.calls, fmt.Sprintf("%s %d %v", name, code, took > 0))
	}
}

func TestObserverSeesEveryCall(t *testing.T) {
	var r Registry
	must(t, r.Register(func() string { return "pong" }, Name("ping")))
	must(t, r.Register(func(n int) int { return n }, Name("id"), Params("n")))
	must(t, r.Register(func() error { return errors.New("no") }, Name("fail")))
	obs := &countingObserver{asked: map[string]int{}}
	opts := &Options{Observer: obs}
	for _, payload := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":2,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":3,"method":"id","params":["x"]}`,
		`{"jsonrpc":"2.0","id":4,"method":"nope"}`,
		`{"jsonrpc":"2.0","method":"fail"}`, // a failing notification
		`[{"jsonrpc":"2.0","id":5,"method":"ping"},{"id":6}]`,
		`{not json`,
	} {
		r.Dispatch(context.Background(), []byte(payload), opts)
	}
	want := []string{
		"ping 0 true", "ping 0 true",
		"id -32602 false",
		" -32601 false",
		"fail -32000 true",
		"ping 0 true", " -32600 false",
		" -32700 false",
	}
	if fmt.Sprint(obs.calls) != fmt.Sprint(want) {
		t.Errorf("observed\n%q\nwant\n%q", obs.calls, want)
	}
	for name, n := range obs.asked {
		if n != 1 {
			t.Errorf("the recorder of %q was asked for %d times, want once", name, n)
		}
	}
}

// An observer of a type that cannot be compared is asked every time, not
// compared (which would panic).
type funcObserver func(string) func(Code, time.Duration)

func (f funcObserver) Method(name string) func(Code, time.Duration) { return f(name) }

func TestIncomparableObserver(t *testing.T) {
	var r Registry
	must(t, r.Register(func() string { return "pong" }, Name("ping")))
	n := 0
	obs := funcObserver(func(string) func(Code, time.Duration) { n++; return func(Code, time.Duration) {} })
	for range 3 {
		r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`), &Options{Observer: obs})
	}
	if n != 3 {
		t.Errorf("asked %d times, want 3", n)
	}
	// Taking turns with a comparable observer: each is asked again, and
	// comparing the two never panics.
	counting := &countingObserver{asked: map[string]int{}}
	for _, o := range []Observer{counting, obs, counting} {
		r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`), &Options{Observer: o})
	}
	if n != 4 || counting.asked["ping"] != 2 || len(counting.calls) != 2 {
		t.Errorf("asked %d times and the comparable observer %d times (calls %q), want 4, 2 and 2 calls", n, counting.asked["ping"], counting.calls)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
