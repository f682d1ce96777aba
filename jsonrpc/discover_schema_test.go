package jsonrpc

import (
	"encoding/json"
	"math/big"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/jsonrpc/django"
)

func orpcJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type orpcInner struct{ A int }

type orpcEmbedded struct {
	E int `json:"e"`
}

type orpcFields struct {
	Name     string            `json:"name"`
	Count    uint16            `json:"count"`
	Opt      *float64          `json:"opt"`
	Maybe    string            `json:"maybe,omitempty"`
	Zero     django.Date       `json:"zero,omitzero"`
	Quoted   int64             `json:"quoted,string"`
	QuotedP  *bool             `json:"quoted_p,string"`
	Skip     int               `json:"-"`
	Inner    orpcInner         `json:"inner"`
	InnerP   *orpcInner        `json:"inner_p"`
	Anon     struct{ B bool }  `json:"anon"`
	Labels   map[string]string `json:"labels"`
	unexport int
	orpcEmbedded
	*orpcInner2
}

type orpcInner2 struct {
	Deep string `json:"deep"`
}

type orpcText struct{}

func (orpcText) MarshalText() ([]byte, error) { return []byte("t"), nil }

type orpcUUID [16]byte

type orpcList []orpcList

type orpcMap map[string]orpcMap

type orpcPair[K comparable, V any] struct {
	Key K `json:"key"`
	Val V `json:"val"`
}

// schemaFromTypesCases are Go types with the schema each one generates
// without components: scalars, composites, pointers, the well-known types
// and those that cannot be encoded.
var schemaFromTypesCases = []struct {
	typ  reflect.Type
	want string
}{
	{reflect.TypeFor[bool](), `{"type":"boolean"}`},
	{reflect.TypeFor[int](), `{"type":"integer"}`},
	{reflect.TypeFor[int8](), `{"type":"integer"}`},
	{reflect.TypeFor[uint](), `{"type":"integer","minimum":0}`},
	{reflect.TypeFor[uint64](), `{"type":"integer","minimum":0}`},
	{reflect.TypeFor[float32](), `{"type":"number"}`},
	{reflect.TypeFor[float64](), `{"type":"number"}`},
	{reflect.TypeFor[string](), `{"type":"string"}`},
	{reflect.TypeFor[[]byte](), `{"type":"string","contentEncoding":"base64"}`},
	{reflect.TypeFor[[]int](), `{"type":"array","items":{"type":"integer"}}`},
	{reflect.TypeFor[[3]string](), `{"type":"array","items":{"type":"string"},"minItems":3,"maxItems":3}`},
	{reflect.TypeFor[[2]byte](), `{"type":"array","items":{"type":"integer","minimum":0},"minItems":2,"maxItems":2}`},
	{reflect.TypeFor[map[string]any](), `{"type":"object","additionalProperties":{}}`},
	{reflect.TypeFor[map[int][]bool](), `{"type":"object","additionalProperties":{"type":"array","items":{"type":"boolean"}}}`},
	{reflect.TypeFor[*int](), `{"type":["integer","null"]}`},
	{reflect.TypeFor[**string](), `{"type":["string","null"]}`},
	{reflect.TypeFor[any](), `{}`},
	{reflect.TypeFor[error](), `{}`},
	{reflect.TypeFor[*any](), `{}`},
	{reflect.TypeFor[json.RawMessage](), `{}`},
	{reflect.TypeFor[json.Number](), `{"type":"number"}`},
	{reflect.TypeFor[time.Time](), `{"type":"string","format":"date-time"}`},
	{reflect.TypeFor[*time.Time](), `{"type":["string","null"],"format":"date-time"}`},
	{reflect.TypeFor[time.Duration](), `{"type":"string","pattern":"^-?P\\d+DT\\d{2}H\\d{2}M\\d{2}(\\.\\d{6})?S$"}`},
	{reflect.TypeFor[django.Date](), `{"type":"string","format":"date"}`},
	{reflect.TypeFor[django.TimeOfDay](), `{"type":"string","format":"time"}`},
	{reflect.TypeFor[django.Decimal](), `{"type":"string","pattern":"^-?(\\d+(\\.\\d+)?(E[+-]\\d+)?|Infinity|s?NaN\\d*)$"}`},
	{reflect.TypeFor[*big.Float](), `{"type":["string","null"],"pattern":"^-?(\\d+(\\.\\d+)?(E[+-]\\d+)?|Infinity|s?NaN\\d*)$"}`},
	{reflect.TypeFor[*big.Rat](), `{"type":["string","null"],"pattern":"^-?(\\d+(\\.\\d+)?(E[+-]\\d+)?|Infinity|s?NaN\\d*)$"}`},
	{reflect.TypeFor[orpcUUID](), `{"type":"string","format":"uuid"}`},
	{reflect.TypeFor[[16]byte](), `{"type":"string","format":"uuid"}`},
	{reflect.TypeFor[orpcText](), `{"type":"string"}`},
	{reflect.TypeFor[net.IP](), `{"type":"string"}`},
	{reflect.TypeFor[struct{ time.Time }](), `{}`}, // promoted MarshalJSON
	{reflect.TypeFor[struct{}](), `{"type":"object"}`},
	{reflect.TypeFor[struct {
		A int    `json:"a"`
		B *int   `json:"b"`
		C string `json:"c,omitempty"`
	}](), `{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":["integer","null"]},"c":{"type":"string"}},"required":["a"]}`},
	{reflect.TypeFor[chan int](), `{}`},
	{reflect.TypeFor[func()](), `{}`},
	{reflect.TypeFor[complex128](), `{}`},
}

