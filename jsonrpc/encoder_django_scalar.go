package jsonrpc

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"unicode/utf8"
)

func djBoolEncoder(e *djState, v reflect.Value, quoted bool) error {
	if quoted {
		e.buf = append(e.buf, '"')
	}
	e.buf = strconv.AppendBool(e.buf, v.Bool())
	if quoted {
		e.buf = append(e.buf, '"')
	}
	return nil
}

func djIntEncoder(e *djState, v reflect.Value, quoted bool) error {
	if quoted {
		e.buf = append(e.buf, '"')
	}
	e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	if quoted {
		e.buf = append(e.buf, '"')
	}
	return nil
}

func djUintEncoder(e *djState, v reflect.Value, quoted bool) error {
	if quoted {
		e.buf = append(e.buf, '"')
	}
	e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	if quoted {
		e.buf = append(e.buf, '"')
	}
	return nil
}

func djFloat32Encoder(e *djState, v reflect.Value, quoted bool) error {
	return e.float(v, 32, quoted)
}

func djFloat64Encoder(e *djState, v reflect.Value, quoted bool) error {
	return e.float(v, 64, quoted)
}

// float writes f as encoding/json does: the shortest representation, in
// exponent form only below 1e-6 or from 1e21 on.
func (e *djState) float(v reflect.Value, bits int, quoted bool) error {
	f := v.Float()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return &json.UnsupportedValueError{Value: v, Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	if quoted {
		e.buf = append(e.buf, '"')
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b := strconv.AppendFloat(e.buf, f, format, -1, bits)
	if format == 'e' { // e-07 -> e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	e.buf = b
	if quoted {
		e.buf = append(e.buf, '"')
	}
	return nil
}

func djStringEncoder(e *djState, v reflect.Value, quoted bool) error {
	if quoted {
		inner := djAppendJSONString(nil, v.String(), true)
		e.buf = djAppendJSONString(e.buf, string(inner), false)
		return nil
	}
	e.buf = djAppendJSONString(e.buf, v.String(), true)
	return nil
}

func djNumberEncoder(e *djState, v reflect.Value, quoted bool) error {
	s := v.String()
	if s == "" {
		s = "0"
	}
	if !djValidJSONNumber(s) {
		return fmt.Errorf("json: invalid number literal %q", s)
	}
	if quoted {
		e.buf = append(e.buf, '"')
	}
	e.buf = append(e.buf, s...)
	if quoted {
		e.buf = append(e.buf, '"')
	}
	return nil
}

// djValidJSONNumber reports whether s is a JSON number literal.
func djValidJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		for s = s[1:]; s != "" && '0' <= s[0] && s[0] <= '9'; s = s[1:] {
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		for s = s[2:]; s != "" && '0' <= s[0] && s[0] <= '9'; s = s[1:] {
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		if s[0] < '0' || s[0] > '9' {
			return false
		}
		for s = s[1:]; s != "" && '0' <= s[0] && s[0] <= '9'; s = s[1:] {
		}
	}
	return s == ""
}

const djHexDigits = "0123456789abcdef"

// djAppendJSONString writes s as a JSON string as encoding/json does:
// invalid UTF-8 becomes U+FFFD, U+2028 and U+2029 are escaped, and with
// html so are <, > and &.
func djAppendJSONString(b []byte, s string, html bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!html || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', djHexDigits[c>>4], djHexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', djHexDigits[r&15])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
