package redislayer

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"unsafe"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// The wire format of a message is a msgpack map as Python's
// msgpack.packb(message, use_bin_type=True) writes it: str for strings, bin
// for bytes, the smallest integer encoding, float64 for floats, arrays for
// lists and maps with string keys. Only canonical values (see
// channels.Content) are encoded; Send canonicalizes with Content.Clone.

// maxDecodeDepth bounds the nesting of received values, as Clone bounds
// what is sent.
const maxDecodeDepth = 100

// errBadMessage wraps every decoding error.
var errBadMessage = errors.New("redislayer: undecodable message")

// A body is a message being encoded: the msgpack encoding of its entries,
// without the map header, so that the reserved key can be appended per
// destination without encoding the content again.
type body struct {
	entries []byte
	n       int // number of entries
}

type encoder struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = msgpack.NewEncoder(&e.buf)
	return e
}}

// errNotCanonical is the encoder's answer to a value not in the canonical
// form channels.Content.Clone gives (an int, a nil slice, a Content
// nested as such, a value nested too deep): the caller encodes a clone.
var errNotCanonical = errors.New("redislayer: content not in canonical form")

// maxEncodeDepth is the deepest nesting the encoder takes as it is, that
// of channels.Content.Clone.
const maxEncodeDepth = 100

// encodeBody encodes the entries of canonical content c; other content is
// errNotCanonical.
func encodeBody(c channels.Content) (body, error) {
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	e.buf.Reset()
	if err := e.entries(c); err != nil {
		return body{}, err
	}
	return body{entries: bytes.Clone(e.buf.Bytes()), n: len(c)}, nil
}

// entries encodes the keys and values of canonical content c.
func (e *encoder) entries(c channels.Content) error {
	for k, v := range c {
		if err := e.enc.EncodeString(k); err != nil {
			return err
		}
		if err := e.value(v, 1); err != nil {
			return err
		}
	}
	return nil
}

// payload returns the msgpack map of b, with the reserved key set to route
// when route is a string or a []string, and without it when route is nil.
// prefix bytes are reserved at the start of the returned slice.
func (b body) payload(prefix int, route any) []byte {
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	e.buf.Reset()
	e.buf.Write(make([]byte, prefix))
	n := b.n
	if route != nil {
		n++
	}
	_ = e.enc.EncodeMapLen(n) // writes to a bytes.Buffer do not fail
	e.buf.Write(b.entries)
	switch r := route.(type) {
	case string:
		_ = e.enc.EncodeString(channels.ReservedKey)
		_ = e.enc.EncodeString(r)
	case []string:
		_ = e.enc.EncodeString(channels.ReservedKey)
		_ = e.enc.EncodeArrayLen(len(r))
		for _, s := range r {
			_ = e.enc.EncodeString(s)
		}
	}
	return bytes.Clone(e.buf.Bytes())
}

