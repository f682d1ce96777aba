package jsonrpc

import (
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"
)

// This file adapts plain Go functions to JSON-RPC calls: it checks a
// function's signature once at registration, binds positional or named
// params to its parameters, and describes bad params to the caller in JSON
// terms (integer, string, object, ...), never with Go type names. The
// binding of params is in handler_params.go, the decoding of one value in
// handler_decode.go, the fields of a struct parameter in handler_fields.go,
// the messages in handler_messages.go.

var (
	ctxType      = reflect.TypeFor[context.Context]()
	errorType    = reflect.TypeFor[error]()
	rawType      = reflect.TypeFor[json.RawMessage]()
	numberType   = reflect.TypeFor[json.Number]()
	timeType     = reflect.TypeFor[time.Time]()
	unmarshaler  = reflect.TypeFor[json.Unmarshaler]()
	textUnmarsh  = reflect.TypeFor[encoding.TextUnmarshaler]()
	maxNameLabel = 40
)

// bindMode is how params reach the function's parameters.
type bindMode uint8

const (
	byPosition bindMode = iota // plain parameters without names: arrays only
	byName                     // plain parameters named with Params
	byField                    // one struct parameter: its fields
)

// param is one bindable parameter (or struct field).
type param struct {
	name     string // "" when unnamed
	typ      reflect.Type
	required bool
	index    []int // field path in byField mode
}

// method is a registered handler.
type method struct {
	info     MethodInfo
	fn       reflect.Value
	ctx      bool // the first parameter is a context.Context
	mode     bindMode
	params   []param
	variadic bool
	minPos   int // fewest positional params accepted
	// byField: the struct type and whether the function takes a pointer
	structType reflect.Type
	structPtr  bool
	result     bool       // returns a value
	errResult  bool       // returns an error last
	nargs      int        // the number of arguments, context included
	direct     directCall // nil: called through reflect (handler_direct.go)
	recorder   atomic.Pointer[recorder]
}

// newMethod checks fn's signature and prepares its binding.
func newMethod(name string, fn reflect.Value, o *methodOptions) (*method, error) {
	t := fn.Type()
	m := &method{fn: fn, variadic: t.IsVariadic()}
	m.info.Name = name
	if err := m.prepare(t, o); err != nil {
		return nil, fmt.Errorf("jsonrpc: register %q: %v", name, err)
	}
	m.describeParams()
	m.direct = directCallOf(fn.Interface())
	return m, nil
}

// prepare checks t, the type of m's function, and sets how its calls are
// bound: context, results, params and their mode. Its error says what is
// wrong with the signature.
func (m *method) prepare(t reflect.Type, o *methodOptions) error {
	first, err := m.checkContext(t)
	if err != nil {
		return err
	}
	if err := m.checkResults(t); err != nil {
		return err
	}
	if err := checkParamTypes(t, first); err != nil {
		return err
	}
	n := t.NumIn() - first
	switch {
	case o.paramsSet:
		err = m.nameParams(t, first, o.params)
	case n == 1 && !m.variadic && isStructParam(t.In(first)):
		err = m.fieldParams(t.In(first))
	default:
		m.positionalParams(t, first)
	}
	if err != nil {
		return err
	}
	for i, p := range m.params {
		if p.required {
			m.minPos = i + 1
		}
	}
	m.nargs = t.NumIn()
	return nil
}

// checkContext accepts a context.Context only as the first parameter and
// returns the index of the first parameter bound from params.
func (m *method) checkContext(t reflect.Type) (first int, err error) {
	for i := 1; i < t.NumIn(); i++ {
		if t.In(i) == ctxType {
			return 0, errors.New("context.Context must be the first parameter")
		}
	}
	if t.NumIn() > 0 && t.In(0) == ctxType {
		m.ctx = true
		return 1, nil
	}
	return 0, nil
}

// checkResults accepts [value,] [error] as results and records which of
// them the function returns.
func (m *method) checkResults(t reflect.Type) error {
	switch t.NumOut() {
	case 0:
	case 1:
		if t.Out(0) == errorType {
			m.errResult = true
		} else {
			m.result = true
		}
	case 2:
		if t.Out(1) != errorType {
			return fmt.Errorf("the second result must be error, not %s", t.Out(1))
		}
		if t.Out(0) == errorType {
			return errors.New("the first of two results must not be error")
		}
		m.result, m.errResult = true, true
	default:
		return fmt.Errorf("at most 2 results ([value,] [error]) are allowed, not %d", t.NumOut())
	}
	if m.result {
		m.info.Result = t.Out(0)
	}
	return nil
}

