package jsonrpc

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Functions named by the runtime, for the default names.

func engineTestPing() string { return "pong" }

func genericEcho[T any](v T) T { return v }

type engineSvc struct{ n int }

func (s *engineSvc) Ping() int { return s.n }

func (s engineSvc) Hello(name string) string { return "hello " + name }

func TestRegisterDefaultNames(t *testing.T) {
	var r Registry
	engMust(t, r.Register(engineTestPing))
	engMust(t, r.Register((&engineSvc{n: 3}).Ping))
	engMust(t, r.Register(engineSvc{}.Hello))
	engMust(t, r.Register(genericEcho[int]))
	var names []string
	for _, m := range r.Methods() {
		names = append(names, m.Name)
	}
	if got, want := strings.Join(names, ","), "engineTestPing,Ping,Hello,genericEcho"; got != want {
		t.Fatalf("names %s, want %s", got, want)
	}
	rep := r.Dispatch(context.Background(), []byte(`[{"jsonrpc":"2.0","method":"Ping","id":1},{"jsonrpc":"2.0","method":"Hello","params":["x"],"id":2}]`), nil)
	if want := `[{"jsonrpc":"2.0","id":1,"result":3},{"jsonrpc":"2.0","id":2,"result":"hello x"}]`; string(rep.Body) != want {
		t.Fatalf("got %s, want %s", rep.Body, want)
	}
}

type engAmbiguousA struct{ X int }
type engAmbiguousB struct{ X int }

