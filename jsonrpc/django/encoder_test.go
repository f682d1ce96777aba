package django

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// marshal is v encoded by Encoder, failing the test on an error or on
// invalid JSON.
func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := Encoder{}.Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%#v): %v", v, err)
	}
	if !json.Valid(b) {
		t.Fatalf("Marshal(%#v) = %s: not valid JSON", v, b)
	}
	return string(b)
}

type textOnly struct{ v string }

func (t textOnly) MarshalText() ([]byte, error) { return []byte("text:" + t.v), nil }

type ptrMarshaler struct{ N int }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{ "ptr" : true }`), nil }

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("boom") }

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return []byte(`{`), nil }

type DjEmbedded struct {
	E1 int
	E2 string `json:"e2"`
}

type embeddedPtr struct{ P int }

type conflictA struct{ X int }
type conflictB struct{ X int }

type plain struct {
	A       int
	B       string             `json:"b"`
	C       float64            `json:"c,omitempty"`
	D       *int               `json:"d,omitempty"`
	E       []int              `json:"e"`
	F       map[string]int     `json:"f"`
	G       bool               `json:"g,string"`
	H       int64              `json:"h,string"`
	I       string             `json:"i,string"`
	J       []byte             `json:"j"`
	K       any                `json:"k"`
	L       json.RawMessage    `json:"l"`
	M       json.Number        `json:"m"`
	N       textOnly           `json:"n"`
	O       ptrMarshaler       `json:"o"`
	P       net.IP             `json:"p"`
	Q       map[int]string     `json:"q"`
	R       [2]float32         `json:"r"`
	S       uint8              `json:"s"`
	T       *plain             `json:"t"`
	U       struct{ X, Y int } `json:"u"`
	Skip    int                `json:"-"`
	Dash    int                `json:"-,"`
	Bad     int                `json:"a\"b"`
	private int
	DjEmbedded
	*embeddedPtr
	conflictA
	conflictB
	Z  struct{} `json:"z,omitzero"`
	Zt time.Time
}

type tagged struct {
	X int `json:"X"`
}

type untagged struct{ X, Y int }

type ptrZero struct{ N int }

func (p *ptrZero) IsZero() bool { return p.N == 42 }

type tricky struct {
	tagged   // its tagged X wins over untagged's X at the same depth
	untagged //
	*embeddedPtr
	PS  *int               `json:"ps,string"`
	PZ  ptrZero            `json:"pz,omitzero"`
	TK  map[textOnly]int   `json:"tk"`
	IK  map[int8]bool      `json:"ik"`
	IF  any                `json:"if"`
	Arr [2][]byte          `json:"arr"`
	Inf any                `json:"inf,omitempty"`
	Str string             `json:",omitempty"`
	Emb struct{ *tagged }  `json:"emb"`
	Chk map[string]*tricky `json:"chk,omitempty"`
}

// Without any of Django's types, the output is exactly encoding/json's.
func TestDjangoEncoderMatchesEncodingJSON(t *testing.T) {
	n := 7
	p := &plain{
		A: 1, B: "<a&b>\u2028\x01\"\\\n\t\xff", C: 0, D: &n, E: []int{1, 2}, F: map[string]int{"z": 1, "a": 2},
		G: true, H: -5, I: "quo\"ted<", J: []byte("hello"), K: []any{1.5, "x", nil, map[string]any{"k": false}},
		L: json.RawMessage(`{"raw" :  [1, 2]}`), M: "1.5e10", N: textOnly{"n<"}, P: net.IPv4(127, 0, 0, 1),
		Q: map[int]string{10: "ten", 2: "two", -1: "minus"}, R: [2]float32{1.1, 1e-7}, S: 200,
		T: &plain{E: []int{}}, Skip: 9, Dash: 3, Bad: 4, private: 5,
		DjEmbedded: DjEmbedded{E1: 10, E2: "e2"}, embeddedPtr: &embeddedPtr{P: 11},
	}
	values := []any{
		nil, true, 0, -12, uint64(math.MaxUint64), 1.0, 0.1, 1e21, 1e20, 1e-7, 123456789.123, float32(3.14), math.Copysign(0, -1),
		"", "héllo wörld 😀", []string(nil), []int{}, map[string]any(nil), map[string]any{},
		[]byte(nil), []byte{}, struct{}{}, p, *p, []*plain{p, nil}, map[string]*plain{"x": p},
		plain{}, &plain{}, []any{float32(0.1), int8(-3)}, [0]int{}, json.RawMessage(nil),
		tricky{PS: new(int), PZ: ptrZero{42}, TK: map[textOnly]int{{"b"}: 1, {"a"}: 2}, IK: map[int8]bool{-3: true, 5: false},
			IF: ptrMarshaler{}, Arr: [2][]byte{nil, {0xff}}, Emb: struct{ *tagged }{&tagged{1}},
			Chk: map[string]*tricky{"x": {PZ: ptrZero{1}}, "nil": nil}},
		&tricky{untagged: untagged{1, 2}, embeddedPtr: &embeddedPtr{3}, PZ: ptrZero{42}},
		struct {
			A int `json:",omitempty"`
			B int `json:"renamed,omitempty"`
			C *int
		}{},
	}
	for i, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%d: json.Marshal: %v", i, err)
		}
		got, err := Encoder{}.Marshal(v)
		if err != nil {
			t.Fatalf("%d: Marshal(%#v): %v", i, v, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d: got\n%s\nwant\n%s", i, got, want)
		}
	}
}

type withDjango struct {
	When       time.Time      `json:"when"`
	WhenP      *time.Time     `json:"when_p"`
	WhenNil    *time.Time     `json:"when_nil"`
	Day        Date           `json:"day"`
	At         TimeOfDay      `json:"at"`
	Took       time.Duration  `json:"took"`
	TookS      time.Duration  `json:"took_s,string"`
	Price      Decimal        `json:"price"`
	Empty      Decimal        `json:"empty,omitempty"`
	NoDay      Date           `json:"no_day,omitzero"`
	ID         uuidT          `json:"id"`
	Any        any            `json:"any"`
	Times      []time.Time    `json:"times"`
	ByTime     map[Date]int   `json:"by_date"`
	Amount     *big.Rat       `json:"amount"`
	Nested     *withDjango    `json:"nested,omitempty"`
	Marshal    json.Marshaler `json:"marshal"`
	Durs       map[string]any `json:"durs"`
	DjEmbedded `json:"emb"`
}

func TestDjangoEncoderNested(t *testing.T) {
	when := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	v := withDjango{
		When: when, WhenP: &when, Day: Date{2024, 1, 2}, At: TimeOfDay{Hour: 1},
		Took: time.Second, TookS: time.Minute, Price: "1.50", ID: uuidT{15: 1},
		Any:    []any{when, time.Duration(0), Decimal("2e1"), &TimeOfDay{}},
		Times:  []time.Time{when.In(time.FixedZone("", 3600))},
		ByTime: map[Date]int{{2024, 2, 1}: 2, {2023, 12, 31}: 1},
		Amount: big.NewRat(1, 3),
		Nested: &withDjango{Day: Date{2000, 1, 1}, Price: "0"},
		// A field whose static type is json.Marshaler still uses the
		// Django format of its dynamic type.
		Marshal: when,
		Durs:    map[string]any{"d": time.Duration(-5000)},
	}
	want := `{"when":"2024-01-02T03:04:05.123Z","when_p":"2024-01-02T03:04:05.123Z","when_nil":null,` +
		`"day":"2024-01-02","at":"01:00:00","took":"P0DT00H00M01S","took_s":"P0DT00H01M00S","price":"1.50",` +
		`"id":"00000000-0000-0000-0000-000000000001",` +
		`"any":["2024-01-02T03:04:05.123Z","P0DT00H00M00S","2E+1","00:00:00"],` +
		`"times":["2024-01-02T04:04:05.123+01:00"],"by_date":{"2023-12-31":1,"2024-02-01":2},` +
		`"amount":"0.3333333333333333333333333333",` +
		`"nested":{"when":"0001-01-01T00:00:00Z","when_p":null,"when_nil":null,"day":"2000-01-01","at":"00:00:00",` +
		`"took":"P0DT00H00M00S","took_s":"P0DT00H00M00S","price":"0","id":"00000000-0000-0000-0000-000000000000",` +
		`"any":null,"times":null,"by_date":null,"amount":null,"marshal":null,"durs":null,"emb":{"E1":0,"e2":""}},` +
		`"marshal":"2024-01-02T03:04:05.123Z","durs":{"d":"-P0DT00H00M00.000005S"},"emb":{"E1":0,"e2":""}}`
	if got := marshal(t, v); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := marshal(t, &v); got != want {
		t.Errorf("pointer: got\n%s\nwant\n%s", got, want)
	}
}

type node struct {
	Name string `json:"name"`
	Next *node  `json:"next,omitempty"`
}

func TestDjangoEncoderErrors(t *testing.T) {
	cyc := &node{Name: "a"}
	cyc.Next = cyc
	loop := map[string]any{}
	loop["self"] = loop
	tests := []struct {
		name string
		in   any
		want any // error type
	}{
		{"chan", make(chan int), &json.UnsupportedTypeError{}},
		{"func field", struct{ F func() }{func() {}}, &json.UnsupportedTypeError{}},
		{"map key", map[[2]int]int{{1, 2}: 3}, &json.UnsupportedTypeError{}},
		{"nan", math.NaN(), &json.UnsupportedValueError{}},
		{"inf", []float64{math.Inf(1)}, &json.UnsupportedValueError{}},
		{"cycle", cyc, &json.UnsupportedValueError{}},
		{"map cycle", loop, &json.UnsupportedValueError{}},
		{"marshaler error", failing{}, &json.MarshalerError{}},
		{"marshaler invalid", []any{badJSON{}}, &json.MarshalerError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Encoder{}.Marshal(tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			switch tt.want.(type) {
			case *json.UnsupportedTypeError:
				var e *json.UnsupportedTypeError
				if !errors.As(err, &e) {
					t.Errorf("error %T %v", err, err)
				}
			case *json.UnsupportedValueError:
				var e *json.UnsupportedValueError
				if !errors.As(err, &e) {
					t.Errorf("error %T %v", err, err)
				}
			case *json.MarshalerError:
				var e *json.MarshalerError
				if !errors.As(err, &e) {
					t.Errorf("error %T %v", err, err)
				}
			}
		})
	}
	if _, err := (Encoder{}).Marshal(struct{ D Decimal }{}); err == nil || !strings.Contains(err.Error(), "decimal") {
		t.Errorf("empty Decimal: %v", err)
	}
	// A deep but acyclic chain is fine.
	var head *node
	for i := 0; i < 1500; i++ {
		head = &node{Name: "n", Next: head}
	}
	if _, err := (Encoder{}).Marshal(head); err != nil {
		t.Errorf("deep chain: %v", err)
	}
}

type recursiveSlice []recursiveSlice

func TestDjangoEncoderRecursiveTypesConcurrent(t *testing.T) {
	type tree struct {
		Kids []tree          `json:"kids"`
		Map  map[string]tree `json:"map,omitempty"`
		When time.Time       `json:"when"`
	}
	v := tree{Kids: []tree{{}, {Kids: []tree{{}}}}, Map: map[string]tree{"x": {}}}
	want, _ := json.Marshal(recursiveSlice{{}, {{}}})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := (Encoder{}).Marshal(v); err != nil {
				t.Error(err)
			}
			got, err := Encoder{}.Marshal(recursiveSlice{{}, {{}}})
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("got %s, %v; want %s", got, err, want)
			}
		})
	}
	wg.Wait()
}

func BenchmarkDjangoEncoder(b *testing.B) {
	when := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	v := map[string]any{
		"rows": []withDjango{{When: when, Day: Date{2024, 1, 2}, Price: "1.5", Took: time.Hour, Amount: big.NewRat(1, 4)}},
		"name": "bench", "n": 12,
	}
	for b.Loop() {
		if _, err := (Encoder{}).Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}
