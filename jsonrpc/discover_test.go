package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/gochannels/channels-jsonrpc/jsonrpc/django"
	"math/big"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
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

func TestSchemaFromTypes(t *testing.T) {
	tests := []struct {
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
	for _, tt := range tests {
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

type orpcSearch struct {
	Query string    `json:"query"`
	Limit *int      `json:"limit"`
	Since time.Time `json:"since,omitzero"`
}

type orpcHit struct {
	ID    orpcUUID         `json:"id"`
	Score float64          `json:"score"`
	Price django.Decimal   `json:"price"`
	Day   django.Date      `json:"day"`
	Next  *orpcHit         `json:"next,omitempty"`
	At    django.TimeOfDay `json:"at"`
}

func orpcRegistry(t *testing.T) *Registry {
	t.Helper()
	var r Registry
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.Register(func(a, b int) int { return a + b }, Name("add"), Doc("Adds two integers.")))
	must(r.Register(func(ctx context.Context, s orpcSearch) ([]orpcHit, error) { return nil, nil }, Name("search")))
	must(r.Register(func(root *orpcTree, depth uint8) (orpcTree, error) { return orpcTree{}, nil },
		Name("tree"), Params("root", "depth"), OnlyWebsocket()))
	must(r.Register(func(prefix string, xs ...float64) {}, Name("log"), OnlyHTTP()))
	must(r.RegisterNotification(func(d time.Duration, day django.Date) {}, Name("tick")))
	return &r
}

const orpcGolden = `{
  "openrpc": "1.3.2",
  "info": {
    "title": "Test service",
    "version": "1.0.0",
    "description": "For the tests."
  },
  "methods": [
    {
      "name": "add",
      "description": "Adds two integers.",
      "paramStructure": "by-position",
      "params": [
        {
          "name": "arg0",
          "required": true,
          "schema": {
            "type": "integer"
          }
        },
        {
          "name": "arg1",
          "required": true,
          "schema": {
            "type": "integer"
          }
        }
      ],
      "result": {
        "name": "result",
        "schema": {
          "type": "integer"
        }
      },
      "x-transports": [
        "websocket",
        "http"
      ]
    },
    {
      "name": "search",
      "paramStructure": "either",
      "params": [
        {
          "name": "query",
          "required": true,
          "schema": {
            "type": "string"
          }
        },
        {
          "name": "limit",
          "schema": {
            "type": [
              "integer",
              "null"
            ]
          }
        },
        {
          "name": "since",
          "schema": {
            "type": "string",
            "format": "date-time"
          }
        }
      ],
      "result": {
        "name": "result",
        "schema": {
          "type": "array",
          "items": {
            "$ref": "#/components/schemas/orpcHit"
          }
        }
      },
      "x-transports": [
        "websocket",
        "http"
      ]
    },
    {
      "name": "tree",
      "paramStructure": "either",
      "params": [
        {
          "name": "root",
          "required": true,
          "schema": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/orpcTree"
              },
              {
                "type": "null"
              }
            ]
          }
        },
        {
          "name": "depth",
          "required": true,
          "schema": {
            "type": "integer",
            "minimum": 0
          }
        }
      ],
      "result": {
        "name": "result",
        "schema": {
          "$ref": "#/components/schemas/orpcTree"
        }
      },
      "x-transports": [
        "websocket"
      ]
    },
    {
      "name": "log",
      "paramStructure": "by-position",
      "params": [
        {
          "name": "arg0",
          "required": true,
          "schema": {
            "type": "string"
          }
        },
        {
          "name": "arg1",
          "schema": {
            "type": "array",
            "items": {
              "type": "number"
            }
          },
          "x-variadic": true
        }
      ],
      "result": {
        "name": "result",
        "schema": {
          "type": "null"
        }
      },
      "x-transports": [
        "http"
      ]
    },
    {
      "name": "tick",
      "paramStructure": "by-position",
      "params": [
        {
          "name": "arg0",
          "required": true,
          "schema": {
            "type": "string",
            "pattern": "^-?P\\d+DT\\d{2}H\\d{2}M\\d{2}(\\.\\d{6})?S$"
          }
        },
        {
          "name": "arg1",
          "required": true,
          "schema": {
            "type": "string",
            "format": "date"
          }
        }
      ],
      "x-transports": [
        "websocket",
        "http"
      ]
    }
  ],
  "components": {
    "schemas": {
      "orpcHit": {
        "type": "object",
        "properties": {
          "at": {
            "type": "string",
            "format": "time"
          },
          "day": {
            "type": "string",
            "format": "date"
          },
          "id": {
            "type": "string",
            "format": "uuid"
          },
          "next": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/orpcHit"
              },
              {
                "type": "null"
              }
            ]
          },
          "price": {
            "type": "string",
            "pattern": "^-?(\\d+(\\.\\d+)?(E[+-]\\d+)?|Infinity|s?NaN\\d*)$"
          },
          "score": {
            "type": "number"
          }
        },
        "required": [
          "id",
          "score",
          "price",
          "day",
          "at"
        ]
      },
      "orpcOther": {
        "type": "object",
        "properties": {
          "back": {
            "$ref": "#/components/schemas/orpcTree"
          }
        },
        "required": [
          "back"
        ]
      },
      "orpcTree": {
        "type": "object",
        "properties": {
          "by_name": {
            "type": "object",
            "additionalProperties": {
              "$ref": "#/components/schemas/orpcTree"
            }
          },
          "children": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/orpcTree"
            }
          },
          "name": {
            "type": "string"
          },
          "other": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/orpcOther"
              },
              {
                "type": "null"
              }
            ]
          },
          "parent": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/orpcTree"
              },
              {
                "type": "null"
              }
            ]
          }
        },
        "required": [
          "name"
        ]
      }
    }
  }
}`

func TestOpenRPCGolden(t *testing.T) {
	r := orpcRegistry(t)
	doc := r.OpenRPC(OpenRPCInfo{Title: "Test service", Version: "1.0.0", Description: "For the tests."})
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != orpcGolden {
		t.Errorf("document:\n%s", got)
	}
	// Deterministic, and the same through django.Encoder.
	again, _ := json.MarshalIndent(r.OpenRPC(OpenRPCInfo{Title: "Test service", Version: "1.0.0", Description: "For the tests."}), "", "  ")
	if !bytes.Equal(got, again) {
		t.Error("two documents differ")
	}
	dj, err := django.Encoder{}.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dj, compact.Bytes()) {
		t.Errorf("django.Encoder:\n%s\nencoding/json:\n%s", dj, compact.Bytes())
	}
	// The document reads back into its types.
	var back OpenRPCDocument
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, doc) {
		t.Errorf("read back differs:\n%#v\n%#v", back, *doc)
	}
}

