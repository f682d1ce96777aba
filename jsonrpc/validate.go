package jsonrpc

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// A payload is checked once, before anything reads it: it must be one JSON
// value (RFC 8259), as json.Valid says, and whether it is valid UTF-8 is
// learnt in the same pass. validJSON is a byte loop with an explicit stack
// rather than encoding/json's scanner, which calls a function per byte;
// FuzzValidJSON holds the two to the same answers.

// maxDepth is the deepest nesting of arrays and objects accepted, as
// encoding/json's scanner accepts.
const maxDepth = 10000

// validJSON reports whether b is one JSON value with optional whitespace
// around it, as json.Valid does, and whether b is valid UTF-8.
func validJSON(b []byte) (valid, validUTF8 bool) {
	v := validator{b: b, utf8: true}
	i := v.space(0)
	i = v.value(i)
	if i < 0 || v.space(i) != len(b) {
		return false, utf8.Valid(b)
	}
	return true, v.utf8
}

// validator is validJSON's state. The containers open are a stack of
// bits, 1 for an object: in small for the first 128, in deep (allocated
// only for payloads that nest deeper) for the others.
type validator struct {
	b    []byte
	utf8 bool
	// escaped is set by str when a string has an escape.
	escaped bool
	depth   int
	base    int // value returns once the nesting is back to it
	small   [2]uint64
	deep    []uint64
}

func (v *validator) word(d int) *uint64 {
	if d < 128 {
		return &v.small[d/64]
	}
	return &v.deep[(d-128)/64]
}

// push opens a container, unless that would nest deeper than maxDepth.
func (v *validator) push(object bool) bool {
	d := v.depth
	if d == maxDepth {
		return false
	}
	if d >= 128 && (d-128)/64 == len(v.deep) {
		v.deep = append(v.deep, 0)
	}
	w, bit := v.word(d), uint64(1)<<(d%64)
	if object {
		*w |= bit
	} else {
		*w &^= bit
	}
	v.depth++
	return true
}

// inObject reports whether the innermost open container is an object.
func (v *validator) inObject() bool {
	d := v.depth - 1
	return *v.word(d)&(uint64(1)<<(d%64)) != 0
}

func (v *validator) space(i int) int { return skipSpace(v.b, i) }

// value checks the value at i, containers included, and returns the index
// past it, or -1.
func (v *validator) value(i int) int {
	for {
		if i = v.scalarOrOpen(i); i < 0 {
			return -1
		}
		// After a value, or just inside a container: close what ends here
		// and find the next value, if any.
		for {
			if v.depth == v.base {
				return i
			}
			i = v.space(i)
			if i >= len(v.b) {
				return -1
			}
			object, c := v.inObject(), v.b[i]
			if (object && c == '}') || (!object && c == ']') {
				v.depth--
				i++
				continue
			}
			if c != ',' {
				return -1
			}
			i = v.space(i + 1)
			if object {
				if i = v.key(i); i < 0 {
					return -1
				}
			}
			break
		}
	}
}

// scalarOrOpen checks a scalar at i, or opens the containers there (and
// an object's first key) down to the first scalar or empty container, and
// returns the index past what it read, or -1.
func (v *validator) scalarOrOpen(i int) int {
	for {
		if i >= len(v.b) {
			return -1
		}
		c := v.b[i]
		if c != '{' && c != '[' {
			return v.scalar(i)
		}
		if !v.push(c == '{') {
			return -1
		}
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		i = v.space(i + 1)
		if i < len(v.b) && v.b[i] == end {
			v.depth--
			return i + 1
		}
		if c == '{' {
			if i = v.key(i); i < 0 {
				return -1
			}
		}
	}
}

func (v *validator) scalar(i int) int {
	switch v.b[i] {
	case '"':
		return v.str(i)
	case 't':
		return v.literal(i, "true")
	case 'f':
		return v.literal(i, "false")
	case 'n':
		return v.literal(i, "null")
	}
	return v.number(i)
}

// key checks an object's member name at i and its colon, and returns the
// index of the member's value, or -1.
func (v *validator) key(i int) int {
	if i >= len(v.b) || v.b[i] != '"' {
		return -1
	}
	if i = v.str(i); i < 0 {
		return -1
	}
	if i = v.space(i); i >= len(v.b) || v.b[i] != ':' {
		return -1
	}
	return v.space(i + 1)
}

