package jsonrpc

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
)

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
