package jsonrpc

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
)

// Decoding one value: a param into its Go parameter or field, described in
// JSON terms when it does not fit.

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
		return decodeInt(raw, dst)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return decodeUint(raw, dst)
	case reflect.Float32, reflect.Float64:
		return decodeFloat(raw, dst)
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
	}
	return decodeComposite(raw, dst)
}

// startsNumber reports whether c can begin a JSON number.
func startsNumber(c byte) bool { return c == '-' || c >= '0' && c <= '9' }

// integralNumber reads raw as an integral JSON number for a value of
// integer type t: its sign and magnitude and whether the magnitude fits in
// 64 bits, or the mismatch message when raw is no such number.
func integralNumber(raw []byte, t reflect.Type) (neg bool, mag uint64, fits bool, msg string) {
	if !startsNumber(raw[0]) {
		return false, 0, false, mismatch(t, raw)
	}
	neg, mag, integral, fits := parseJSONInt(raw)
	if !integral {
		return false, 0, false, mismatch(t, raw)
	}
	return neg, mag, fits, ""
}

// decodeInt decodes raw into dst of a signed integer kind: an integral
// number (1.0 and 1e3 are) within the range of dst's type.
func decodeInt(raw []byte, dst reflect.Value) string {
	t := dst.Type()
	neg, mag, fits, msg := integralNumber(raw, t)
	if msg != "" {
		return msg
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
}

// decodeUint decodes raw into dst of an unsigned integer kind: an
// integral number (-0 is) within the range of dst's type.
func decodeUint(raw []byte, dst reflect.Value) string {
	t := dst.Type()
	neg, mag, fits, msg := integralNumber(raw, t)
	if msg != "" {
		return msg
	}
	if !fits || (neg && mag != 0) || (t.Bits() < 64 && mag >= uint64(1)<<t.Bits()) {
		return "want " + intRange(t) + ", got " + gotValue(raw)
	}
	dst.SetUint(mag)
	return ""
}

// decodeFloat decodes raw into dst of a float kind: a number within the
// range of dst's type.
func decodeFloat(raw []byte, dst reflect.Value) string {
	t := dst.Type()
	if !startsNumber(raw[0]) {
		return mismatch(t, raw)
	}
	f, err := strconv.ParseFloat(string(raw), t.Bits())
	if err != nil {
		return "want " + floatRange(t) + ", got " + gotValue(raw)
	}
	dst.SetFloat(f)
	return ""
}

// decodeComposite decodes raw into dst of the kinds left to encoding/json
// (the empty interface, structs, maps, slices, arrays), once raw is of a
// JSON kind dst's type takes.
func decodeComposite(raw []byte, dst reflect.Value) string {
	t := dst.Type()
	c := raw[0]
	switch t.Kind() {
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
	neg, intPart, frac, exp := splitJSONNumber(raw)
	mag, integral, fits = integerValue(intPart, frac, exp)
	return neg, mag, integral, fits
}

// splitJSONNumber splits a valid JSON number into its sign, the digits
// before and after its decimal point, and its exponent (whose magnitude
// stops growing once it reaches 1,000,000).
func splitJSONNumber(raw []byte) (neg bool, intPart, frac []byte, exp int) {
	i := 0
	if raw[i] == '-' {
		neg = true
		i++
	}
	intStart := i
	for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
		i++
	}
	intPart = raw[intStart:i]
	if i < len(raw) && raw[i] == '.' {
		i++
		s := i
		for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
			i++
		}
		frac = raw[s:i]
	}
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
	return neg, intPart, frac, exp
}

// integerValue is the magnitude of the number whose digits are intPart
// followed by frac, times 10^exp: whether it is integral, and whether it
// fits in 64 bits (mag is 0 when it is not integral or does not fit).
func integerValue(intPart, frac []byte, exp int) (mag uint64, integral, fits bool) {
	n := len(intPart) + len(frac)
	// The digits times 10^exp, without their trailing zeros.
	exp -= len(frac)
	for n > 0 && digitAt(intPart, frac, n-1) == '0' { // trailing zeros
		n--
		exp++
	}
	lead := 0
	for lead < n && digitAt(intPart, frac, lead) == '0' {
		lead++
	}
	if lead == n { // zero
		return 0, true, true
	}
	if exp < 0 {
		return 0, false, true
	}
	if n-lead+exp > 20 {
		return 0, true, false
	}
	for k := lead; k < n; k++ {
		d := uint64(digitAt(intPart, frac, k) - '0')
		if mag > (math.MaxUint64-d)/10 {
			return 0, true, false
		}
		mag = mag*10 + d
	}
	for ; exp > 0; exp-- {
		if mag > math.MaxUint64/10 {
			return 0, true, false
		}
		mag *= 10
	}
	return mag, true, true
}

// digitAt is digit k of intPart followed by frac.
func digitAt(intPart, frac []byte, k int) byte {
	if k < len(intPart) {
		return intPart[k]
	}
	return frac[k-len(intPart)]
}