func (v *validator) literal(i int, lit string) int {
	if len(v.b)-i < len(lit) || string(v.b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}

// str checks the string whose opening quote is at i. Plain bytes (see
// plainInString), the most of any string, are skipped a word at a time
// (a table lookup each near the end); the rest, escapes and non-ASCII,
// are strRest's.
func (v *validator) str(i int) int {
	b := v.b
	for i++; len(b)-i >= 8; i += 8 { // a word at a time, while there is one
		if n := plainBytes(binary.LittleEndian.Uint64(b[i:])); n < 8 {
			i += n
			if b[i] == '"' {
				return i + 1
			}
			return v.strRest(i)
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; !plainInString[c] {
			if c == '"' {
				return i + 1
			}
			return v.strRest(i)
		}
	}
	return -1
}

// plainBytes returns how many of the bytes of the little-endian word x,
// from the first, are plain in a string (see plainInString), with the
// usual tests for a zero byte (exact at the lowest hit) for the quote,
// the backslash and control bytes, and the high bit.
func plainBytes(x uint64) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	stop := ((quote - ones) &^ quote) | ((backslash - ones) &^ backslash) | ((x - ones*0x20) &^ x) | x
	return bits.TrailingZeros64(stop&highs) / 8
}

// strRest is str from i, a byte that is not plain, on.
func (v *validator) strRest(i int) int {
	b := v.b
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case plainInString[c]:
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			v.escaped = true
			if i++; i >= len(b) {
				return -1
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i <= 4 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1
				}
				i += 4
			default:
				return -1
			}
		default: // c >= utf8.RuneSelf
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				v.utf8 = false
			}
			i += size - 1
		}
	}
	return -1
}

// plainInString tells the bytes that stand for themselves in a JSON
// string: ASCII, neither a control byte, the quote nor the backslash.
var plainInString = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// memberValue is value for a member of the outermost object: a string or
// a number, the usual values of a request's members, go straight to their
// scanners.
func (v *validator) memberValue(i int) int {
	if i < len(v.b) {
		switch c := v.b[i]; {
		case c == '"':
			return v.str(i)
		case c == '-' || isDigit(c):
			return v.number(i)
		}
	}
	return v.value(i)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at i.
func (v *validator) number(i int) int {
	if i < len(v.b) && v.b[i] == '-' {
		i++
	}
	switch {
	case i < len(v.b) && v.b[i] == '0':
		i++
	case i < len(v.b) && '1' <= v.b[i] && v.b[i] <= '9':
		i = v.digits(i)
	default:
		return -1
	}
	if i < len(v.b) && v.b[i] == '.' {
		if i++; i >= len(v.b) || !isDigit(v.b[i]) {
			return -1
		}
		i = v.digits(i)
	}
	if i < len(v.b) && (v.b[i] == 'e' || v.b[i] == 'E') {
		if i++; i < len(v.b) && (v.b[i] == '+' || v.b[i] == '-') {
			i++
		}
		if i >= len(v.b) || !isDigit(v.b[i]) {
			return -1
		}
		i = v.digits(i)
	}
	return i
}

func (v *validator) digits(i int) int {
	for i < len(v.b) && isDigit(v.b[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parseObject checks b as validJSON does and, when b is an object, collects
// its request members into r, which is zero (see parseRequest), in the
// same pass: one scan for the common payload instead of two. It returns
// false unless b is an object of valid JSON and valid UTF-8 (r is then to
// be ignored); the caller then takes the general path.
func parseObject(b []byte, r *request) bool {
	v := validator{b: b, utf8: true}
	i := v.space(0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	v.push(true) // the members are inside it, as for validJSON
	v.base = 1
	if i = v.space(i + 1); i < len(b) && b[i] == '}' {
		return v.space(i+1) == len(b) && v.utf8
	}
	for {
		key := i
		if i >= len(b) || b[i] != '"' {
			return false
		}
		v.escaped = false
		if i = v.str(i); i < 0 {
			return false
		}
		member := r.memberEscaped(b[key:i], v.escaped)
		if i = v.space(i); i >= len(b) || b[i] != ':' {
			return false
		}
		value := v.space(i + 1)
		if i = v.memberValue(value); i < 0 {
			return false
		}
		if member != nil {
			*member = b[value:i]
		}
		if i = v.space(i); i >= len(b) {
			return false
		}
		switch b[i] {
		case '}':
			return v.space(i+1) == len(b) && v.utf8
		case ',':
			i = v.space(i + 1)
		default:
			return false
		}
	}
}
