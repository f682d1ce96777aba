package django

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
	durationType      = reflect.TypeFor[time.Duration]()
	dateType          = reflect.TypeFor[Date]()
	timeOfDayType     = reflect.TypeFor[TimeOfDay]()
	decimalType       = reflect.TypeFor[Decimal]()
	bigFloatType      = reflect.TypeFor[big.Float]()
	bigRatType        = reflect.TypeFor[big.Rat]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
	timeType          = reflect.TypeFor[time.Time]()
	numberType        = reflect.TypeFor[json.Number]()
)

// cycleDepth is the pointer, map and slice nesting past which the encoder
// starts to look for cycles, as encoding/json does.
const cycleDepth = 1000

type state struct {
	buf      []byte
	ptrLevel int
	seen     map[seenKey]struct{}
}

type seenKey struct {
	p uintptr
	n int
	t reflect.Type
}

func (e *state) value(v reflect.Value) error {
	if !v.IsValid() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return typeEncoder(v.Type())(e, v, false)
}

// enter and leave bracket a pointer, map or slice level; past cycleDepth
// levels, a reference seen again on the current path is a cycle.
func (e *state) enter(v reflect.Value) error {
	e.ptrLevel++
	if e.ptrLevel <= cycleDepth {
		return nil
	}
	k := seenKey{p: v.Pointer(), t: v.Type()}
	if v.Kind() == reflect.Slice {
		k.n = v.Len()
	}
	if e.seen == nil {
		e.seen = map[seenKey]struct{}{}
	}
	if _, ok := e.seen[k]; ok {
		return &json.UnsupportedValueError{Value: v, Str: fmt.Sprintf("encountered a cycle via %s", v.Type())}
	}
	e.seen[k] = struct{}{}
	return nil
}

func (e *state) leave(v reflect.Value) {
	if e.ptrLevel > cycleDepth {
		k := seenKey{p: v.Pointer(), t: v.Type()}
		if v.Kind() == reflect.Slice {
			k.n = v.Len()
		}
		delete(e.seen, k)
	}
	e.ptrLevel--
}

type encoderFunc func(e *state, v reflect.Value, quoted bool) error

var encoderCache sync.Map // reflect.Type -> encoderFunc

func typeEncoder(t reflect.Type) encoderFunc {
	if f, ok := encoderCache.Load(t); ok {
		return f.(encoderFunc)
	}
	// A recursive type reaches itself while its encoder is being built: hand
	// out a forwarder that waits for the real encoder.
	var (
		wg sync.WaitGroup
		f  encoderFunc
	)
	wg.Add(1)
	fi, loaded := encoderCache.LoadOrStore(t, encoderFunc(func(e *state, v reflect.Value, q bool) error {
		wg.Wait()
		return f(e, v, q)
	}))
	if loaded {
		return fi.(encoderFunc)
	}
	f = newTypeEncoder(t, true)
	wg.Done()
	encoderCache.Store(t, f)
	return f
}

// specialAppender returns the writer of Django's format for t, or nil.
func specialAppender(t reflect.Type) func(b []byte, v reflect.Value) ([]byte, error) {
	switch {
	case t == timeType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return appendDjangoTime(b, v.Interface().(time.Time))
		}
	case t == durationType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return appendDjangoDuration(b, time.Duration(v.Int())), nil
		}
	case t == dateType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return appendDjangoDate(b, v.Interface().(Date))
		}
	case t == timeOfDayType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			return appendDjangoTimeOfDay(b, v.Interface().(TimeOfDay))
		}
	case t == decimalType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			p, err := parseDecimal(v.String())
			if err != nil {
				return b, err
			}
			return append(p.appendTo(append(b, '"')), '"'), nil
		}
	case t == bigFloatType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			var x *big.Float
			if v.CanAddr() {
				x = v.Addr().Interface().(*big.Float)
			} else {
				c := v.Interface().(big.Float)
				x = &c
			}
			return append(bigFloatParts(x).appendTo(append(b, '"')), '"'), nil
		}
	case t == bigRatType:
		return func(b []byte, v reflect.Value) ([]byte, error) {
			var x *big.Rat
			if v.CanAddr() {
				x = v.Addr().Interface().(*big.Rat)
			} else {
				c := v.Interface().(big.Rat)
				x = &c
			}
			return append(bigRatParts(x).appendTo(append(b, '"')), '"'), nil
		}
	case t.Kind() == reflect.Array && t.Len() == 16 && t.Elem().Kind() == reflect.Uint8:
		return func(b []byte, v reflect.Value) ([]byte, error) { return appendUUID(b, v), nil }
	}
	return nil
}