func TestRegisterErrors(t *testing.T) {
	var r Registry
	engMust(t, r.Register(func() {}, Name("taken")))
	engMust(t, r.RegisterNotification(func() {}, Name("taken_notification")))
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"not a function", r.Register(42, Name("x")), "not a function"},
		{"nil", r.Register(nil, Name("x")), "not a function"},
		{"nil function", r.Register((func())(nil), Name("x")), "nil function"},
		{"closure without Name", r.Register(func() {}), "anonymous function; give it a name with jsonrpc.Name"},
		{"empty name", r.Register(engineTestPing, Name("")), ""}, // falls back to the Go name
		{"ctx not first", r.Register(func(int, context.Context) {}, Name("x")), "context.Context must be the first parameter"},
		{"three results", r.Register(func() (int, int, error) { return 0, 0, nil }, Name("x")), "at most 2 results"},
		{"second result not error", r.Register(func() (int, int) { return 0, 0 }, Name("x")), "the second result must be error"},
		{"two errors", r.Register(func() (error, error) { return nil, nil }, Name("x")), "must not be error"},
		{"reserved prefix", r.Register(func() {}, Name("rpc.x")), `names starting with "rpc." are reserved`},
		{"underscore", r.Register(func() {}, Name("_x")), `names starting with "_" cannot be called`},
		{"duplicate", r.Register(func() {}, Name("taken")), "already registered"},
		{"duplicate across kinds", r.Register(func() {}, Name("taken_notification")), "already registered"},
		{"duplicate notification", r.RegisterNotification(func() {}, Name("taken")), "already registered"},
		{"Params count", r.Register(func(a, b int) {}, Name("x"), Params("a")), "Params names 1 parameters, the function has 2"},
		{"Params repeated", r.Register(func(a, b int) {}, Name("x"), Params("a", "a")), `"a" is repeated`},
		{"Params empty", r.Register(func(a int) {}, Name("x"), Params("")), "is empty"},
		{"Params ignore ctx", r.Register(func(ctx context.Context, a int) {}, Name("x"), Params("ctx", "a")), "Params names 2 parameters, the function has 1"},
		{"chan param", r.Register(func(chan int) {}, Name("x")), "cannot be decoded from JSON"},
		{"func param", r.Register(func(func()) {}, Name("x")), "cannot be decoded from JSON"},
		{"interface param", r.Register(func(error) {}, Name("x")), "interface with methods"},
		{"chan field", r.Register(func(struct{ C chan int }) {}, Name("x")), `field "C"`},
		{"both transports", r.Register(func() {}, Name("x"), OnlyWebsocket(), OnlyHTTP()), "exclude each other"},
		{"ambiguous fields", r.Register(func(struct {
			engAmbiguousA
			engAmbiguousB
		}) {
		}, Name("x")), `field name "X" is ambiguous`},
	}
	for _, c := range cases {
		switch {
		case c.want == "" && c.err != nil:
			t.Errorf("%s: unexpected error %v", c.name, c.err)
		case c.want != "" && c.err == nil:
			t.Errorf("%s: no error, want %q", c.name, c.want)
		case c.want != "" && !strings.Contains(c.err.Error(), c.want):
			t.Errorf("%s: error %q, want it to contain %q", c.name, c.err, c.want)
		}
	}
	// Nothing but the two good registrations and the fallback name stuck.
	if n := len(r.Methods()); n != 3 {
		t.Errorf("%d methods registered, want 3: %+v", n, r.Methods())
	}
	if err := r.registerBuiltin("rpc.discover", func() string { return "ok" }); err != nil {
		t.Fatalf("registerBuiltin: %v", err)
	}
	rep := r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"rpc.discover","id":1}`), nil)
	if want := `{"jsonrpc":"2.0","id":1,"result":"ok"}`; string(rep.Body) != want {
		t.Errorf("rpc.discover: %s", rep.Body)
	}
}

type engEmbedded struct {
	Z int `json:"z,omitempty"`
}

type engInfoParams struct {
	A      int    `json:"a"`
	B      string // no tag: the field name
	Hidden int    `json:"-"`
	hidden int
	engEmbedded
	Opt  *int            `json:"opt"`
	When time.Time       `json:"when,omitzero"`
	Raw  json.RawMessage `json:"raw"`
}

func TestMethodsInfo(t *testing.T) {
	var r Registry
	engMust(t, r.Register(func(ctx context.Context, p engInfoParams) (int, error) { return p.hidden, nil }, Name("s"), Doc("struct"), OnlyHTTP()))
	engMust(t, r.RegisterNotification(func(a string, b ...float64) {}, Name("n"), Params("a", "b"), OnlyWebsocket()))
	engMust(t, r.Register(func(int, bool) error { return nil }, Name("p")))
	engMust(t, r.Register(func() {}, Name("z")))
	ms := r.Methods()
	if len(ms) != 4 {
		t.Fatalf("%d methods", len(ms))
	}
	type pi struct {
		name     string
		typ      reflect.Type
		required bool
	}
	check := func(m MethodInfo, want []pi) {
		t.Helper()
		if len(m.Params) != len(want) {
			t.Fatalf("%s: params %+v", m.Name, m.Params)
		}
		for i, w := range want {
			p := m.Params[i]
			if p.Name != w.name || p.Type != w.typ || p.Required != w.required {
				t.Errorf("%s: param %d = %s %v %v, want %s %v %v", m.Name, i, p.Name, p.Type, p.Required, w.name, w.typ, w.required)
			}
		}
	}
	s := ms[0]
	if s.Name != "s" || s.Notification || s.Websocket || !s.HTTP || s.Variadic || !s.Named || s.Result != reflect.TypeFor[int]() || s.Doc != "struct" {
		t.Errorf("s: %+v", s)
	}
	check(s, []pi{
		{"a", reflect.TypeFor[int](), true},
		{"B", reflect.TypeFor[string](), true},
		{"z", reflect.TypeFor[int](), false},
		{"opt", reflect.TypeFor[*int](), false},
		{"when", reflect.TypeFor[time.Time](), false},
		{"raw", reflect.TypeFor[json.RawMessage](), true},
	})
	n := ms[1]
	if n.Name != "n" || !n.Notification || !n.Websocket || n.HTTP || !n.Variadic || !n.Named || n.Result != nil {
		t.Errorf("n: %+v", n)
	}
	check(n, []pi{{"a", reflect.TypeFor[string](), true}, {"b", reflect.TypeFor[[]float64](), false}})
	p := ms[2]
	if p.Named || p.Variadic || p.Result != nil || !p.Websocket || !p.HTTP {
		t.Errorf("p: %+v", p)
	}
	check(p, []pi{{"arg0", reflect.TypeFor[int](), true}, {"arg1", reflect.TypeFor[bool](), true}})
	if z := ms[3]; !z.Named || len(z.Params) != 0 {
		t.Errorf("z: %+v", z)
	}
	// Methods returns copies.
	ms[0].Params[0].Name = "changed"
	if r.Methods()[0].Params[0].Name != "a" {
		t.Error("Methods shares its Params")
	}
}

type engLevel int

type engStrict struct{}

func (*engStrict) UnmarshalJSON(b []byte) error {
	if string(b) != `"ok"` {
		return errors.New("strictValue: /home/user/secret.go:12: bad")
	}
	return nil
}

type engNested struct {
	Inner struct {
		X int `json:"x"`
	} `json:"inner"`
}

// paramMessagesRegistry registers the methods of TestParamMessages: one per
// param type, named after it, with its param named "v", and "two" taking
// the integers a and b.
func paramMessagesRegistry(t *testing.T) *Registry {
	t.Helper()
	var r Registry
	reg := func(name string, fn any, names ...string) {
		t.Helper()
		engMust(t, r.Register(fn, Name(name), Params(names...)))
	}
	reg("bool", func(bool) {}, "v")
	reg("int8", func(int8) {}, "v")
	reg("int", func(int) {}, "v")
	reg("uint", func(uint) {}, "v")
	reg("uint8", func(uint8) {}, "v")
	reg("float32", func(float32) {}, "v")
	reg("float64", func(float64) {}, "v")
	reg("string", func(string) {}, "v")
	reg("slice", func([]int) {}, "v")
	reg("array", func([2]int) {}, "v")
	reg("map", func(map[string]int) {}, "v")
	reg("bytes", func([]byte) {}, "v")
	reg("time", func(time.Time) {}, "v")
	reg("ptr", func(*int) {}, "v")
	reg("level", func(engLevel) {}, "v")
	reg("strict", func(engStrict) {}, "v")
	reg("nested", func(engNested) {}, "v")
	reg("raw", func(json.RawMessage) string { return "ok" }, "v")
	reg("any", func(any) string { return "ok" }, "v")
	reg("number", func(json.Number) {}, "v")
	reg("two", func(a, b int) {}, "a", "b")
	return &r
}

// paramMessageCases are params for the methods of paramMessagesRegistry with
// the data of the Invalid params error they get, or "" when they are valid.
var paramMessageCases = []struct{ method, params, want string }{
	{"bool", `[1]`, `bool: param "v": want boolean, got number 1`},
	{"bool", `["true"]`, `bool: param "v": want boolean, got string`},
	{"bool", `[null]`, `bool: param "v": want boolean, got null`},
	{"int8", `[300]`, `int8: param "v": want integer between -128 and 127, got number 300`},
	{"int8", `[-129]`, `int8: param "v": want integer between -128 and 127, got number -129`},
	{"int8", `[-128]`, ``},
	{"int8", `[1.27e2]`, ``},
	{"int8", `[true]`, `int8: param "v": want integer between -128 and 127, got boolean`},
	{"int", `[1.5]`, `int: param "v": want integer, got number 1.5`},
	{"int", `[1e-400]`, `int: param "v": want integer, got number 1e-400`},
	{"int", `[0e-400]`, ``},
	{"int", `[-9223372036854775808]`, ``},
	{"int", `[9223372036854775808]`, `int: param "v": want integer between -9223372036854775808 and 9223372036854775807, got number 9223372036854775808`},
	{"int", `[1e999999999999]`, `int: param "v": want integer between -9223372036854775808 and 9223372036854775807, got number 1e999999999999`},
	{"int", `[123456789012345678901234567890123456789]`, `int: param "v": want integer between -9223372036854775808 and 9223372036854775807, got number`},
	{"int", `[{}]`, `int: param "v": want integer, got object`},
	{"uint", `[-1]`, `uint: param "v": want integer between 0 and 18446744073709551615, got number -1`},
	{"uint", `[-0]`, ``},
	{"uint", `[18446744073709551615]`, ``},
	{"uint", `["1"]`, `uint: param "v": want non-negative integer, got string`},
	{"uint8", `[256]`, `uint8: param "v": want integer between 0 and 255, got number 256`},
	{"float32", `[1e39]`, `float32: param "v": want number between -3.4e+38 and 3.4e+38, got number 1e39`},
	{"float64", `[1e400]`, `float64: param "v": want number between -1.8e+308 and 1.8e+308, got number 1e400`},
	{"float64", `["1"]`, `float64: param "v": want number, got string`},
	{"string", `[null]`, `string: param "v": want string, got null`},
	{"string", `[["a"]]`, `string: param "v": want string, got array`},
	{"slice", `[{}]`, `slice: param "v": want array, got object`},
	{"slice", `[[1,"x"]]`, `slice: param "v": want integer, got string`},
	{"slice", `[null]`, ``},
	{"array", `[null]`, `array: param "v": want array, got null`},
	{"map", `[[]]`, `map: param "v": want object, got array`},
	{"map", `[{"a":true}]`, `map: param "v": want integer, got boolean`},
	{"bytes", `[1]`, `bytes: param "v": want string (base64), got number 1`},
	{"bytes", `["!!"]`, `bytes: param "v": invalid value, want string (base64)`},
	{"bytes", `["aGk="]`, ``},
	{"time", `[1]`, `time: param "v": want string (RFC 3339 date-time), got number 1`},
	{"time", `["yesterday"]`, `time: param "v": invalid value, want string (RFC 3339 date-time)`},
	{"time", `["2020-01-02T03:04:05Z"]`, ``},
	{"ptr", `["x"]`, `ptr: param "v": want integer, got string`},
	{"ptr", `[null]`, ``},
	{"level", `["high"]`, `level: param "v": want integer, got string`},
	{"strict", `["no"]`, `strict: param "v": invalid value`},
	{"strict", `["ok"]`, ``},
	{"nested", `[{"inner":{"x":"s"}}]`, `nested: param "v": field "inner.x": want integer, got string`},
	{"nested", `[[]]`, `nested: param "v": want object, got array`},
	{"raw", `[{"a":[1]}]`, ``},
	{"any", `[null]`, ``},
	{"number", `["abc"]`, `number: param "v": invalid value, want number`},
	{"number", `[12]`, ``},
	{"two", `{"a":1,"b":"x"}`, `two: param "b": want integer, got string`},
	{"two", `{"a":1,"c":2}`, `two: unknown param "c"`},
	{"two", `{"b":1}`, `two: missing param "a"`},
	{"two", `{"a\u0062":1}`, `two: unknown param "ab"`},
	{"two", `{"\u0061":1,"b":2}`, ``},
	{"two", `{"` + strings.Repeat("é", 30) + `":1}`, `two: unknown param "` + strings.Repeat("é", 20) + `…"`},
	{"two", `[1]`, `two: want 2 params (a, b), got 1`},
}

// TestParamMessages checks the data of Invalid params errors: helpful, and
// free of Go type names and internals.
func TestParamMessages(t *testing.T) {
	r := paramMessagesRegistry(t)
	for _, c := range paramMessageCases {
		req := `{"jsonrpc":"2.0","id":1,"method":"` + c.method + `","params":` + c.params + `}`
		rep := r.Dispatch(context.Background(), []byte(req), nil)
		var resp struct {
			Error *struct {
				Code Code   `json:"code"`
				Data string `json:"data"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rep.Body, &resp); err != nil {
			t.Fatalf("%s: %v: %s", req, err, rep.Body)
		}
		if c.want == "" {
			if resp.Error != nil {
				t.Errorf("%s %s: unexpected error %s", c.method, c.params, rep.Body)
			}
			continue
		}
		if resp.Error == nil || resp.Error.Code != CodeInvalidParams {
			t.Errorf("%s %s: want Invalid params, got %s", c.method, c.params, rep.Body)
			continue
		}
		if resp.Error.Data != c.want {
			t.Errorf("%s %s:\n got  %s\n want %s", c.method, c.params, resp.Error.Data, c.want)
		}
		engAssertNoGoInternals(t, resp.Error.Data)
	}
}

