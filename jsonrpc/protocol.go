package jsonrpc

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/gochannels/channels-jsonrpc/jsonrpc/internal/jsonenc"
)

// This file holds the wire format: a scanner over payloads already checked
// with validJSON, the request members, and the response writers. Responses
// are written by appending bytes; ids are copied from the request verbatim.

var (
	version2 = []byte(`"2.0"`)
	jsonNull = []byte("null")
)

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// skipSpace returns the index of the first non-whitespace byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && isSpace(b[i]) { // most bytes are above ' '
		i++
	}
	return i
}

// trimSpace returns b without the whitespace around it.
func trimSpace(b []byte) []byte {
	end := len(b)
	for end > 0 && isSpace(b[end-1]) {
		end--
	}
	return b[skipSpace(b[:end], 0):end]
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the valid JSON value starting at i.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// objectIter walks the members of a valid JSON object.
type objectIter struct {
	b []byte
	i int
}

func newObjectIter(obj []byte) objectIter { return objectIter{b: obj, i: 1} }

// next returns the next member's raw key (quotes included) and raw value.
func (it *objectIter) next() (key, val []byte, ok bool) {
	i := skipSpace(it.b, it.i)
	if i < len(it.b) && it.b[i] == ',' {
		i = skipSpace(it.b, i+1)
	}
	if i >= len(it.b) || it.b[i] != '"' {
		return nil, nil, false
	}
	end := skipString(it.b, i)
	key = it.b[i:end]
	i = skipSpace(it.b, end)
	i = skipSpace(it.b, i+1) // the colon
	end = skipValue(it.b, i)
	val = it.b[i:end]
	it.i = end
	return key, val, true
}

// arrayIter walks the elements of a valid JSON array.
type arrayIter struct {
	b []byte
	i int
}

func newArrayIter(arr []byte) arrayIter { return arrayIter{b: arr, i: 1} }

// next returns the next element's raw value.
func (it *arrayIter) next() ([]byte, bool) {
	i := skipSpace(it.b, it.i)
	if i < len(it.b) && it.b[i] == ',' {
		i = skipSpace(it.b, i+1)
	}
	if i >= len(it.b) || it.b[i] == ']' {
		return nil, false
	}
	end := skipValue(it.b, i)
	it.i = end
	return it.b[i:end], true
}

// countElements returns the number of elements of a valid JSON array.
func countElements(arr []byte) int {
	it := newArrayIter(arr)
	n := 0
	for _, ok := it.next(); ok; _, ok = it.next() {
		n++
	}
	return n
}

// jsonKind names the JSON type of a raw value: object, array, string,
// number, boolean or null.
func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// rawString returns the contents of a raw JSON string without allocating
// when it has no escapes; escaped is true when the caller must unquote.
func rawString(raw []byte) (s []byte, escaped bool) {
	inner := raw[1 : len(raw)-1]
	return inner, bytes.IndexByte(inner, '\\') >= 0
}

// unquote decodes a raw JSON string.
func unquote(raw []byte) string {
	if s, esc := rawString(raw); !esc {
		return string(s)
	}
	var s string
	_ = json.Unmarshal(raw, &s) // raw is a valid JSON string
	return s
}

// request holds the raw members of a request object.
type request struct {
	jsonrpc, method, params, id []byte // nil when absent
}

// parseRequest collects the members of a valid JSON object into r; a
// repeated member keeps its last value, as encoding/json does.
func parseRequest(obj []byte, r *request) {
	*r = request{}
	it := newObjectIter(obj)
	for key, val, ok := it.next(); ok; key, val, ok = it.next() {
		if member := r.member(key); member != nil {
			*member = val
		}
	}
}

// member is where the value of the raw key (quotes included) goes, or nil
// for a key that is no request member. A key is decoded only when it has
// an escape, which is rare.
func (r *request) member(key []byte) *[]byte {
	return r.memberEscaped(key, bytes.IndexByte(key, '\\') >= 0)
}

// memberEscaped is member when the caller knows whether key has an escape.
func (r *request) memberEscaped(key []byte, escaped bool) *[]byte {
	name := key[1 : len(key)-1]
	if escaped {
		name = []byte(unquote(key))
	}
	switch string(name) {
	case "id":
		return &r.id
	case "method":
		return &r.method
	case "params":
		return &r.params
	case "jsonrpc":
		return &r.jsonrpc
	}
	return nil
}

// isVersion2 reports whether a raw "jsonrpc" member is exactly "2.0".
func isVersion2(raw []byte) bool {
	if bytes.Equal(raw, version2) {
		return true
	}
	return len(raw) > 0 && raw[0] == '"' && unquote(raw) == "2.0"
}

// validID2 reports whether a raw id is allowed by JSON-RPC 2.0: a string, a
// number or null.
func validID2(raw []byte) bool {
	switch raw[0] {
	case '{', '[', 't', 'f':
		return false
	}
	return true
}

// Response writing.

const (
	v1 = 1
	v2 = 2
)

// appendHead writes the members before "result" or "error".
func appendHead(buf []byte, version int, id []byte) []byte {
	if version == v1 {
		return buf
	}
	buf = append(buf, `{"jsonrpc":"2.0","id":`...)
	buf = append(buf, id...)
	return buf
}

// appendResultOpen writes a success response up to its result value.
func appendResultOpen(buf []byte, version int, id []byte) []byte {
	if version == v1 {
		return append(buf, `{"result":`...)
	}
	buf = appendHead(buf, version, id)
	return append(buf, `,"result":`...)
}

// appendResultClose finishes a success response after its result value.
func appendResultClose(buf []byte, version int, id []byte) []byte {
	if version == v1 {
		buf = append(buf, `,"error":null,"id":`...)
		buf = append(buf, id...)
	}
	return append(buf, '}')
}

// appendError writes an error response. data is raw JSON or nil.
func appendError(buf []byte, version int, id []byte, code Code, message string, data []byte) []byte {
	if id == nil {
		id = jsonNull
	}
	if version == v1 {
		buf = append(buf, `{"result":null,"error":`...)
	} else {
		buf = appendHead(buf, version, id)
		buf = append(buf, `,"error":`...)
	}
	buf = append(buf, `{"code":`...)
	buf = strconv.AppendInt(buf, int64(code), 10)
	buf = append(buf, `,"message":`...)
	buf = appendJSONString(buf, message)
	if data != nil {
		buf = append(buf, `,"data":`...)
		buf = append(buf, data...)
	}
	buf = append(buf, '}')
	if version == v1 {
		buf = append(buf, `,"id":`...)
		buf = append(buf, id...)
	}
	return append(buf, '}')
}

// appendJSONString writes s as a JSON string exactly as encoding/json does:
// HTML characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced.
func appendJSONString(buf []byte, s string) []byte { return jsonenc.AppendString(buf, s, true) }
