package jsonrpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
)

// Encoding what methods return: the predeclared types directly, the rest
// with the dispatch's Encoder.

// predeclared holds, by kind, the predeclared type of the kinds
// appendValue encodes itself: a value of a named type of the same kind may
// have methods (MarshalJSON), and goes to encoding/json.
var predeclared = [...]reflect.Type{
	reflect.Bool:   reflect.TypeFor[bool](),
	reflect.Int:    reflect.TypeFor[int](),
	reflect.Int8:   reflect.TypeFor[int8](),
	reflect.Int16:  reflect.TypeFor[int16](),
	reflect.Int32:  reflect.TypeFor[int32](),
	reflect.Int64:  reflect.TypeFor[int64](),
	reflect.Uint:   reflect.TypeFor[uint](),
	reflect.Uint8:  reflect.TypeFor[uint8](),
	reflect.Uint16: reflect.TypeFor[uint16](),
	reflect.Uint32: reflect.TypeFor[uint32](),
	reflect.Uint64: reflect.TypeFor[uint64](),
	reflect.String: reflect.TypeFor[string](),
}

// appendResult is appendValue of a method's result; a text goes to the
// standard encoder unboxed.
func (d *dispatcher) appendResult(buf []byte, r result) ([]byte, error) {
	if r.isText && d.enc == nil {
		return appendJSONString(buf, r.text), nil
	}
	return d.appendValue(buf, r.reflectValue())
}

// appendValue appends the JSON encoding of a handler's value (invalid: no
// value, null) with the dispatch Encoder.
func (d *dispatcher) appendValue(buf []byte, v reflect.Value) ([]byte, error) {
	if v.IsValid() && v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if !v.IsValid() {
		return append(buf, "null"...), nil
	}
	if d.enc == nil {
		// Predeclared types have no methods: encode them directly.
		if k := v.Kind(); int(k) < len(predeclared) && v.Type() == predeclared[k] {
			switch k {
			case reflect.String:
				return appendJSONString(buf, v.String()), nil
			case reflect.Bool:
				return strconv.AppendBool(buf, v.Bool()), nil
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				return strconv.AppendInt(buf, v.Int(), 10), nil
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				return strconv.AppendUint(buf, v.Uint(), 10), nil
			}
		}
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return buf, err
		}
		return append(buf, b...), nil
	}
	b, err := d.enc.Marshal(v.Interface())
	if err != nil {
		return buf, err
	}
	b = bytes.TrimSpace(b)
	if valid, _ := validJSON(b); !valid {
		return buf, errors.New("the encoder produced invalid JSON")
	}
	return append(buf, b...), nil
}