// assertNoGoInternals fails when a client-facing text names Go types or
// files.
func engAssertNoGoInternals(t *testing.T, s string) {
	t.Helper()
	if _, rest, ok := strings.Cut(s, ": "); ok {
		s = rest // past the method name
	}
	for _, bad := range []string{"int64", "int8", "uint", "float", "main.", "jsonrpc.", "reflect", "json:", ".go", "Go ", "struct", "interface", "[]", "map[", "level", "time.", "secret"} {
		if strings.Contains(s, bad) {
			t.Errorf("message %q leaks %q", s, bad)
		}
	}
}

func TestParseJSONInt(t *testing.T) {
	cases := []struct {
		in             string
		neg            bool
		mag            uint64
		integral, fits bool
	}{
		{"0", false, 0, true, true},
		{"-0.0e5", true, 0, true, true},
		{"12", false, 12, true, true},
		{"-12", true, 12, true, true},
		{"1.0", false, 1, true, true},
		{"1.50e1", false, 15, true, true},
		{"1500e-2", false, 15, true, true},
		{"1501e-2", false, 0, false, true},
		{"0.000", false, 0, true, true},
		{"18446744073709551615", false, 18446744073709551615, true, true},
		{"18446744073709551616", false, 0, true, false},
		{"1e19", false, 10000000000000000000, true, true},
		{"1e20", false, 0, true, false},
		{"100000000000000000000e-2", false, 1000000000000000000, true, true},
		{"1E+2", false, 100, true, true},
	}
	for _, c := range cases {
		neg, mag, integral, fits := parseJSONInt([]byte(c.in))
		if neg != c.neg || mag != c.mag || integral != c.integral || fits != c.fits {
			t.Errorf("%s: got %v %d %v %v, want %v %d %v %v", c.in, neg, mag, integral, fits, c.neg, c.mag, c.integral, c.fits)
		}
	}
}
