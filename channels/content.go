package channels

import (
	"errors"
	"fmt"
	"math"
	"reflect"
)

// Content is the body of an ASGI message: string keys and values of the ASGI
// value set. Layers deliver a copy of what was sent, in canonical form:
//
//	nil, bool, int64, float64, string, []byte, []any, map[string]any
//
// Other Go integer and float types, Content, slices, arrays, pointers and
// string-keyed maps are accepted by Send and converted (byte slices and arrays
// to []byte, nil slices and maps to nil); anything else (structs, channels,
// functions, maps with other keys, values nested more than 100 levels deep)
// is an error wrapping [ErrInvalidMessage]. Text and bytes stay distinct: a
// string is never delivered as []byte.
type Content map[string]any

// ErrInvalidMessage is matched by errors for content a layer cannot carry.
var ErrInvalidMessage = errors.New("channels: invalid message")

// ReservedKey is the content key the layers use internally to route
// process-local messages; user content must not contain it.
const ReservedKey = "__asgi_channel__"

// Clone returns a deep copy of c in canonical form, or an error naming the
// first value that is not in the ASGI value set.
func (c Content) Clone() (Content, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: content is nil", ErrInvalidMessage)
	}
	out := make(Content, len(c)+1)
	for k, v := range c {
		cv, err := canonical(v, 1)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: %v", ErrInvalidMessage, k, err)
		}
		out[k] = cv
	}
	return out, nil
}

// ShallowCopy returns a new map with the same values as c.
func (c Content) ShallowCopy() Content {
	out := make(Content, len(c)+1)
	for k, v := range c {
		out[k] = v
	}
	return out
}

// maxDepth bounds the nesting of lists and maps, so that a value that
// contains itself is an error rather than a stack overflow.
const maxDepth = 100

// canonical converts v, found at nesting level depth, to canonical form.
// Nil slices and maps become nil, as they do through JSON and msgpack.
func canonical(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", maxDepth)
	}
	switch v := v.(type) {
	case nil, bool, string, int64, float64:
		return v, nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case []byte:
		return append([]byte{}, v...), nil
	case map[string]any:
		return canonicalMap(v, depth)
	case Content:
		return canonicalMap(v, depth)
	case []any:
		if v == nil {
			return nil, nil
		}
		out := make([]any, len(v))
		for i, e := range v {
			ce, err := canonical(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = ce
		}
		return out, nil
	}
	return canonicalReflect(reflect.ValueOf(v), depth)
}

func canonicalMap(m map[string]any, depth int) (any, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		ce, err := canonical(e, depth+1)
		if err != nil {
			return nil, err
		}
		out[k] = ce
	}
	return out, nil
}

// canonicalReflect handles the less common types: other integer and float
// widths, named types, typed slices and arrays, string-keyed maps and
// pointers. Byte slices and byte arrays become []byte.
func canonicalReflect(rv reflect.Value, depth int) (any, error) {
	switch rv.Kind() {
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("integer %d overflows int64", u)
		}
		return int64(u), nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), nil
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, rv.Len())
			for i := range b {
				b[i] = byte(rv.Index(i).Uint())
			}
			return b, nil
		}
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil, nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			ce, err := canonical(rv.Index(i).Interface(), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = ce
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map key type %s is not a string", rv.Type().Key())
		}
		if rv.IsNil() {
			return nil, nil
		}
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			ce, err := canonical(it.Value().Interface(), depth+1)
			if err != nil {
				return nil, err
			}
			out[it.Key().String()] = ce
		}
		return out, nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return canonical(rv.Elem().Interface(), depth+1)
	}
	return nil, fmt.Errorf("type %s is not an ASGI value", rv.Type())
}

// String returns the string value of key, or "" when it is absent or not a
// string. A []byte value is returned as a string.
func (c Content) String(key string) string { return stringValue(c[key]) }

func stringValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

// Int returns the integer value of key. JSON numbers (float64 holding an
// integer) count as integers.
func (c Content) Int(key string) (int64, bool) { return intValue(c[key]) }

func intValue(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v), true
		}
	}
	return 0, false
}

// Bool returns the boolean value of key and whether it was a bool.
func (c Content) Bool(key string) (value, ok bool) {
	value, ok = c[key].(bool)
	return value, ok
}

// Has reports whether key is present, whatever its value.
func (c Content) Has(key string) bool {
	_, ok := c[key]
	return ok
}

// canonicalForm is c when its values are already in the canonical form
// Clone gives, and a canonical copy otherwise: content a receiver may take
// during the send without a copy of its own.
func (c Content) canonicalForm() (Content, error) {
	if c.canonicalAlready() {
		return c, nil
	}
	return c.Clone()
}

// canonicalAlready reports whether every value of c is already in the
// canonical form Clone gives, so that a copy would change nothing but
// identity. Nil and too deep contents are not.
func (c Content) canonicalAlready() bool {
	return c != nil && canonicalMapAlready(c, 0)
}

func canonicalMapAlready(m map[string]any, depth int) bool {
	for _, v := range m {
		if !canonicalValueAlready(v, depth+1) {
			return false
		}
	}
	return true
}

func canonicalValueAlready(v any, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch v := v.(type) {
	case nil, bool, string, int64, float64:
		return true
	case []byte:
		return v != nil
	case map[string]any:
		return v != nil && canonicalMapAlready(v, depth)
	case []any:
		if v == nil {
			return false
		}
		for _, e := range v {
			if !canonicalValueAlready(e, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
