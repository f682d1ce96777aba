package jsonrpc

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"time"

	"github.com/gochannels/channels-jsonrpc/jsonrpc/django"
	"github.com/gochannels/channels-jsonrpc/jsonrpc/internal/jsonenc"
)

// Schema is a JSON Schema (draft 7, as OpenRPC uses) in the subset that
// [Registry.OpenRPC] generates from Go types. The zero Schema encodes as {}
// and accepts any value.
type Schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 SchemaType         `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	ContentEncoding      string             `json:"contentEncoding,omitempty"`
	Minimum              *int64             `json:"minimum,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	MinItems             *int               `json:"minItems,omitempty"`
	MaxItems             *int               `json:"maxItems,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	OneOf                []*Schema          `json:"oneOf,omitempty"`
}

// SchemaType is the "type" keyword: one JSON type name, encoded as a
// string, or several (such as ["string", "null"]), encoded as an array.
type SchemaType []string

// MarshalJSON encodes one type as a string and several as an array.
func (t SchemaType) MarshalJSON() ([]byte, error) {
	if len(t) == 1 {
		return json.Marshal(t[0])
	}
	return json.Marshal([]string(t))
}

// UnmarshalJSON reads a string or an array of strings.
func (t *SchemaType) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = SchemaType{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return fmt.Errorf("jsonrpc: schema type must be a string or an array of strings: %s", b)
	}
	*t = ss
	return nil
}

// The types whose schema is that of the strings django.Encoder writes, and
// those that encode themselves.
var (
	durationType      = reflect.TypeFor[time.Duration]()
	dateType          = reflect.TypeFor[django.Date]()
	timeOfDayType     = reflect.TypeFor[django.TimeOfDay]()
	decimalType       = reflect.TypeFor[django.Decimal]()
	bigFloatType      = reflect.TypeFor[big.Float]()
	bigRatType        = reflect.TypeFor[big.Rat]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// Patterns of the strings django.Encoder writes for durations and decimals.
const (
	durationPattern = `^-?P\d+DT\d{2}H\d{2}M\d{2}(\.\d{6})?S$`
	decimalPattern  = `^-?(\d+(\.\d+)?(E[+-]\d+)?|Infinity|s?NaN\d*)$`
)

// orpcSchemaGen turns Go types into schemas, collecting the components.
type orpcSchemaGen struct {
	components map[string]*Schema
	names      map[reflect.Type]string // types with a component
	taken      map[string]bool
	building   map[reflect.Type]bool // named non-struct types being generated
}

func newOrpcSchemaGen() *orpcSchemaGen {
	return &orpcSchemaGen{
		components: map[string]*Schema{},
		names:      map[reflect.Type]string{},
		taken:      map[string]bool{},
		building:   map[reflect.Type]bool{},
	}
}

const orpcRefPrefix = "#/components/schemas/"

func orpcType(names ...string) *Schema { return &Schema{Type: SchemaType(names)} }

// schema returns the schema of t. Shared schemas (components) are only
// referred to, never returned, so callers may modify the result.
func (g *orpcSchemaGen) schema(t reflect.Type) *Schema {
	if t == nil {
		return &Schema{}
	}
	if s := orpcWellKnown(t); s != nil {
		return s
	}
	switch t.Kind() {
	case reflect.Pointer:
		return orpcNullable(g.schema(t.Elem()))
	case reflect.Interface:
		return &Schema{}
	}
	if orpcImplements(t, marshalerType) {
		return &Schema{}
	}
	if orpcImplements(t, textMarshalerType) {
		return orpcType("string")
	}
	if name, ok := g.names[t]; ok {
		return &Schema{Ref: orpcRefPrefix + name}
	}
	switch t.Kind() {
	case reflect.Struct:
		return g.structSchema(t)
	case reflect.Slice, reflect.Array, reflect.Map:
		return g.compositeSchema(t)
	}
	return g.basic(t)
}

// orpcWellKnown returns the schema of the types with a fixed one (the
// strings django.Encoder writes for times, durations, decimals and UUIDs,
// json.RawMessage and json.Number), or nil for any other type.
func orpcWellKnown(t reflect.Type) *Schema {
	switch {
	case t == timeType:
		return &Schema{Type: SchemaType{"string"}, Format: "date-time"}
	case t == dateType:
		return &Schema{Type: SchemaType{"string"}, Format: "date"}
	case t == timeOfDayType:
		return &Schema{Type: SchemaType{"string"}, Format: "time"}
	case t == durationType:
		return &Schema{Type: SchemaType{"string"}, Pattern: durationPattern}
	case t == decimalType, t == bigFloatType, t == bigRatType:
		return &Schema{Type: SchemaType{"string"}, Pattern: decimalPattern}
	case t.Kind() == reflect.Array && t.Len() == 16 && t.Elem().Kind() == reflect.Uint8:
		return &Schema{Type: SchemaType{"string"}, Format: "uuid"}
	case t == rawType:
		return &Schema{}
	case t == numberType:
		return orpcType("number")
	}
	return nil
}

// structSchema returns the schema of struct type t: its object schema when
// t is unnamed, else a reference to the component that holds it.
func (g *orpcSchemaGen) structSchema(t reflect.Type) *Schema {
	if t.Name() == "" {
		return g.object(t)
	}
	name := g.reserve(t)
	g.components[name] = g.object(t)
	return &Schema{Ref: orpcRefPrefix + name}
}

// compositeSchema returns the schema of slice, array or map type t. A named
// type met again while its schema is being generated is recursive: it gets
// a component, and its schema is a reference to it.
func (g *orpcSchemaGen) compositeSchema(t reflect.Type) *Schema {
	if t.Name() == "" {
		return g.composite(t)
	}
	if g.building[t] { // recursion through a named non-struct type
		return &Schema{Ref: orpcRefPrefix + g.reserve(t)}
	}
	g.building[t] = true
	s := g.composite(t)
	delete(g.building, t)
	if name, ok := g.names[t]; ok {
		g.components[name] = s
		return &Schema{Ref: orpcRefPrefix + name}
	}
	return s
}

func (g *orpcSchemaGen) basic(t reflect.Type) *Schema {
	switch t.Kind() {
	case reflect.Bool:
		return orpcType("boolean")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return orpcType("integer")
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		zero := int64(0)
		return &Schema{Type: SchemaType{"integer"}, Minimum: &zero}
	case reflect.Float32, reflect.Float64:
		return orpcType("number")
	case reflect.String:
		return orpcType("string")
	}
	return &Schema{} // channels, functions, complex numbers: not encodable
}

func (g *orpcSchemaGen) composite(t reflect.Type) *Schema {
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			p := reflect.PointerTo(t.Elem())
			if !p.Implements(marshalerType) && !p.Implements(textMarshalerType) {
				return &Schema{Type: SchemaType{"string"}, ContentEncoding: "base64"}
			}
		}
		return &Schema{Type: SchemaType{"array"}, Items: g.schema(t.Elem())}
	case reflect.Array:
		n := t.Len()
		return &Schema{Type: SchemaType{"array"}, Items: g.schema(t.Elem()), MinItems: &n, MaxItems: &n}
	default: // map
		return &Schema{Type: SchemaType{"object"}, AdditionalProperties: g.schema(t.Elem())}
	}
}

// object is the schema of struct type t's fields, as encoding/json (and
// django.Encoder) encode them.
func (g *orpcSchemaGen) object(t reflect.Type) *Schema {
	s := &Schema{Type: SchemaType{"object"}, Properties: map[string]*Schema{}}
	for _, f := range jsonenc.Fields(t) {
		var fs *Schema
		if f.Quoted {
			fs = orpcType("string")
			if f.Type.Kind() == reflect.Pointer {
				fs = orpcNullable(fs)
			}
		} else {
			fs = g.schema(f.Type)
		}
		s.Properties[f.Name] = fs
		if !f.OmitEmpty && !f.OmitZero && f.Type.Kind() != reflect.Pointer && !orpcBehindPointer(t, f.Index) {
			s.Required = append(s.Required, f.Name)
		}
	}
	return s
}

// orpcBehindPointer reports whether the field at index is reached through an
// embedded pointer, and so is left out when that pointer is nil.
func orpcBehindPointer(t reflect.Type, index []int) bool {
	for _, i := range index[:len(index)-1] {
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		t = t.Field(i).Type
		if t.Kind() == reflect.Pointer {
			return true
		}
	}
	return false
}

// reserve gives t a unique component name.
func (g *orpcSchemaGen) reserve(t reflect.Type) string {
	if name, ok := g.names[t]; ok {
		return name
	}
	base := orpcComponentName(t)
	name := base
	for i := 2; g.taken[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	g.taken[name] = true
	g.names[t] = name
	return name
}

// orpcComponentName makes a component key (letters, digits, ".", "-", "_")
// from the type's name, dropping package paths from type arguments:
// "Page[example.com/m/pkg.Item]" becomes "Page_Item".
func orpcComponentName(t reflect.Type) string {
	name := t.Name()
	var b strings.Builder
	word := func(w string) {
		if i := strings.LastIndexByte(w, '.'); i >= 0 {
			w = w[i+1:]
		}
		if w == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte('_')
		}
		for _, c := range w {
			if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				b.WriteRune(c)
			} else {
				b.WriteByte('_')
			}
		}
	}
	start := 0
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '[', ']', ',', ' ', '*', '(', ')':
			word(name[start:i])
			start = i + 1
		}
	}
	word(name[start:])
	if b.Len() == 0 {
		return "Type"
	}
	return b.String()
}

func orpcImplements(t, iface reflect.Type) bool {
	return t.Implements(iface) || t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface)
}

// orpcNullable returns s also accepting null.
func orpcNullable(s *Schema) *Schema {
	switch {
	case s.Ref != "":
		return &Schema{OneOf: []*Schema{s, orpcType("null")}}
	case len(s.OneOf) > 0:
		for _, o := range s.OneOf {
			if len(o.Type) == 1 && o.Type[0] == "null" {
				return s
			}
		}
		s.OneOf = append(s.OneOf, orpcType("null"))
		return s
	case len(s.Type) == 0: // {} already accepts null
		return s
	}
	for _, ty := range s.Type {
		if ty == "null" {
			return s
		}
	}
	s.Type = append(s.Type[:len(s.Type):len(s.Type)], "null")
	return s
}