func TestSchemaFromTypes(t *testing.T) {
	for _, tt := range schemaFromTypesCases {
		t.Run(tt.typ.String(), func(t *testing.T) {
			g := newOrpcSchemaGen()
			if got := orpcJSON(t, g.schema(tt.typ)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if len(g.components) != 0 {
				t.Errorf("components: %s", orpcJSON(t, g.components))
			}
		})
	}
}

func TestSchemaStructComponents(t *testing.T) {
	g := newOrpcSchemaGen()
	got := orpcJSON(t, g.schema(reflect.TypeFor[*orpcFields]()))
	if want := `{"oneOf":[{"$ref":"#/components/schemas/orpcFields"},{"type":"null"}]}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	want := `{` +
		`"orpcFields":{"type":"object","properties":{` +
		`"anon":{"type":"object","properties":{"B":{"type":"boolean"}},"required":["B"]},` +
		`"count":{"type":"integer","minimum":0},` +
		`"deep":{"type":"string"},` +
		`"e":{"type":"integer"},` +
		`"inner":{"$ref":"#/components/schemas/orpcInner"},` +
		`"inner_p":{"oneOf":[{"$ref":"#/components/schemas/orpcInner"},{"type":"null"}]},` +
		`"labels":{"type":"object","additionalProperties":{"type":"string"}},` +
		`"maybe":{"type":"string"},` +
		`"name":{"type":"string"},` +
		`"opt":{"type":["number","null"]},` +
		`"quoted":{"type":"string"},` +
		`"quoted_p":{"type":["string","null"]},` +
		`"zero":{"type":"string","format":"date"}},` +
		`"required":["name","count","quoted","inner","anon","labels","e"]},` +
		`"orpcInner":{"type":"object","properties":{"A":{"type":"integer"}},"required":["A"]}}`
	if got := orpcJSON(t, g.components); got != want {
		t.Errorf("components:\ngot  %s\nwant %s", got, want)
	}
}

type orpcTree struct {
	Name     string              `json:"name"`
	Parent   *orpcTree           `json:"parent"`
	Children []orpcTree          `json:"children,omitempty"`
	ByName   map[string]orpcTree `json:"by_name,omitempty"`
	Other    *orpcOther          `json:"other,omitempty"`
}

type orpcOther struct {
	Back orpcTree `json:"back"`
}

func TestSchemaRecursion(t *testing.T) {
	g := newOrpcSchemaGen()
	if got, want := orpcJSON(t, g.schema(reflect.TypeFor[[]orpcTree]())), `{"type":"array","items":{"$ref":"#/components/schemas/orpcTree"}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	want := `{"orpcOther":{"type":"object","properties":{"back":{"$ref":"#/components/schemas/orpcTree"}},"required":["back"]},` +
		`"orpcTree":{"type":"object","properties":{` +
		`"by_name":{"type":"object","additionalProperties":{"$ref":"#/components/schemas/orpcTree"}},` +
		`"children":{"type":"array","items":{"$ref":"#/components/schemas/orpcTree"}},` +
		`"name":{"type":"string"},` +
		`"other":{"oneOf":[{"$ref":"#/components/schemas/orpcOther"},{"type":"null"}]},` +
		`"parent":{"oneOf":[{"$ref":"#/components/schemas/orpcTree"},{"type":"null"}]}},` +
		`"required":["name"]}}`
	if got := orpcJSON(t, g.components); got != want {
		t.Errorf("components:\ngot  %s\nwant %s", got, want)
	}

	// Recursive named slices and maps become components too.
	g = newOrpcSchemaGen()
	if got, want := orpcJSON(t, g.schema(reflect.TypeFor[orpcList]())), `{"$ref":"#/components/schemas/orpcList"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := orpcJSON(t, g.schema(reflect.TypeFor[*orpcMap]())), `{"oneOf":[{"$ref":"#/components/schemas/orpcMap"},{"type":"null"}]}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	want = `{"orpcList":{"type":"array","items":{"$ref":"#/components/schemas/orpcList"}},` +
		`"orpcMap":{"type":"object","additionalProperties":{"$ref":"#/components/schemas/orpcMap"}}}`
	if got := orpcJSON(t, g.components); got != want {
		t.Errorf("components:\ngot  %s\nwant %s", got, want)
	}
	// A non-recursive named slice stays inline.
	type names []string
	g = newOrpcSchemaGen()
	if got, want := orpcJSON(t, g.schema(reflect.TypeFor[names]())), `{"type":"array","items":{"type":"string"}}`; got != want || len(g.components) != 0 {
		t.Errorf("got %s (components %v), want %s", got, g.components, want)
	}
	// The document's own types are recursive (Schema refers to Schema).
	g = newOrpcSchemaGen()
	g.schema(reflect.TypeFor[*OpenRPCDocument]())
	if _, ok := g.components["Schema"]; !ok {
		t.Errorf("no Schema component: %v", g.components)
	}
}

func TestSchemaComponentNames(t *testing.T) {
	g := newOrpcSchemaGen()
	a := g.schema(reflect.TypeFor[orpcPair[string, orpcInner]]())
	b := g.schema(reflect.TypeFor[orpcPair[int, []*orpcInner]]())
	type orpcInner struct{ Local bool } // same name, other type
	c := g.schema(reflect.TypeFor[orpcInner]())
	got := orpcJSON(t, []any{a, b, c})
	want := `[{"$ref":"#/components/schemas/orpcPair_string_orpcInner"},` +
		`{"$ref":"#/components/schemas/orpcPair_int_orpcInner"},` +
		`{"$ref":"#/components/schemas/orpcInner_2"}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for name := range g.components {
		for _, c := range name {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-", c)) {
				t.Errorf("component name %q has %q", name, c)
			}
		}
	}
	if _, ok := g.components["orpcInner"]; !ok {
		t.Errorf("components: %v", g.components)
	}
}

func TestOpenRPCSchemaType(t *testing.T) {
	for _, tt := range []struct {
		in   SchemaType
		want string
	}{{SchemaType{"string"}, `"string"`}, {SchemaType{"string", "null"}, `["string","null"]`}} {
		if got := orpcJSON(t, tt.in); got != tt.want {
			t.Errorf("%v: %s, want %s", tt.in, got, tt.want)
		}
		var back SchemaType
		if err := json.Unmarshal([]byte(tt.want), &back); err != nil || !reflect.DeepEqual(back, tt.in) {
			t.Errorf("Unmarshal(%s) = %v, %v", tt.want, back, err)
		}
	}
	var st SchemaType
	if err := json.Unmarshal([]byte(`3`), &st); err == nil {
		t.Error("Unmarshal(3): no error")
	}
}
