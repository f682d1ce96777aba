package jsonrpc

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/jsonrpc/django"
)

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
			checkOpenRPCMethod(t, mv.(map[string]any))
		}
		checkOpenRPCRefs(t, doc)
		if r == nil || len(r.Methods()) == 0 {
			if len(methods) != 0 || doc["components"] != nil {
				t.Errorf("empty registry: %s", b)
			}
		}
	}
}

// checkOpenRPCMethod checks the fields a Method Object requires (name,
// params with name and schema, a known paramStructure) and its result, which
// only the notification handler "tick" goes without.
func checkOpenRPCMethod(t *testing.T, m map[string]any) {
	t.Helper()
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

// checkOpenRPCRefs checks that every $ref in doc resolves to one of its
// components.schemas.
func checkOpenRPCRefs(t *testing.T, doc map[string]any) {
	t.Helper()
	comps := map[string]any{}
	if c, ok := doc["components"].(map[string]any); ok {
		comps, _ = c["schemas"].(map[string]any)
	}
	for _, ref := range orpcRefs(doc) {
		if _, ok := comps[strings.TrimPrefix(ref, "#/components/schemas/")]; !ok || !strings.HasPrefix(ref, "#/components/schemas/") {
			t.Errorf("unresolved $ref %q", ref)
		}
	}
}

// orpcRefs collects the "$ref" values anywhere in v, a document read as
// plain JSON.
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
