package jsonrpc

import (
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// This file adapts plain Go functions to JSON-RPC calls: it checks a
// function's signature once at registration, binds positional or named
// params to its parameters, and describes bad params to the caller in JSON
// terms (integer, string, object, ...), never with Go type names. The
// binding and decoding of params are in handler_params.go, the messages in
// handler_messages.go.

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
	result     bool // returns a value
	errResult  bool // returns an error last
	nargs      int  // the number of arguments, context included
	recorder   atomic.Pointer[recorder]
}

// newMethod checks fn's signature and prepares its binding.
func newMethod(name string, fn reflect.Value, o *methodOptions) (*method, error) {
	t := fn.Type()
	fail := func(format string, args ...any) error {
		return fmt.Errorf("jsonrpc: register %q: "+format, append([]any{name}, args...)...)
	}
	m := &method{fn: fn, variadic: t.IsVariadic()}
	m.info.Name = name
	for i := 0; i < t.NumIn(); i++ {
		if t.In(i) == ctxType && i > 0 {
			return nil, fail("context.Context must be the first parameter")
		}
	}
	first := 0
	if t.NumIn() > 0 && t.In(0) == ctxType {
		m.ctx, first = true, 1
	}
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
			return nil, fail("the second result must be error, not %s", t.Out(1))
		}
		if t.Out(0) == errorType {
			return nil, fail("the first of two results must not be error")
		}
		m.result, m.errResult = true, true
	default:
		return nil, fail("at most 2 results ([value,] [error]) are allowed, not %d", t.NumOut())
	}
	if m.result {
		m.info.Result = t.Out(0)
	}
	n := t.NumIn() - first
	for i := first; i < t.NumIn(); i++ {
		pt := t.In(i)
		if m.variadic && i == t.NumIn()-1 {
			pt = pt.Elem()
		}
		if err := checkDecodable(pt); err != nil {
			return nil, fail("parameter %d (%s): %v", i-first, t.In(i), err)
		}
	}
	switch {
	case o.paramsSet:
		if len(o.params) != n {
			return nil, fail("Params names %d parameters, the function has %d", len(o.params), n)
		}
		seen := make(map[string]bool, n)
		for i, pn := range o.params {
			if pn == "" {
				return nil, fail("Params: name %d is empty", i)
			}
			if seen[pn] {
				return nil, fail("Params: name %q is repeated", pn)
			}
			seen[pn] = true
			m.params = append(m.params, param{name: pn, typ: t.In(first + i), required: !(m.variadic && i == n-1)})
		}
		m.mode = byName
	case n == 1 && !m.variadic && isStructParam(t.In(first)):
		st := t.In(first)
		if st.Kind() == reflect.Pointer {
			st, m.structPtr = st.Elem(), true
		}
		fields, err := structFields(st)
		if err != nil {
			return nil, fail("%v", err)
		}
		for _, f := range fields {
			if err := checkDecodable(f.typ); err != nil {
				return nil, fail("field %q (%s): %v", f.name, f.typ, err)
			}
		}
		m.structType, m.params, m.mode = st, fields, byField
	default:
		for i := 0; i < n; i++ {
			m.params = append(m.params, param{typ: t.In(first + i), required: !(m.variadic && i == n-1)})
		}
		m.mode = byPosition
	}
	for i, p := range m.params {
		if p.required {
			m.minPos = i + 1
		}
	}
	m.nargs = t.NumIn()
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
	return m, nil
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

// structFields lists the params a struct stands for: exported fields in
// declaration order, named by json tag else field name, embedded structs
// without a tag name flattened (the shallowest of equal names wins).
func structFields(t reflect.Type) ([]param, error) {
	type found struct {
		p     param
		depth int
	}
	var all []found
	var walk func(t reflect.Type, index []int, depth int, visiting map[reflect.Type]bool)
	walk = func(t reflect.Type, index []int, depth int, visiting map[reflect.Type]bool) {
		visiting[t] = true
		defer delete(visiting, t)
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			tagName, tagOpts, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), index...), i)
			if f.Anonymous && tagName == "" {
				ft := f.Type
				isPtr := ft.Kind() == reflect.Pointer
				if isPtr {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					if (isPtr && !f.IsExported()) || visiting[ft] {
						continue
					}
					walk(ft, idx, depth+1, visiting)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			pn := tagName
			if pn == "" {
				pn = f.Name
			}
			optional := f.Type.Kind() == reflect.Pointer
			for _, opt := range strings.Split(tagOpts, ",") {
				if opt == "omitempty" || opt == "omitzero" {
					optional = true
				}
			}
			all = append(all, found{param{name: pn, typ: f.Type, required: !optional, index: idx}, depth})
		}
	}
	walk(t, nil, 0, map[reflect.Type]bool{})
	best := map[string]int{} // name -> shallowest depth
	count := map[string]int{}
	for _, f := range all {
		d, ok := best[f.p.name]
		switch {
		case !ok || f.depth < d:
			best[f.p.name], count[f.p.name] = f.depth, 1
		case f.depth == d:
			count[f.p.name]++
		}
	}
	var out []param
	for _, f := range all {
		if best[f.p.name] != f.depth {
			continue
		}
		if count[f.p.name] > 1 {
			return nil, fmt.Errorf("field name %q is ambiguous (embedded structs at the same depth)", f.p.name)
		}
		out = append(out, f.p)
	}
	return out, nil
}

// Calling.

// call runs the function. res is invalid when it returns no value.
func (m *method) call(args []reflect.Value) (res reflect.Value, err error) {
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
		res = out[0]
	}
	return res, err
}
