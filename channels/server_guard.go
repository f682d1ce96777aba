package channels

import (
	"encoding/binary"
	"errors"
	"net"
)

// frameGuard is the connection gorilla/websocket reads frames from: it
// watches the frame headers go by, without copying, and stops a frame that
// RFC 6455 forbids but gorilla would take, or would read in vain, before
// gorilla sees its header:
//
//   - a close frame whose payload is 1 byte (a close code has 2): 1002;
//   - a data frame that makes its message longer than the limit: 1009 at
//     once, rather than after reading the limit's worth of a frame that may
//     declare 2^62 bytes, behind which the client's close never comes.
//
// The bytes before such a frame are read as usual; the read after them
// fails with a *frameError, which the reader answers with its close code.
// Only the goroutine reading the WebSocket calls Read.
type frameGuard struct {
	net.Conn
	limit   int64 // the longest message allowed
	header  [14]byte
	have    int    // header bytes seen of the frame being read
	skip    uint64 // payload bytes of the current frame still to pass
	message int64  // the length of the data message so far
	failed  *frameError
}

// frameError is the read error of a connection that broke a rule.
type frameError struct {
	code int
	why  string
}

func (e *frameError) Error() string { return "channels: websocket " + e.why }

func newFrameGuard(conn net.Conn, limit int64) *frameGuard {
	return &frameGuard{Conn: conn, limit: limit}
}

func (g *frameGuard) Read(p []byte) (int, error) {
	if g.failed != nil {
		return 0, g.failed
	}
	n, err := g.Conn.Read(p)
	if pass := g.scan(p[:n]); pass < n {
		if pass == 0 {
			return 0, g.failed
		}
		return pass, nil // the next read returns g.failed
	}
	return n, err
}

// scan follows the frames in b and returns how many of its bytes come
// before a frame that breaks a rule (len(b) when none does). A header
// that b holds whole is read in place; one split across reads is gathered
// in g.header a byte at a time.
func (g *frameGuard) scan(b []byte) int {
	for i := 0; i < len(b); {
		if g.skip > 0 {
			k := min(uint64(len(b)-i), g.skip)
			i += int(k)
			g.skip -= k
			continue
		}
		if rest := b[i:]; g.have == 0 && len(rest) >= 2 && len(rest) >= headerLength(rest[:2]) {
			n := headerLength(rest[:2])
			if !g.frame(rest[:n]) {
				return i
			}
			i += n
			continue
		}
		g.header[g.have] = b[i]
		g.have++
		i++
		if g.have < headerLength(g.header[:g.have]) {
			continue
		}
		start := max(i-g.have, 0) // a header begun in an earlier read stops here
		h := g.header[:g.have]
		g.have = 0
		if !g.frame(h) {
			return start
		}
	}
	return len(b)
}

// frame checks the frame whose whole header is h and passes its payload;
// false when the frame breaks a rule (g.failed says which).
func (g *frameGuard) frame(h []byte) bool {
	length := payloadLength(h)
	if g.failed = g.check(h[0]&0x0f, length); g.failed != nil {
		return false
	}
	g.skip = length
	return true
}

// check applies the rules to a frame of opcode op and payload length.
func (g *frameGuard) check(op byte, length uint64) *frameError {
	switch op {
	case opClose:
		if length == 1 {
			return &frameError{CloseProtocolError, "close frame with a 1-byte payload"}
		}
	case opContinuation, opText, opBinary:
		if op != opContinuation {
			g.message = 0
		}
		if length > uint64(g.limit-g.message) {
			return &frameError{CloseMessageTooBig, "message larger than the limit"}
		}
		g.message += int64(length)
	}
	return nil
}

// headerLength is the length of the frame header that begins with h
// (2 until its second byte is known).
func headerLength(h []byte) int {
	if len(h) < 2 {
		return 2
	}
	n := 2
	if h[1]&0x80 != 0 { // masked, as every client frame is
		n += 4
	}
	switch h[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	return n
}

// payloadLength reads the payload length of a whole frame header.
func payloadLength(h []byte) uint64 {
	switch n := h[1] & 0x7f; n {
	case 126:
		return uint64(binary.BigEndian.Uint16(h[2:]))
	case 127:
		return binary.BigEndian.Uint64(h[2:])
	default:
		return uint64(n)
	}
}

// guardCode returns the close code of a read error caused by a frame the
// guard stopped.
func guardCode(err error) (int, bool) {
	var fe *frameError
	if errors.As(err, &fe) {
		return fe.code, true
	}
	return 0, false
}
