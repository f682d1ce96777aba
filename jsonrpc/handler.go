package jsonrpc

import (
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// This file adapts plain Go functions to JSON-RPC calls: it checks a
// function's signature once at registration, binds positional or named
// params to its parameters, and describes bad params to the caller in JSON
// terms (integer, string, object, ...), never with Go type names.

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

// quoteLabel quotes a param name for a message, shortened when long.
func quoteLabel(s string) string {
	if len(s) > maxNameLabel {
		cut := maxNameLabel
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

// paramMessage prefixes a decoding message with the method and the param:
// `add: param "b": ...`, or `add: params[1]: ...` for unnamed params. elem
// is the index within a variadic param, or -1.
func (m *method) paramMessage(i, elem int, msg string) string {
	var b strings.Builder
	b.WriteString(m.name())
	b.WriteString(": ")
	if p := m.params[i]; p.name != "" {
		b.WriteString("param ")
		b.WriteString(strconv.Quote(p.name))
		if elem >= 0 {
			b.WriteString("[" + strconv.Itoa(elem) + "]")
		}
	} else {
		if elem >= 0 {
			i += elem
		}
		b.WriteString("params[" + strconv.Itoa(i) + "]")
	}
	b.WriteString(": ")
	b.WriteString(msg)
	return b.String()
}

// countMessage describes a wrong number of positional params:
// "subtract: want 2 params (minuend, subtrahend), got 3".
func (m *method) countMessage(got int) string {
	var b strings.Builder
	b.WriteString(m.name())
	b.WriteString(": want ")
	max := len(m.params)
	switch {
	case max == 0:
		b.WriteString("no params")
	case m.variadic:
		b.WriteString("at least " + plural(m.minPos))
	case m.minPos == max:
		b.WriteString(plural(max))
	default:
		b.WriteString(strconv.Itoa(m.minPos) + " to " + plural(max))
	}
	if max > 0 && m.params[0].name != "" {
		names := make([]string, len(m.params))
		for i, p := range m.params {
			names[i] = p.name
		}
		if m.variadic {
			names[len(names)-1] += "..."
		}
		b.WriteString(" (" + strings.Join(names, ", ") + ")")
	}
	b.WriteString(", got " + strconv.Itoa(got))
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return "1 param"
	}
	return strconv.Itoa(n) + " params"
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

// mismatch describes a value of the wrong JSON type.
func mismatch(t reflect.Type, raw []byte) string {
	return "want " + describeType(t) + ", got " + gotValue(raw)
}

// gotValue names the JSON type of raw, with the literal for short numbers.
func gotValue(raw []byte) string {
	k := jsonKind(raw)
	if k == "number" && len(raw) <= 32 {
		return k + " " + string(raw)
	}
	return k
}

// describeType names what JSON value fills a Go type, in JSON terms.
func describeType(t reflect.Type) string {
	switch t {
	case timeType:
		return "string (RFC 3339 date-time)"
	case rawType:
		return "any value"
	case numberType:
		return "number"
	}
	if hasCustomDecoding(t) {
		return ""
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64, reflect.Uintptr:
		if t.Kind() == reflect.Uint || t.Kind() == reflect.Uint64 || t.Kind() == reflect.Uintptr {
			return "non-negative integer"
		}
		return "integer"
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return intRange(t)
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !hasCustomDecoding(t.Elem()) {
			return "string (base64)"
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Interface:
		return "any value"
	case reflect.Pointer:
		if d := describeType(t.Elem()); d != "" {
			return d + " or null"
		}
	}
	return ""
}

// intRange describes an integer type with its bounds.
func intRange(t reflect.Type) string {
	bits := t.Bits()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		lo := -(int64(1) << (bits - 1))
		hi := uint64(1)<<(bits-1) - 1
		return "integer between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatUint(hi, 10)
	}
	hi := uint64(math.MaxUint64)
	if bits < 64 {
		hi = uint64(1)<<bits - 1
	}
	return "integer between 0 and " + strconv.FormatUint(hi, 10)
}

// floatRange describes a floating-point type with its bounds.
func floatRange(t reflect.Type) string {
	max := math.MaxFloat64
	if t.Bits() == 32 {
		max = math.MaxFloat32
	}
	s := strconv.FormatFloat(max, 'g', 2, 64)
	return "number between -" + s + " and " + s
}

// describeUnmarshalError turns an encoding/json error into a client-facing
// message without Go type names.
func describeUnmarshalError(err error, top reflect.Type) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		if d := describeType(top); d != "" {
			return "invalid value, want " + d
		}
		return "invalid value"
	}
	want := ""
	if te.Type != nil {
		want = describeType(te.Type)
	}
	got := te.Value
	if got == "bool" {
		got = "boolean"
	}
	var b strings.Builder
	if te.Field != "" {
		b.WriteString("field ")
		b.WriteString(quoteLabel(te.Field))
		b.WriteString(": ")
	}
	if want == "" {
		b.WriteString("invalid value")
		if got != "" {
			b.WriteString(", got " + got)
		}
		return b.String()
	}
	b.WriteString("want " + want)
	if got != "" {
		b.WriteString(", got " + got)
	}
	return b.String()
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
