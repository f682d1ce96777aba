package channels

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// wsReader reads the frames of a client. gorilla/websocket makes the
// handshake; from then on the server frames both ways itself, reading here
// and writing in wsWriter, so that one reader and one writer own each
// socket. The rules of RFC 6455 are applied to each frame as its header
// arrives, before its payload is read: a frame that breaks one is a
// *frameError, with the code that closes the connection. Control frames
// are answered as they come, through control; next returns the data
// messages. Only the connection's reading goroutine uses a wsReader.
type wsReader struct {
	conn    io.Reader
	buf     []byte // buf[r:w] is read and not yet taken
	r, w    int
	limit   int64        // the longest message allowed
	long    bytes.Buffer // a message longer than buf, or in fragments
	control wsControl
	// between tells that next's last read error came while it waited for
	// the first header of a message: nothing of the message was taken, and
	// next may be called again, after a timeout for instance.
	between bool
}

// wsControl answers a client's control frames.
type wsControl interface {
	onPing(payload []byte) // payload is valid during the call only
	onPong()
	onClose(code int) // the client's close frame; closeNoStatus when it has no code
}

// wsReadBuffer is the size of a connection's read buffer: a frame that
// fits is read, unmasked and handed on in place.
const wsReadBuffer = 4096

// closeNoStatus stands for the code of a close frame without one (RFC 6455
// 7.1.5); it never goes out in a frame.
const closeNoStatus = 1005

// frameError is the read error of a client that broke a rule.
type frameError struct {
	code int
	why  string
}

func (e *frameError) Error() string { return "channels: websocket " + e.why }

// peerClosed is the read error after the client's close frame.
type peerClosed struct{ code int }

func (e *peerClosed) Error() string {
	return "channels: websocket closed by the client (" + strconv.Itoa(e.code) + ")"
}

func newWSReader(conn io.Reader, limit int64, control wsControl) *wsReader {
	return &wsReader{conn: conn, buf: make([]byte, wsReadBuffer), limit: limit, control: control}
}

// frameHeader is what the header of a frame says.
type frameHeader struct {
	fin    bool
	op     byte
	length uint64
	mask   uint32 // the masking key's bytes, little-endian
}

// next returns the next data message, opText or opBinary, and its
// payload, valid until the next call. A message in one frame that fits in
// the buffer, the usual call, is unmasked where it was read.
func (r *wsReader) next() (op byte, payload []byte, err error) {
	r.long.Reset()
	r.between = false
	for {
		h, err := r.header(op)
		if err != nil {
			r.between = op == 0
			return 0, nil, err
		}
		if h.op >= opClose || (h.fin && op == 0 && h.length <= uint64(len(r.buf))) {
			payload, err := r.whole(h)
			if err != nil {
				return 0, nil, err
			}
			if h.op < opClose {
				return h.op, payload, nil
			}
			if err := r.answer(h.op, payload); err != nil {
				return 0, nil, err
			}
			continue
		}
		if op == 0 {
			op = h.op
		}
		if err := r.gather(h); err != nil {
			return 0, nil, err
		}
		if h.fin {
			return op, r.long.Bytes(), nil
		}
	}
}

// header reads the next frame's header and checks it; message is the
// opcode of the fragmented message under way, 0 when there is none.
func (r *wsReader) header(message byte) (frameHeader, error) {
	if err := r.fill(2); err != nil {
		return frameHeader{}, err
	}
	b0, b1 := r.buf[r.r], r.buf[r.r+1]
	if b1&0x80 == 0 {
		return frameHeader{}, errUnmasked
	}
	size := headerSize(b1)
	if err := r.fill(size); err != nil {
		return frameHeader{}, err
	}
	hb := r.buf[r.r : r.r+size]
	r.r += size
	h := frameHeader{fin: b0&0x80 != 0, op: b0 & 0x0f, length: uint64(b1 & 0x7f)}
	if size > 6 {
		h.length = extendedLength(hb)
	}
	h.mask = binary.LittleEndian.Uint32(hb[size-4:])
	return h, r.check(b0, h, message)
}

// headerSize is the length of the header of a masked frame whose second
// byte is b1: with a 7-bit length, a 16-bit one or a 64-bit one.
func headerSize(b1 byte) int {
	if n := b1 & 0x7f; n >= 126 {
		return 8 + 6*int(n-126)
	}
	return 6
}

// extendedLength is the payload length of a header with a 16-bit or a
// 64-bit length.
func extendedLength(hb []byte) uint64 {
	if len(hb) == 8 {
		return uint64(binary.BigEndian.Uint16(hb[2:]))
	}
	return binary.BigEndian.Uint64(hb[2:])
}

// The rules a client's frame may break, and the codes that answer them.
var (
	errUnmasked        = &frameError{CloseProtocolError, "frame not masked"}
	errReservedBits    = &frameError{CloseProtocolError, "frame with reserved bits set"}
	errBadControl      = &frameError{CloseProtocolError, "control frame fragmented or longer than 125 bytes"}
	errShortClose      = &frameError{CloseProtocolError, "close frame with a 1-byte payload"}
	errUnknownOpcode   = &frameError{CloseProtocolError, "frame of an unknown opcode"}
	errLoneContinued   = &frameError{CloseProtocolError, "continuation frame outside a message"}
	errInterleaved     = &frameError{CloseProtocolError, "data frame inside a fragmented message"}
	errTooBig          = &frameError{CloseMessageTooBig, "message larger than the limit"}
	errCloseCode       = &frameError{CloseProtocolError, "close frame of a code no client may send"}
	errCloseReasonUTF8 = &frameError{CloseInvalidPayload, "close frame whose reason is not UTF-8"}
)

