package django

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/gochannels/channels-jsonrpc/jsonrpc/internal/jsonenc"
)

// quoteIf appends the quote of a ",string" field when quoted is set.
func quoteIf(buf []byte, quoted bool) []byte {
	if quoted {
		return append(buf, '"')
	}
	return buf
}

func boolEncoder(e *state, v reflect.Value, quoted bool) error {
	e.buf = quoteIf(e.buf, quoted)
	e.buf = strconv.AppendBool(e.buf, v.Bool())
	e.buf = quoteIf(e.buf, quoted)
	return nil
}

func intEncoder(e *state, v reflect.Value, quoted bool) error {
	e.buf = quoteIf(e.buf, quoted)
	e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	e.buf = quoteIf(e.buf, quoted)
	return nil
}

func uintEncoder(e *state, v reflect.Value, quoted bool) error {
	e.buf = quoteIf(e.buf, quoted)
	e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	e.buf = quoteIf(e.buf, quoted)
	return nil
}

func float32Encoder(e *state, v reflect.Value, quoted bool) error {
	return e.float(v, 32, quoted)
}

func float64Encoder(e *state, v reflect.Value, quoted bool) error {
	return e.float(v, 64, quoted)
}

// float writes f as encoding/json does: the shortest representation, in
// exponent form only below 1e-6 or from 1e21 on.
func (e *state) float(v reflect.Value, bits int, quoted bool) error {
	f := v.Float()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return &json.UnsupportedValueError{Value: v, Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	e.buf = quoteIf(e.buf, quoted)
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
	e.buf = quoteIf(e.buf, quoted)
	return nil
}

func stringEncoder(e *state, v reflect.Value, quoted bool) error {
	if quoted {
		inner := appendJSONString(nil, v.String(), true)
		e.buf = appendJSONString(e.buf, string(inner), false)
		return nil
	}
	e.buf = appendJSONString(e.buf, v.String(), true)
	return nil
}

func numberEncoder(e *state, v reflect.Value, quoted bool) error {
	s := v.String()
	if s == "" {
		s = "0"
	}
	if !validJSONNumber(s) {
		return fmt.Errorf("json: invalid number literal %q", s)
	}
	e.buf = quoteIf(e.buf, quoted)
	e.buf = append(e.buf, s...)
	e.buf = quoteIf(e.buf, quoted)
	return nil
}

// validJSONNumber reports whether s is a JSON number literal.
func validJSONNumber(s string) bool {
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

// appendJSONString writes s as a JSON string as encoding/json does.
func appendJSONString(b []byte, s string, html bool) []byte { return jsonenc.AppendString(b, s, html) }
