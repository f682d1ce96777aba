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
// Other Go integer and float types, Content, slices and string-keyed maps are
// accepted by Send and converted; anything else (structs, channels,
// functions, maps with other keys) is an error wrapping [ErrInvalidMessage].
// Text and bytes stay distinct: a string is never delivered as []byte.
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
		cv, err := canonical(v)
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

func canonical(v any) (any, error) {
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
		return canonicalMap(v)
	case Content:
		return canonicalMap(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			ce, err := canonical(e)
			if err != nil {
				return nil, err
			}
			out[i] = ce
		}
		return out, nil
	}
	return canonicalReflect(reflect.ValueOf(v))
}

func canonicalMap(m map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		ce, err := canonical(e)
		if err != nil {
			return nil, err
		}
		out[k] = ce
	}
	return out, nil
}

// canonicalReflect handles the less common types: other integer and float
// widths, named types, typed slices and string-keyed maps.
func canonicalReflect(rv reflect.Value) (any, error) {
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
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			return append([]byte{}, rv.Bytes()...), nil
		}
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil, nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			ce, err := canonical(rv.Index(i).Interface())
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
		out := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			ce, err := canonical(it.Value().Interface())
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
		return canonical(rv.Elem().Interface())
	}
	return nil, fmt.Errorf("type %s is not an ASGI value", rv.Type())
}

// String returns the string value of key, or "" when it is absent or not a
// string. A []byte value is returned as a string.
func (c Content) String(key string) string {
	switch v := c[key].(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

// Int returns the integer value of key. JSON numbers (float64 holding an
// integer) count as integers.
func (c Content) Int(key string) (int64, bool) {
	switch v := c[key].(type) {
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
