package jsonrpc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// engRecorder collects what notification handlers saw.
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

// engPanicky has a MarshalJSON that panics.
type engPanicky struct{}

func (engPanicky) MarshalJSON() ([]byte, error) { panic("marshal boom") }

// engPoint is a struct param: named or positional by field.
type engPoint struct {
	X     int     `json:"x"`
	Y     int     `json:"y"`
	Label *string `json:"label"`
}

// engMust fails the test on a non-nil err.
func engMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// engRegister registers fn with opts on the registry being built, failing
// the test on an error.
type engRegister func(fn any, opts ...Option)

// newEngineRegistry registers the methods the golden tables call.
func newEngineRegistry(t testing.TB, rec *engRecorder) *Registry {
	r := &Registry{}
	reg := func(fn any, opts ...Option) { t.Helper(); engMust(t, r.Register(fn, opts...)) }
	notif := func(fn any, opts ...Option) { t.Helper(); engMust(t, r.RegisterNotification(fn, opts...)) }
	registerEngineSpecExamples(reg, notif, rec)
	registerEngineSeedHandlers(reg, notif, rec)
	registerEngineTransportsAndErrors(reg, notif, rec)
	registerEngineParams(reg)
	return r
}

// registerEngineSpecExamples registers the methods and notification
// handlers of the JSON-RPC 2.0 and 1.0 specifications' examples.
func registerEngineSpecExamples(reg, notif engRegister, rec *engRecorder) {
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
}

// registerEngineSeedHandlers registers the seed library's test handlers.
func registerEngineSeedHandlers(reg, notif engRegister, rec *engRecorder) {
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
}

// registerEngineTransportsAndErrors registers methods limited to one
// transport, and methods with unusual results and errors.
func registerEngineTransportsAndErrors(reg, notif engRegister, rec *engRecorder) {
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
}

// registerEngineParams registers methods taking struct, pointer, unnamed,
// variadic and context params.
func registerEngineParams(reg engRegister) {
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
}