// check applies RFC 6455's rules to a frame whose first byte is b0 and
// header h, in the fragmented message of opcode message (0: none), and
// the limit to a data frame.
func (r *wsReader) check(b0 byte, h frameHeader, message byte) error {
	switch {
	case b0&0x70 != 0:
		return errReservedBits
	case h.op >= opClose && h.op <= opPong:
		if !h.fin || h.length > 125 {
			return errBadControl
		}
		if h.op == opClose && h.length == 1 {
			return errShortClose
		}
		return nil
	case h.op > opBinary:
		return errUnknownOpcode
	case h.op == opContinuation && message == 0:
		return errLoneContinued
	case h.op != opContinuation && message != 0:
		return errInterleaved
	case h.length > uint64(r.limit-int64(r.long.Len())):
		return errTooBig
	}
	return nil
}

// whole reads the payload of h, which fits in the buffer, and unmasks it
// in place.
func (r *wsReader) whole(h frameHeader) ([]byte, error) {
	n := int(h.length)
	if err := r.fill(n); err != nil {
		return nil, err
	}
	p := r.buf[r.r : r.r+n]
	r.take(n)
	unmask(h.mask, 0, p)
	return p, nil
}

// gather appends the payload of h, unmasked, to r.long.
func (r *wsReader) gather(h frameHeader) error {
	pos := 0
	for rest := h.length; rest > 0; {
		if r.w == r.r {
			if err := r.fill(1); err != nil {
				return err
			}
		}
		n := int(min(rest, uint64(r.w-r.r)))
		p := r.buf[r.r : r.r+n]
		pos = unmask(h.mask, pos, p)
		r.long.Write(p)
		r.take(n)
		rest -= uint64(n)
	}
	return nil
}

// answer answers the control frame op whose payload is p. A close frame
// ends the reading with a *peerClosed.
func (r *wsReader) answer(op byte, p []byte) error {
	switch op {
	case opPing:
		r.control.onPing(p)
	case opPong:
		r.control.onPong()
	case opClose:
		code := closeNoStatus
		if len(p) >= 2 {
			code = int(binary.BigEndian.Uint16(p))
			if !validCloseCode(code) {
				return errCloseCode
			}
			if !utf8.Valid(p[2:]) {
				return errCloseReasonUTF8
			}
		}
		r.control.onClose(code)
		return &peerClosed{code}
	}
	return nil
}

// validCloseCode tells whether a client may close with code (RFC 6455
// 7.4, and the IANA registry): the registered codes that go in frames, and
// those of applications and libraries.
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	}
	return code >= 3000 && code <= 4999
}

// fill reads until n bytes (no more than the buffer holds) wait in it.
func (r *wsReader) fill(n int) error {
	if r.w-r.r >= n {
		return nil
	}
	if len(r.buf)-r.r < n {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	for r.w-r.r < n {
		k, err := r.conn.Read(r.buf[r.w:])
		r.w += k
		if err != nil && r.w-r.r < n {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// take consumes n buffered bytes; an empty buffer starts again at its
// beginning, so that the next read has all of it.
func (r *wsReader) take(n int) {
	r.r += n
	if r.r == r.w {
		r.r, r.w = 0, 0
	}
}

// wholeFramePending tells whether a whole frame waits in the buffer, read
// without blocking. A frame that is not masked, which the reader refuses
// anyway, may read as not whole.
func (r *wsReader) wholeFramePending() bool {
	b := r.buf[r.r:r.w]
	if len(b) < 2 || b[1]&0x7f == 127 { // 64 KiB or more: not worth holding for
		return false
	}
	size := headerSize(b[1])
	if len(b) < size {
		return false
	}
	length := int(b[1] & 0x7f)
	if length == 126 {
		length = int(binary.BigEndian.Uint16(b[2:]))
	}
	return len(b) >= size+length
}

// unmask XORs p with the masking key, from byte pos of its payload on, and
// returns the position after p.
func unmask(key uint32, pos int, p []byte) int {
	end := pos + len(p)
	k := bits.RotateLeft32(key, -8*(pos&3))
	k8 := uint64(k)<<32 | uint64(k)
	for len(p) >= 8 {
		binary.LittleEndian.PutUint64(p, binary.LittleEndian.Uint64(p)^k8)
		p = p[8:]
	}
	for i := range p {
		p[i] ^= byte(k >> (8 * (i & 3)))
	}
	return end
}

// onPing answers a client's ping with its pong.
func (c *wsConn) onPing(payload []byte) { c.send(frame(opPong, payload), pongFrame, false) }

// onPong moves the read deadline: the client is there.
func (c *wsConn) onPong() { c.readDeadline() }

// onClose answers a client's close frame with one of the same code.
func (c *wsConn) onClose(code int) {
	if code == closeNoStatus {
		c.send(frame(opClose, ""), closingFrame, false)
		return
	}
	c.send(closeFrame(code), closingFrame, false)
}
