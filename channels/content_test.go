package channels_test

import (
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

type (
	myString string
	myInt    int8
	myBytes  []byte
	myByte   uint8
)

// cloneTests give values and the canonical form Clone turns them into.
var cloneTests = []struct {
	desc    string
	in, out any
}{
	{"nil", nil, nil},
	{"bool", true, true},
	{"string", "£", "£"},
	{"named string", myString("s"), "s"},
	{"int", 7, int64(7)},
	{"int8", int8(-8), int64(-8)},
	{"int16", int16(-16), int64(-16)},
	{"int32", int32(-32), int64(-32)},
	{"int64 min", int64(math.MinInt64), int64(math.MinInt64)},
	{"uint", uint(1), int64(1)},
	{"uint8", uint8(255), int64(255)},
	{"uint16", uint16(65535), int64(65535)},
	{"uint32", uint32(math.MaxUint32), int64(math.MaxUint32)},
	{"uint64 max int64", uint64(math.MaxInt64), int64(math.MaxInt64)},
	{"uintptr", uintptr(3), int64(3)},
	{"named int", myInt(-1), int64(-1)},
	{"float32", float32(0.5), 0.5},
	{"float64", math.Pi, math.Pi},
	{"bytes", []byte{0, 1}, []byte{0, 1}},
	{"empty bytes", []byte{}, []byte{}},
	{"named bytes", myBytes("ab"), []byte("ab")},
	{"named byte elements", []myByte{1, 2}, []byte{1, 2}},
	{"byte array", [3]byte{1, 2, 3}, []byte{1, 2, 3}},
	{"list", []any{1, "a", nil}, []any{int64(1), "a", nil}},
	{"nil list", []any(nil), nil},
	{"typed list", []string{"a", "b"}, []any{"a", "b"}},
	{"nil typed list", []int(nil), nil},
	{"int array", [2]int{1, 2}, []any{int64(1), int64(2)}},
	{"nested lists", [][]int{{1}, {}}, []any{[]any{int64(1)}, []any{}}},
	{"map", map[string]any{"k": int16(1)}, map[string]any{"k": int64(1)}},
	{"nil map", map[string]any(nil), nil},
	{"typed map", map[string]float32{"f": 2}, map[string]any{"f": 2.0}},
	{"named key map", map[myString]int{"k": 1}, map[string]any{"k": int64(1)}},
	{"Content", channels.Content{"c": 1}, map[string]any{"c": int64(1)}},
	{"pointer", new(int), int64(0)},
	{"nil pointer", (*int)(nil), nil},
}

func TestContentClone(t *testing.T) {
	for _, tt := range cloneTests {
		got, err := channels.Content{"v": tt.in}.Clone()
		if err != nil {
			t.Errorf("%s: Clone: %v", tt.desc, err)
			continue
		}
		if !reflect.DeepEqual(got["v"], tt.out) {
			t.Errorf("%s: Clone turned %#v into %#v (%T), want %#v (%T)", tt.desc, tt.in, got["v"], got["v"], tt.out, tt.out)
		}
	}
}

func TestContentCloneInvalid(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	cyclicList := []any{nil}
	cyclicList[0] = cyclicList
	for desc, v := range map[string]any{
		"struct":            struct{}{},
		"func":              func() {},
		"chan":              make(chan int),
		"complex":           complex(1, 2),
		"int map key":       map[int]any{1: 1},
		"uint64 overflow":   uint64(math.MaxInt64) + 1,
		"nested func":       []any{map[string]any{"f": func() {}}},
		"pointer to struct": &struct{}{},
		"cyclic map":        cyclic,
		"cyclic list":       cyclicList,
	} {
		if _, err := (channels.Content{"v": v}).Clone(); !errors.Is(err, channels.ErrInvalidMessage) {
			t.Errorf("Clone of %s: %v, want an error matching ErrInvalidMessage", desc, err)
		}
	}
	if _, err := channels.Content(nil).Clone(); !errors.Is(err, channels.ErrInvalidMessage) {
		t.Errorf("Clone of nil Content: %v, want an error matching ErrInvalidMessage", err)
	}
}

// TestContentCloneDepth: deep nesting is fine up to the limit.
func TestContentCloneDepth(t *testing.T) {
	nest := func(levels int) channels.Content {
		var v any = "leaf"
		for range levels {
			v = []any{v}
		}
		return channels.Content{"v": v}
	}
	if _, err := nest(99).Clone(); err != nil {
		t.Errorf("Clone of 99 nested lists: %v", err)
	}
	if _, err := nest(101).Clone(); !errors.Is(err, channels.ErrInvalidMessage) {
		t.Errorf("Clone of 101 nested lists: %v, want ErrInvalidMessage", err)
	}
}

// TestContentCloneIsDeep: nothing the clone holds is shared with the
// original.
func TestContentCloneIsDeep(t *testing.T) {
	list := []any{1, []byte("ab")}
	inner := map[string]any{"k": "v"}
	raw := []byte("xyz")
	orig := channels.Content{"list": list, "inner": inner, "raw": raw}
	c, err := orig.Clone()
	if err != nil {
		t.Fatal(err)
	}
	list[0] = "changed"
	list[1].([]byte)[0] = 'Z'
	inner["k"] = "changed"
	raw[0] = 'Z'
	orig["new"] = true
	want := channels.Content{
		"list":  []any{int64(1), []byte("ab")},
		"inner": map[string]any{"k": "v"},
		"raw":   []byte("xyz"),
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("clone changed with the original: %#v", c)
	}
}

func TestContentShallowCopy(t *testing.T) {
	inner := map[string]any{"k": "v"}
	orig := channels.Content{"a": 1, "inner": inner}
	c := orig.ShallowCopy()
	c["a"] = 2
	if orig["a"] != 1 {
		t.Errorf("ShallowCopy shares its top level")
	}
	if reflect.ValueOf(c["inner"]).UnsafePointer() != reflect.ValueOf(inner).UnsafePointer() {
		t.Errorf("ShallowCopy copied a nested map")
	}
}

func TestContentAccessors(t *testing.T) {
	c := channels.Content{
		"text": "hi", "bytes": []byte("b"), "i64": int64(3), "int": 4, "float": 5.0,
		"frac": 5.5, "huge": 1e300, "bool": true, "nil": nil,
	}
	for _, tt := range []struct{ key, want string }{
		{"text", "hi"}, {"bytes", "b"}, {"i64", ""}, {"missing", ""},
	} {
		if got := c.String(tt.key); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	for _, tt := range []struct {
		key  string
		want int64
		ok   bool
	}{
		{"i64", 3, true}, {"int", 4, true}, {"float", 5, true},
		{"frac", 0, false}, {"huge", 0, false}, {"text", 0, false}, {"missing", 0, false},
	} {
		if got, ok := c.Int(tt.key); got != tt.want || ok != tt.ok {
			t.Errorf("Int(%q) = %d, %v, want %d, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
	if v, ok := c.Bool("bool"); !v || !ok {
		t.Errorf("Bool(bool) = %v, %v", v, ok)
	}
	if _, ok := c.Bool("text"); ok {
		t.Errorf("Bool(text) reported a bool")
	}
	if !c.Has("nil") || c.Has("missing") {
		t.Errorf("Has: nil key %v, missing key %v", c.Has("nil"), c.Has("missing"))
	}
}
