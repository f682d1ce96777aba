package jsonrpc

import "unicode/utf8"

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
	b     []byte
	utf8  bool
	depth int
	base  int // value returns once the nesting is back to it
	small [2]uint64
	deep  []uint64
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

// str checks the string whose opening quote is at i.
func (v *validator) str(i int) int {
	for i++; i < len(v.b); i++ {
		switch c := v.b[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			if i++; i >= len(v.b) {
				return -1
			}
			switch v.b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(v.b)-i <= 4 || !isHex(v.b[i+1]) || !isHex(v.b[i+2]) || !isHex(v.b[i+3]) || !isHex(v.b[i+4]) {
					return -1
				}
				i += 4
			default:
				return -1
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(v.b[i:])
			if r == utf8.RuneError && size == 1 {
				v.utf8 = false
			}
			i += size - 1
		}
	}
	return -1
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
// its request members (see parseRequest) in the same pass: one scan for the
// common payload instead of two. ok is false unless b is an object of
// valid JSON and valid UTF-8; the caller then takes the general path.
func parseObject(b []byte) (r request, ok bool) {
	v := validator{b: b, utf8: true}
	i := v.space(0)
	if i >= len(b) || b[i] != '{' {
		return request{}, false
	}
	v.push(true) // the members are inside it, as for validJSON
	v.base = 1
	if i = v.space(i + 1); i < len(b) && b[i] == '}' {
		return r, v.space(i+1) == len(b) && v.utf8
	}
	for {
		key := i
		if i >= len(b) || b[i] != '"' {
			return request{}, false
		}
		if i = v.str(i); i < 0 {
			return request{}, false
		}
		member := r.member(b[key:i])
		if i = v.space(i); i >= len(b) || b[i] != ':' {
			return request{}, false
		}
		value := v.space(i + 1)
		if i = v.value(value); i < 0 {
			return request{}, false
		}
		if member != nil {
			*member = b[value:i]
		}
		if i = v.space(i); i >= len(b) {
			return request{}, false
		}
		switch b[i] {
		case '}':
			return r, v.space(i+1) == len(b) && v.utf8
		case ',':
			i = v.space(i + 1)
		default:
			return request{}, false
		}
	}
}