func newTypeEncoder(t reflect.Type, allowAddr bool) encoderFunc {
	if app := specialAppender(t); app != nil {
		return func(e *state, v reflect.Value, _ bool) error {
			b, err := app(e.buf, v)
			e.buf = b
			return err
		}
	}
	switch t.Kind() {
	case reflect.Interface:
		return interfaceEncoder
	case reflect.Pointer:
		return newPtrEncoder(t)
	}
	if allowAddr && reflect.PointerTo(t).Implements(marshalerType) {
		return condAddrEncoder(addrMarshalerEncoder, newTypeEncoder(t, false))
	}
	if t.Implements(marshalerType) {
		return marshalerEncoder
	}
	if allowAddr && reflect.PointerTo(t).Implements(textMarshalerType) {
		return condAddrEncoder(addrTextMarshalerEncoder, newTypeEncoder(t, false))
	}
	if t.Implements(textMarshalerType) {
		return textMarshalerEncoder
	}
	switch t.Kind() {
	case reflect.Bool:
		return boolEncoder
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intEncoder
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintEncoder
	case reflect.Float32:
		return float32Encoder
	case reflect.Float64:
		return float64Encoder
	case reflect.String:
		if t == numberType {
			return numberEncoder
		}
		return stringEncoder
	case reflect.Struct:
		return newStructEncoder(t)
	case reflect.Map:
		return newMapEncoder(t)
	case reflect.Slice:
		return newSliceEncoder(t)
	case reflect.Array:
		return newArrayEncoder(t)
	}
	return func(_ *state, v reflect.Value, _ bool) error {
		return &json.UnsupportedTypeError{Type: v.Type()}
	}
}

func interfaceEncoder(e *state, v reflect.Value, _ bool) error {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.value(v.Elem())
}

func newPtrEncoder(t reflect.Type) encoderFunc {
	elem := typeEncoder(t.Elem())
	return func(e *state, v reflect.Value, quoted bool) error {
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

func condAddrEncoder(canAddr, otherwise encoderFunc) encoderFunc {
	return func(e *state, v reflect.Value, quoted bool) error {
		if v.CanAddr() {
			return canAddr(e, v, quoted)
		}
		return otherwise(e, v, quoted)
	}
}

func (e *state) writeMarshalerJSON(t reflect.Type, m json.Marshaler) error {
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

func (e *state) writeTextMarshaler(t reflect.Type, m encoding.TextMarshaler) error {
	b, err := m.MarshalText()
	if err != nil {
		return &json.MarshalerError{Type: t, Err: err}
	}
	e.buf = appendJSONString(e.buf, string(b), true)
	return nil
}

func marshalerEncoder(e *state, v reflect.Value, _ bool) error {
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

func addrMarshalerEncoder(e *state, v reflect.Value, _ bool) error {
	return e.writeMarshalerJSON(v.Type(), v.Addr().Interface().(json.Marshaler))
}

func textMarshalerEncoder(e *state, v reflect.Value, _ bool) error {
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

func addrTextMarshalerEncoder(e *state, v reflect.Value, _ bool) error {
	return e.writeTextMarshaler(v.Type(), v.Addr().Interface().(encoding.TextMarshaler))
}
