package django

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

func newSliceEncoder(t reflect.Type) encoderFunc {
	el := t.Elem()
	if el.Kind() == reflect.Uint8 {
		p := reflect.PointerTo(el)
		if !p.Implements(marshalerType) && !p.Implements(textMarshalerType) {
			return func(e *state, v reflect.Value, _ bool) error {
				if v.IsNil() {
					e.buf = append(e.buf, "null"...)
					return nil
				}
				e.buf = append(e.buf, '"')
				e.buf = base64.StdEncoding.AppendEncode(e.buf, v.Bytes())
				e.buf = append(e.buf, '"')
				return nil
			}
		}
	}
	arr := newArrayEncoder(t)
	return func(e *state, v reflect.Value, q bool) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(v); err != nil {
			return err
		}
		err := arr(e, v, q)
		e.leave(v)
		return err
	}
}

func newArrayEncoder(t reflect.Type) encoderFunc {
	elem := typeEncoder(t.Elem())
	return func(e *state, v reflect.Value, _ bool) error {
		e.buf = append(e.buf, '[')
		for i, n := 0, v.Len(); i < n; i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := elem(e, v.Index(i), false); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
		return nil
	}
}

// mapKeyFunc returns the function giving a map key's JSON name, or nil when
// keys of type t cannot be encoded.
func mapKeyFunc(t reflect.Type) func(reflect.Value) (string, error) {
	special := func(app func([]byte, reflect.Value) ([]byte, error)) func(reflect.Value) (string, error) {
		return func(k reflect.Value) (string, error) {
			b, err := app(nil, k)
			if err != nil {
				return "", err
			}
			// All special forms are quoted ASCII without escapes.
			return string(b[1 : len(b)-1]), nil
		}
	}
	if app := specialAppender(t); app != nil {
		return special(app)
	}
	if t.Kind() == reflect.Pointer {
		if app := specialAppender(t.Elem()); app != nil {
			f := special(app)
			return func(k reflect.Value) (string, error) {
				if k.IsNil() {
					return "", nil
				}
				return f(k.Elem())
			}
		}
	}
	if t.Kind() == reflect.String {
		return func(k reflect.Value) (string, error) { return k.String(), nil }
	}
	if t.Implements(textMarshalerType) {
		return func(k reflect.Value) (string, error) {
			if k.Kind() == reflect.Pointer && k.IsNil() {
				return "", nil
			}
			b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return "", &json.MarshalerError{Type: k.Type(), Err: err}
			}
			return string(b), nil
		}
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(k reflect.Value) (string, error) { return strconv.FormatInt(k.Int(), 10), nil }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(k reflect.Value) (string, error) { return strconv.FormatUint(k.Uint(), 10), nil }
	}
	return nil
}

func newMapEncoder(t reflect.Type) encoderFunc {
	keyName := mapKeyFunc(t.Key())
	if keyName == nil {
		return func(_ *state, v reflect.Value, _ bool) error {
			return &json.UnsupportedTypeError{Type: v.Type()}
		}
	}
	elem := typeEncoder(t.Elem())
	type kv struct {
		name string
		v    reflect.Value
	}
	return func(e *state, v reflect.Value, _ bool) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(v); err != nil {
			return err
		}
		defer e.leave(v)
		kvs := make([]kv, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			name, err := keyName(it.Key())
			if err != nil {
				return err
			}
			kvs = append(kvs, kv{name, it.Value()})
		}
		slices.SortFunc(kvs, func(a, b kv) int { return strings.Compare(a.name, b.name) })
		e.buf = append(e.buf, '{')
		for i, p := range kvs {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = appendJSONString(e.buf, p.name, true)
			e.buf = append(e.buf, ':')
			if err := elem(e, p.v, false); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		return nil
	}
}
