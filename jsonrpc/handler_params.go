package jsonrpc

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
)

// Binding.

// bind decodes raw params (nil when absent) into args, whose length is
// m.nargs; args[0] is left for the context when m takes one. It returns a
// client-facing description of what is wrong, prefixed with the method
// name, or "".
func (m *method) bind(raw []byte, version int, args []reflect.Value) string {
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

// Decoding one value.

// decodeValue decodes the valid JSON value raw into dst (addressable). It
// returns "" or a client-facing description of the mismatch.
func decodeValue(raw []byte, dst reflect.Value) string {
	t := dst.Type()
	c := raw[0]
	if t.Kind() == reflect.Pointer {
		if c == 'n' {
			dst.SetZero()
			return ""
		}
		v := reflect.New(t.Elem())
		if msg := decodeValue(raw, v.Elem()); msg != "" {
			return msg
		}
		dst.Set(v)
		return ""
	}
	if hasCustomDecoding(t) {
		return decodeCustom(raw, dst)
	}
	switch t.Kind() {
	case reflect.Bool:
		if c != 't' && c != 'f' {
			return mismatch(t, raw)
		}
		dst.SetBool(c == 't')
		return ""
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if c != '-' && (c < '0' || c > '9') {
			return mismatch(t, raw)
		}
		neg, mag, integral, fits := parseJSONInt(raw)
		if !integral {
			return mismatch(t, raw)
		}
		bits := t.Bits()
		limit := uint64(1) << (bits - 1) // |min|; max is limit-1
		if !fits || (!neg && mag >= limit) || (neg && mag > limit) {
			return "want " + intRange(t) + ", got " + gotValue(raw)
		}
		v := int64(mag)
		if neg {
			v = -v // for mag == 1<<63 this wraps to math.MinInt64, as wanted
		}
		dst.SetInt(v)
		return ""
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if c != '-' && (c < '0' || c > '9') {
			return mismatch(t, raw)
		}
		neg, mag, integral, fits := parseJSONInt(raw)
		if !integral {
			return mismatch(t, raw)
		}
		if !fits || (neg && mag != 0) || (t.Bits() < 64 && mag >= uint64(1)<<t.Bits()) {
			return "want " + intRange(t) + ", got " + gotValue(raw)
		}
		dst.SetUint(mag)
		return ""
	case reflect.Float32, reflect.Float64:
		if c != '-' && (c < '0' || c > '9') {
			return mismatch(t, raw)
		}
		f, err := strconv.ParseFloat(string(raw), t.Bits())
		if err != nil {
			return "want " + floatRange(t) + ", got " + gotValue(raw)
		}
		dst.SetFloat(f)
		return ""
	case reflect.String:
		if c != '"' {
			return mismatch(t, raw)
		}
		if s, esc := rawString(raw); !esc {
			dst.SetString(string(s))
		} else {
			dst.SetString(unquote(raw))
		}
		return ""
	case reflect.Interface:
		// only the empty interface passes registration
	case reflect.Struct, reflect.Map:
		if c != '{' && !(c == 'n' && t.Kind() == reflect.Map) {
			return mismatch(t, raw)
		}
	case reflect.Slice:
		want := byte('[')
		if t.Elem().Kind() == reflect.Uint8 && !hasCustomDecoding(t.Elem()) {
			want = '"'
		}
		if c != want && c != 'n' {
			return mismatch(t, raw)
		}
	case reflect.Array:
		if c != '[' {
			return mismatch(t, raw)
		}
	}
	if err := json.Unmarshal(raw, dst.Addr().Interface()); err != nil {
		return describeUnmarshalError(err, t)
	}
	return ""
}

// decodeCustom decodes a type with its own UnmarshalJSON/UnmarshalText.
func decodeCustom(raw []byte, dst reflect.Value) string {
	t := dst.Type()
	if t == timeType && raw[0] != '"' {
		return "want " + describeType(t) + ", got " + gotValue(raw)
	}
	if err := json.Unmarshal(raw, dst.Addr().Interface()); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return describeUnmarshalError(err, t)
		}
		if d := describeType(t); d != "" {
			return "invalid value, want " + d
		}
		return "invalid value"
	}
	return ""
}

// parseJSONInt reads a valid JSON number as an integer: its sign and
// magnitude, whether it is integral (1.0 and 1e3 are), and whether the
// magnitude fits in 64 bits. The exponent is bounded, so huge exponents
// cost nothing.
func parseJSONInt(raw []byte) (neg bool, mag uint64, integral, fits bool) {
	i := 0
	if raw[i] == '-' {
		neg = true
		i++
	}
	intStart := i
	for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
		i++
	}
	intPart := raw[intStart:i]
	var frac []byte
	if i < len(raw) && raw[i] == '.' {
		i++
		s := i
		for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
			i++
		}
		frac = raw[s:i]
	}
	exp := 0
	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		i++
		eneg := false
		if raw[i] == '+' || raw[i] == '-' {
			eneg = raw[i] == '-'
			i++
		}
		for ; i < len(raw); i++ {
			if exp < 1_000_000 {
				exp = exp*10 + int(raw[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	// The digits are intPart followed by frac, times 10^(exp-len(frac)).
	n := len(intPart) + len(frac)
	digit := func(k int) byte {
		if k < len(intPart) {
			return intPart[k]
		}
		return frac[k-len(intPart)]
	}
	exp -= len(frac)
	for n > 0 && digit(n-1) == '0' { // trailing zeros
		n--
		exp++
	}
	lead := 0
	for lead < n && digit(lead) == '0' {
		lead++
	}
	if lead == n { // zero
		return neg, 0, true, true
	}
	if exp < 0 {
		return neg, 0, false, true
	}
	if n-lead+exp > 20 {
		return neg, 0, true, false
	}
	for k := lead; k < n; k++ {
		d := uint64(digit(k) - '0')
		if mag > (math.MaxUint64-d)/10 {
			return neg, 0, true, false
		}
		mag = mag*10 + d
	}
	for ; exp > 0; exp-- {
		if mag > math.MaxUint64/10 {
			return neg, 0, true, false
		}
		mag *= 10
	}
	return neg, mag, true, true
}