// checkParamTypes refuses a function with a parameter from first on (the
// elements of a variadic one) that JSON can never fill.
func checkParamTypes(t reflect.Type, first int) error {
	for i := first; i < t.NumIn(); i++ {
		pt := t.In(i)
		if t.IsVariadic() && i == t.NumIn()-1 {
			pt = pt.Elem()
		}
		if err := checkDecodable(pt); err != nil {
			return fmt.Errorf("parameter %d (%s): %v", i-first, t.In(i), err)
		}
	}
	return nil
}

// nameParams binds the parameters from first on by the names given with
// Params, one for each.
func (m *method) nameParams(t reflect.Type, first int, names []string) error {
	n := t.NumIn() - first
	if len(names) != n {
		return fmt.Errorf("Params names %d parameters, the function has %d", len(names), n)
	}
	seen := make(map[string]bool, n)
	for i, pn := range names {
		if pn == "" {
			return fmt.Errorf("Params: name %d is empty", i)
		}
		if seen[pn] {
			return fmt.Errorf("Params: name %q is repeated", pn)
		}
		seen[pn] = true
		m.params = append(m.params, param{name: pn, typ: t.In(first + i), required: !(m.variadic && i == n-1)})
	}
	m.mode = byName
	return nil
}

// fieldParams binds the fields of the lone struct (or struct pointer)
// parameter of type st.
func (m *method) fieldParams(st reflect.Type) error {
	if st.Kind() == reflect.Pointer {
		st, m.structPtr = st.Elem(), true
	}
	fields, err := structFields(st)
	if err != nil {
		return err
	}
	for _, f := range fields {
		if err := checkDecodable(f.typ); err != nil {
			return fmt.Errorf("field %q (%s): %v", f.name, f.typ, err)
		}
	}
	m.structType, m.params, m.mode = st, fields, byField
	return nil
}

// positionalParams binds the parameters from first on by position.
func (m *method) positionalParams(t reflect.Type, first int) {
	n := t.NumIn() - first
	for i := 0; i < n; i++ {
		m.params = append(m.params, param{typ: t.In(first + i), required: !(m.variadic && i == n-1)})
	}
	m.mode = byPosition
}

// describeParams fills in the MethodInfo of m's params: unnamed ones are
// called arg0, arg1, ...
func (m *method) describeParams() {
	m.info.Variadic = m.variadic
	m.info.Named = m.mode != byPosition || len(m.params) == 0
	m.info.Params = make([]ParamInfo, len(m.params))
	for i, p := range m.params {
		pn := p.name
		if pn == "" {
			pn = "arg" + strconv.Itoa(i)
		}
		m.info.Params[i] = ParamInfo{Name: pn, Type: p.typ, Required: p.required}
	}
}

// hasCustomDecoding reports whether t decodes itself from JSON.
func hasCustomDecoding(t reflect.Type) bool {
	if t == rawType || t == numberType {
		return true
	}
	pt := reflect.PointerTo(t)
	return t.Implements(unmarshaler) || pt.Implements(unmarshaler) ||
		t.Implements(textUnmarsh) || pt.Implements(textUnmarsh)
}

// isStructParam reports whether a lone parameter of type t stands for its
// fields.
func isStructParam(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && !hasCustomDecoding(t)
}

// checkDecodable refuses parameter types JSON can never fill.
func checkDecodable(t reflect.Type) error {
	if hasCustomDecoding(t) {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer:
		return errors.New("cannot be decoded from JSON")
	case reflect.Interface:
		if t.NumMethod() > 0 && !hasCustomDecoding(t) {
			return errors.New("an interface with methods cannot be decoded from JSON")
		}
	}
	return nil
}

// Calling.

// call runs the function with args, or with ctx when it is called
// directly. res is invalid when it returns no value.
func (m *method) call(ctx context.Context, args []reflect.Value) (res result, err error) {
	if m.direct != nil {
		return m.direct(ctx)
	}
	var out []reflect.Value
	if m.variadic {
		out = m.fn.CallSlice(args)
	} else {
		out = m.fn.Call(args)
	}
	if m.errResult {
		if e := out[len(out)-1]; !e.IsNil() {
			err = e.Interface().(error)
		}
	}
	if m.result {
		res.value = out[0]
	}
	return res, err
}
