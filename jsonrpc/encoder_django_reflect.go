package jsonrpc

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"sync"
	"time"
)

// --- reflective encoder ---------------------------------------------------

var (
	djDurationType      = reflect.TypeFor[time.Duration]()
	djDateType          = reflect.TypeFor[Date]()
	djTimeOfDayType     = reflect.TypeFor[TimeOfDay]()
	djDecimalType       = reflect.TypeFor[Decimal]()
	djBigFloatType      = reflect.TypeFor[big.Float]()
	djBigRatType        = reflect.TypeFor[big.Rat]()
	djMarshalerType     = reflect.TypeFor[json.Marshaler]()
	djTextMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	djIsZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// djCycleDepth is the pointer, map and slice nesting past which the encoder
// starts to look for cycles, as encoding/json does.
const djCycleDepth = 1000

type djState struct {
	buf      []byte
	ptrLevel int
	seen     map[djSeenKey]struct{}
}

type djSeenKey struct {
	p uintptr
	n int
	t reflect.Type
}

func (e *djState) value(v reflect.Value) error {
	if !v.IsValid() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return djTypeEncoder(v.Type())(e, v, false)
}

// enter and leave bracket a pointer, map or slice level; past djCycleDepth
// levels, a reference seen again on the current path is a cycle.
func (e *djState) enter(v reflect.Value) error {
	e.ptrLevel++
	if e.ptrLevel <= djCycleDepth {
		return nil
	}
	k := djSeenKey{p: v.Pointer(), t: v.Type()}
	if v.Kind() == reflect.Slice {
		k.n = v.Len()
	}
	if e.seen == nil {
		e.seen = map[djSeenKey]struct{}{}
	}
	if _, ok := e.seen[k]; ok {
		return &json.UnsupportedValueError{Value: v, Str: fmt.Sprintf("encountered a cycle via %s", v.Type())}
	}
	e.seen[k] = struct{}{}
	return nil
}

func (e *djState) leave(v reflect.Value) {
	if e.ptrLevel > djCycleDepth {
		k := djSeenKey{p: v.Pointer(), t: v.Type()}
		if v.Kind() == reflect.Slice {
			k.n = v.Len()
		}
		delete(e.seen, k)
	}
	e.ptrLevel--
}

type djEncoderFunc func(e *djState, v reflect.Value, quoted bool) error

var djEncoderCache sync.Map // reflect.Type -> djEncoderFunc

func djTypeEncoder(t reflect.Type) djEncoderFunc {
	if f, ok := djEncoderCache.Load(t); ok {
		return f.(djEncoderFunc)
	}
	// A recursive type reaches itself while its encoder is being built: hand
	// out a forwarder that waits for the real encoder.
	var (
		wg sync.WaitGroup
		f  djEncoderFunc
	)
	wg.Add(1)
	fi, loaded := djEncoderCache.LoadOrStore(t, djEncoderFunc(func(e *djState, v reflect.Value, q bool) error {
		wg.Wait()
		return f(e, v, q)
	}))
	if loaded {
		return fi.(djEncoderFunc)
	}
	f = djNewTypeEncoder(t, true)
	wg.Done()
	djEncoderCache.Store(t, f)
	return f
}

// djSpecialAppender returns the writer of Django's format for t, or nil.
func djSpecialAppender(t reflect.Type) func(b []byte, v reflect.Value) ([]byte, error) {
	switch {
	case t == timeType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return djAppendDjangoTime(b, v.Interface().(time.Time))
		}
	case t == djDurationType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return djAppendDjangoDuration(b, time.Duration(v.Int())), nil
		}
	case t == djDateType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return djAppendDjangoDate(b, v.Interface().(Date))
		}
	case t == djTimeOfDayType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return djAppendDjangoTimeOfDay(b, v.Interface().(TimeOfDay))
		}
	case t == djDecimalType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			p, err := djParseDecimal(v.String())
			if err != nil {
				return b, err
			}
			return append(p.appendTo(append(b, '"')), '"'), nil
		}
	case t == djBigFloatType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			var x *big.Float
			if v.CanAddr() {
				x = v.Addr().Interface().(*big.Float)
			} else {
				c := v.Interface().(big.Float)
				x = &c
			}
			return append(djBigFloatParts(x).appendTo(append(b, '"')), '"'), nil
		}
	case t == djBigRatType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			var x *big.Rat
			if v.CanAddr() {
				x = v.Addr().Interface().(*big.Rat)
			} else {
				c := v.Interface().(big.Rat)
				x = &c
			}
			return append(djBigRatParts(x).appendTo(append(b, '"')), '"'), nil
		}
	case t.Kind() == reflect.Array && t.Len() == 16 && t.Elem().Kind() == reflect.Uint8:
		return func(b []byte, v reflect.Value) ([]byte, error) { return djAppendUUID(b, v), nil }
	}
	return nil
}