// TestOpenRPCDocumentRequiredFields checks the document against the fields
// the OpenRPC 1.3.2 meta-schema requires, read as plain JSON.
func TestOpenRPCDocumentRequiredFields(t *testing.T) {
	for _, r := range []*Registry{orpcRegistry(t), {}, nil} {
		b, err := json.Marshal(r.OpenRPC(OpenRPCInfo{Title: "T", Version: "0.1"}))
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) {
			t.Fatalf("invalid JSON: %s", b)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc["openrpc"] != "1.3.2" {
			t.Errorf("openrpc = %v", doc["openrpc"])
		}
		info, _ := doc["info"].(map[string]any)
		if _, ok := info["title"].(string); !ok {
			t.Errorf("info.title missing: %s", b)
		}
		if _, ok := info["version"].(string); !ok {
			t.Errorf("info.version missing: %s", b)
		}
		methods, ok := doc["methods"].([]any)
		if !ok {
			t.Fatalf("methods missing: %s", b)
		}
		for _, mv := range methods {
			m := mv.(map[string]any)
			if _, ok := m["name"].(string); !ok {
				t.Errorf("method without name: %v", m)
			}
			params, ok := m["params"].([]any)
			if !ok {
				t.Errorf("method %v without params", m["name"])
			}
			for _, pv := range params {
				p := pv.(map[string]any)
				if _, ok := p["name"].(string); !ok {
					t.Errorf("%v: param without name", m["name"])
				}
				if _, ok := p["schema"].(map[string]any); !ok {
					t.Errorf("%v: param without schema", m["name"])
				}
			}
			if ps := m["paramStructure"]; ps != "by-position" && ps != "either" && ps != "by-name" {
				t.Errorf("%v: paramStructure %v", m["name"], ps)
			}
			if res, ok := m["result"].(map[string]any); ok {
				if res["name"] != "result" || res["schema"] == nil {
					t.Errorf("%v: result %v", m["name"], res)
				}
			} else if m["name"] != "tick" {
				t.Errorf("%v: no result", m["name"])
			}
		}
		// Every $ref resolves.
		comps := map[string]any{}
		if c, ok := doc["components"].(map[string]any); ok {
			comps, _ = c["schemas"].(map[string]any)
		}
		for _, ref := range orpcRefs(doc) {
			if _, ok := comps[strings.TrimPrefix(ref, "#/components/schemas/")]; !ok || !strings.HasPrefix(ref, "#/components/schemas/") {
				t.Errorf("unresolved $ref %q", ref)
			}
		}
		if r == nil || len(r.Methods()) == 0 {
			if len(methods) != 0 || doc["components"] != nil {
				t.Errorf("empty registry: %s", b)
			}
		}
	}
}

func orpcRefs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				out = append(out, s)
			}
			out = append(out, orpcRefs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, orpcRefs(x)...)
		}
	}
	return out
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
