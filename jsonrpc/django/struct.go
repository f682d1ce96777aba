package django

import (
	"reflect"

	"github.com/gochannels/channels-jsonrpc/jsonrpc/internal/jsonenc"
)

// field is a struct field as encoding/json sees it, with its encoder.
type field struct {
	jsonenc.Field
	key    []byte // `"name":`
	isZero func(reflect.Value) bool
	enc    encoderFunc
}

func newStructEncoder(t reflect.Type) encoderFunc {
	var fields []field
	for _, jf := range jsonenc.Fields(t) {
		f := field{Field: jf, key: append(appendJSONString(nil, jf.Name, true), ':'), enc: typeEncoder(jf.Type)}
		if f.OmitZero {
			f.isZero = zeroFunc(f.Type)
		}
		fields = append(fields, f)
	}
	return func(e *state, v reflect.Value, _ bool) error {
		e.buf = append(e.buf, '{')
		first := true
	fields:
		for i := range fields {
			f := &fields[i]
			fv := v
			for _, x := range f.Index {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue fields
					}
					fv = fv.Elem()
				}
				fv = fv.Field(x)
			}
			if f.OmitEmpty && isEmptyValue(fv) || f.OmitZero && f.isZero(fv) {
				continue
			}
			if !first {
				e.buf = append(e.buf, ',')
			}
			first = false
			e.buf = append(e.buf, f.key...)
			if err := f.enc(e, fv, f.Quoted); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		return nil
	}
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

func zeroFunc(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType),
		t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(interface{ IsZero() bool }).IsZero() }
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				c := reflect.New(v.Type()).Elem()
				c.Set(v)
				v = c
			}
			return v.Addr().Interface().(interface{ IsZero() bool }).IsZero()
		}
	}
	return reflect.Value.IsZero
}