func djNewTypeEncoder(t reflect.Type, allowAddr bool) djEncoderFunc {
	if app := djSpecialAppender(t); app != nil {
		return func(e *djState, v reflect.Value, _ bool) error {
			b, err := app(e.buf, v)
			e.buf = b
			return err
		}
	}
	switch t.Kind() {
	case reflect.Interface:
		return djInterfaceEncoder
	case reflect.Pointer:
		return djNewPtrEncoder(t)
	}
	if allowAddr && reflect.PointerTo(t).Implements(djMarshalerType) {
		return djCondAddrEncoder(djAddrMarshalerEncoder, djNewTypeEncoder(t, false))
	}
	if t.Implements(djMarshalerType) {
		return djMarshalerEncoder
	}
	if allowAddr && reflect.PointerTo(t).Implements(djTextMarshalerType) {
		return djCondAddrEncoder(djAddrTextMarshalerEncoder, djNewTypeEncoder(t, false))
	}
	if t.Implements(djTextMarshalerType) {
		return djTextMarshalerEncoder
	}
	switch t.Kind() {
	case reflect.Bool:
		return djBoolEncoder
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return djIntEncoder
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return djUintEncoder
	case reflect.Float32:
		return djFloat32Encoder
	case reflect.Float64:
		return djFloat64Encoder
	case reflect.String:
		if t == numberType {
			return djNumberEncoder
		}
		return djStringEncoder
	case reflect.Struct:
		return djNewStructEncoder(t)
	case reflect.Map:
		return djNewMapEncoder(t)
	case reflect.Slice:
		return djNewSliceEncoder(t)
	case reflect.Array:
		return djNewArrayEncoder(t)
	}
	return func(_ *djState, v reflect.Value, _ bool) error {
		return &json.UnsupportedTypeError{Type: v.Type()}
	}
}

func djInterfaceEncoder(e *djState, v reflect.Value, _ bool) error {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.value(v.Elem())
}

func djNewPtrEncoder(t reflect.Type) djEncoderFunc {
	elem := djTypeEncoder(t.Elem())
	return func(e *djState, v reflect.Value, quoted bool) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.enter(v); err != nil {
			return err
		}
		err := elem(e, v.Elem(), quoted)
		e.leave(v)
		return err
	}
}

func djCondAddrEncoder(canAddr, otherwise djEncoderFunc) djEncoderFunc {
	return func(e *djState, v reflect.Value, quoted bool) error {
		if v.CanAddr() {
			return canAddr(e, v, quoted)
		}
		return otherwise(e, v, quoted)
	}
}

func (e *djState) writeMarshalerJSON(t reflect.Type, m json.Marshaler) error {
	b, err := m.MarshalJSON()
	if err == nil {
		var c bytes.Buffer
		if err = json.Compact(&c, b); err == nil {
			w := bytes.NewBuffer(e.buf)
			json.HTMLEscape(w, c.Bytes())
			e.buf = w.Bytes()
		}
	}
	if err != nil {
		return &json.MarshalerError{Type: t, Err: err}
	}
	return nil
}

func (e *djState) writeTextMarshaler(t reflect.Type, m encoding.TextMarshaler) error {
	b, err := m.MarshalText()
	if err != nil {
		return &json.MarshalerError{Type: t, Err: err}
	}
	e.buf = djAppendJSONString(e.buf, string(b), true)
	return nil
}

func djMarshalerEncoder(e *djState, v reflect.Value, _ bool) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	m, ok := v.Interface().(json.Marshaler)
	if !ok {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.writeMarshalerJSON(v.Type(), m)
}

func djAddrMarshalerEncoder(e *djState, v reflect.Value, _ bool) error {
	return e.writeMarshalerJSON(v.Type(), v.Addr().Interface().(json.Marshaler))
}

func djTextMarshalerEncoder(e *djState, v reflect.Value, _ bool) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	m, ok := v.Interface().(encoding.TextMarshaler)
	if !ok {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.writeTextMarshaler(v.Type(), m)
}

func djAddrTextMarshalerEncoder(e *djState, v reflect.Value, _ bool) error {
	return e.writeTextMarshaler(v.Type(), v.Addr().Interface().(encoding.TextMarshaler))
}