// value encodes one canonical value, found at nesting level depth.
func (e *encoder) value(v any, depth int) error {
	if depth > maxEncodeDepth {
		return errNotCanonical
	}
	switch v := v.(type) {
	case nil:
		return e.enc.EncodeNil()
	case bool:
		return e.enc.EncodeBool(v)
	case int64:
		return e.enc.EncodeInt(v)
	case float64:
		return e.enc.EncodeFloat64(v)
	case string:
		return e.enc.EncodeString(v)
	case []byte:
		if v == nil {
			return errNotCanonical
		}
		if err := e.enc.EncodeBytesLen(len(v)); err != nil {
			return err
		}
		_, err := e.buf.Write(v)
		return err
	case []any:
		if v == nil {
			return errNotCanonical
		}
		if err := e.enc.EncodeArrayLen(len(v)); err != nil {
			return err
		}
		for _, x := range v {
			if err := e.value(x, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		if v == nil {
			return errNotCanonical
		}
		if err := e.enc.EncodeMapLen(len(v)); err != nil {
			return err
		}
		for k, x := range v {
			if err := e.enc.EncodeString(k); err != nil {
				return err
			}
			if err := e.value(x, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return errNotCanonical
}

// decodeString decodes a msgpack map into canonical content: string (or
// bin) keys, any integer width as int64, float32 and float64 as float64,
// str as string, bin as []byte, arrays as []any and maps as map[string]any.
// It fails on extension types (such as msgpack timestamps), on unsigned
// integers above math.MaxInt64 and on trailing data. The bytes of data
// are read in place.
func decodeString(data string) (channels.Content, error) {
	d := msgpack.GetDecoder()
	defer msgpack.PutDecoder(d)
	r := strings.NewReader(data)
	d.Reset(r)
	c, err := d.PeekCode()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadMessage, err)
	}
	if !msgpcode.IsFixedMap(c) && c != msgpcode.Map16 && c != msgpcode.Map32 {
		return nil, fmt.Errorf("%w: top level is not a map", errBadMessage)
	}
	m, err := contentDecoder{d, r}.decodeMap(1)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadMessage, err)
	}
	if r.Len() > 0 {
		return nil, fmt.Errorf("%w: %d bytes of trailing data", errBadMessage, r.Len())
	}
	return channels.Content(m), nil
}

// contentDecoder reads one message: the msgpack decoder and the bytes it
// reads, whose length bounds what a string or bin may declare.
type contentDecoder struct {
	d *msgpack.Decoder
	r *strings.Reader
}

func (cd contentDecoder) decodeMap(depth int) (map[string]any, error) {
	n, err := cd.d.DecodeMapLen()
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, nil
	}
	m := make(map[string]any, min(n, 1024))
	for range n {
		c, err := cd.d.PeekCode()
		if err != nil {
			return nil, err
		}
		if !msgpcode.IsString(c) && !msgpcode.IsBin(c) {
			return nil, fmt.Errorf("map key of msgpack type 0x%02x is not a string", c)
		}
		k, err := cd.text()
		if err != nil {
			return nil, err
		}
		v, err := cd.decodeValue(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, nil
}

// blob reads a str or bin. The length it declares is checked against the
// bytes left before anything is allocated: the library would allocate all
// of it first, gigabytes for a 9-byte message.
func (cd contentDecoder) blob() ([]byte, error) {
	n, err := cd.d.DecodeBytesLen()
	if err != nil {
		return nil, err
	}
	if n > cd.r.Len() {
		return nil, fmt.Errorf("a string declares %d bytes, %d are left", n, cd.r.Len())
	}
	b := make([]byte, max(n, 0))
	return b, cd.d.ReadFull(b)
}

// text is blob as a string, sharing the bytes blob allocated: nothing else
// holds them, so the string is as immutable as any.
func (cd contentDecoder) text() (string, error) {
	b, err := cd.blob()
	if err != nil || len(b) == 0 {
		return "", err
	}
	return unsafe.String(&b[0], len(b)), nil
}

func (cd contentDecoder) decodeValue(depth int) (any, error) {
	if depth > maxDecodeDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", maxDecodeDepth)
	}
	d := cd.d
	c, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	switch {
	case c == msgpcode.Nil:
		return nil, d.DecodeNil()
	case c == msgpcode.True || c == msgpcode.False:
		return d.DecodeBool()
	case msgpcode.IsFixedNum(c), c == msgpcode.Int8, c == msgpcode.Int16, c == msgpcode.Int32, c == msgpcode.Int64,
		c == msgpcode.Uint8, c == msgpcode.Uint16, c == msgpcode.Uint32:
		return d.DecodeInt64()
	case c == msgpcode.Uint64:
		u, err := d.DecodeUint64()
		if err != nil {
			return nil, err
		}
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("integer %d overflows int64", u)
		}
		return int64(u), nil
	case c == msgpcode.Float:
		f, err := d.DecodeFloat32()
		return float64(f), err
	case c == msgpcode.Double:
		return d.DecodeFloat64()
	case msgpcode.IsString(c):
		return cd.text()
	case msgpcode.IsBin(c):
		return cd.blob()
	case msgpcode.IsFixedArray(c), c == msgpcode.Array16, c == msgpcode.Array32:
		return cd.decodeList(depth)
	case msgpcode.IsFixedMap(c), c == msgpcode.Map16, c == msgpcode.Map32:
		return cd.decodeMap(depth)
	}
	return nil, fmt.Errorf("msgpack type 0x%02x is not an ASGI value", c)
}

func (cd contentDecoder) decodeList(depth int) ([]any, error) {
	n, err := cd.d.DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	l := make([]any, 0, min(n, 1024))
	for range n {
		v, err := cd.decodeValue(depth + 1)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
	}
	return l, nil
}
