package jsonrpc

import "reflect"

// Binding.

// bind decodes raw params (nil when absent) into args, whose length is
// m.nargs; args[0] is left for the context when m takes one. It returns a
// client-facing description of what is wrong, prefixed with the method
// name, or "".
func (m *method) bind(raw []byte, version int, args []reflect.Value) string {
	if raw == nil && len(m.params) == 0 && m.mode != byField {
		return "" // nothing given, nothing taken: the common call of a ping
	}
	kind := byte('[')
	if raw != nil {
		kind = raw[0]
	}
	switch {
	case kind == '{' && version == v1:
		return m.name() + ": params must be an array, got object"
	case kind != '[' && kind != '{':
		if version == v1 {
			return m.name() + ": params must be an array, got " + jsonKind(raw)
		}
		return m.name() + ": params must be an array or an object, got " + jsonKind(raw)
	}
	if m.ctx {
		args = args[1:]
	}
	if m.mode == byField {
		sv := reflect.New(m.structType)
		var msg string
		if kind == '[' {
			msg = m.bindArray(raw, sv.Elem(), nil)
		} else {
			msg = m.bindObject(raw, sv.Elem(), nil)
		}
		if msg != "" {
			return msg
		}
		if m.structPtr {
			args[0] = sv
		} else {
			args[0] = sv.Elem()
		}
		return ""
	}
	if kind == '[' {
		return m.bindArray(raw, reflect.Value{}, args)
	}
	if m.mode == byPosition && len(m.params) > 0 {
		return m.name() + ": params must be given by position (an array)"
	}
	return m.bindObject(raw, reflect.Value{}, args)
}

func (m *method) name() string { return m.info.Name }

// target returns where param i is decoded to: a field of sv, or a new value
// stored in args[i].
func (m *method) target(i int, sv reflect.Value, args []reflect.Value) reflect.Value {
	if sv.IsValid() {
		return fieldAlloc(sv, m.params[i].index)
	}
	v := reflect.New(m.params[i].typ).Elem()
	args[i] = v
	return v
}

// fieldAlloc returns the field at index, allocating embedded pointers.
func fieldAlloc(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// bindArray binds positional params.
func (m *method) bindArray(raw []byte, sv reflect.Value, args []reflect.Value) string {
	got := 0
	if raw != nil {
		got = countElements(raw)
	}
	fixed := len(m.params)
	if m.variadic {
		fixed--
	}
	if got < m.minPos || (!m.variadic && got > len(m.params)) {
		return m.countMessage(got)
	}
	it := newArrayIter(raw)
	i := 0
	for ; i < fixed && i < got; i++ {
		el, _ := it.next()
		if msg := decodeValue(el, m.target(i, sv, args)); msg != "" {
			return m.paramMessage(i, -1, msg)
		}
	}
	if m.variadic {
		st := m.params[fixed].typ
		rest := reflect.MakeSlice(st, got-fixed, got-fixed)
		for j := 0; j < got-fixed; j++ {
			el, _ := it.next()
			if msg := decodeValue(el, rest.Index(j)); msg != "" {
				return m.paramMessage(fixed, j, msg)
			}
		}
		args[fixed] = rest
	}
	// Unset struct-mode fields keep their zero values; unset plain
	// parameters cannot happen (got >= minPos covers them all).
	return ""
}

// bindObject binds named params.
func (m *method) bindObject(raw []byte, sv reflect.Value, args []reflect.Value) string {
	var seenSmall uint64
	var seenLarge []bool
	if len(m.params) > 64 {
		seenLarge = make([]bool, len(m.params))
	}
	it := newObjectIter(raw)
	for key, val, ok := it.next(); ok; key, val, ok = it.next() {
		i := m.lookupParam(key)
		if i < 0 {
			return m.name() + ": unknown param " + quoteLabel(unquote(key))
		}
		if msg := decodeValue(val, m.target(i, sv, args)); msg != "" {
			return m.paramMessage(i, -1, msg)
		}
		if seenLarge != nil {
			seenLarge[i] = true
		} else {
			seenSmall |= 1 << uint(i)
		}
	}
	for i, p := range m.params {
		seen := seenLarge != nil && seenLarge[i] || seenLarge == nil && seenSmall&(1<<uint(i)) != 0
		if seen {
			continue
		}
		if p.required {
			return m.name() + ": missing param " + quoteLabel(p.name)
		}
		if !sv.IsValid() { // an absent variadic param: no values
			args[i] = reflect.MakeSlice(p.typ, 0, 0)
		}
	}
	return ""
}

// lookupParam finds the param named by a raw key, or -1.
func (m *method) lookupParam(key []byte) int {
	inner, esc := rawString(key)
	var s string
	if esc {
		s = unquote(key)
	}
	for i, p := range m.params {
		if esc && p.name == s || !esc && p.name == string(inner) {
			return i
		}
	}
	return -1
}
