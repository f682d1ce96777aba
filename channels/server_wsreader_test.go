package channels

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"testing/iotest"
)

// clientFrame is a masked frame of opcode op (with FIN when fin) whose
// header declares length payload bytes; payload bytes follow, masked with
// the key 1, 2, 3, 4.
func clientFrame(op byte, fin bool, length uint64, payload []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	f := []byte{b0}
	switch {
	case length < 126:
		f = append(f, 0x80|byte(length))
	case length <= 0xFFFF:
		f = append(f, 0x80|126, byte(length>>8), byte(length))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, length)
	}
	key := [4]byte{1, 2, 3, 4}
	f = append(f, key[:]...)
	for i, b := range payload {
		f = append(f, b^key[i%4])
	}
	return f
}

// controls records the control frames a wsReader answers.
type controls struct{ got []string }

func (c *controls) onPing(p []byte) { c.got = append(c.got, "ping "+string(p)) }
func (c *controls) onPong()         { c.got = append(c.got, "pong") }
func (c *controls) onClose(code int) {
	c.got = append(c.got, fmt.Sprint("close ", code))
}

// readAll reads stream's messages with a wsReader of limit, from r made of
// stream, until an error, which it returns with the messages ("text: ..."
// or "binary: ...") and the control frames answered.
func readAll(stream []byte, limit int64, wrap func(io.Reader) io.Reader) (got []string, err error) {
	var c controls
	r := newWSReader(wrap(bytes.NewReader(stream)), limit, &c)
	for {
		op, p, err := r.next()
		if err != nil {
			return append(got, c.got...), err
		}
		kind := map[byte]string{opText: "text", opBinary: "binary"}[op]
		got = append(got, kind+": "+string(p))
	}
}

var readerWraps = map[string]func(io.Reader) io.Reader{
	"whole":           func(r io.Reader) io.Reader { return r },
	"a byte per read": iotest.OneByteReader,
}

func TestWSReaderStopsWhatRFC6455Forbids(t *testing.T) {
	ok := clientFrame(opText, true, 5, []byte("hello"))
	for _, tt := range []struct {
		name string
		bad  []byte
		code int
	}{
		{"1-byte close payload", clientFrame(opClose, true, 1, []byte{3}), CloseProtocolError},
		{"2^62-byte frame", clientFrame(opText, true, 1<<62, []byte("abc")), CloseMessageTooBig},
		{"2^64-1-byte frame", clientFrame(opBinary, true, 1<<64-1, nil), CloseMessageTooBig},
		{"fragments over the limit", append(clientFrame(opText, false, 600, bytes.Repeat([]byte("a"), 600)),
			clientFrame(opContinuation, true, 500, nil)...), CloseMessageTooBig},
		{"an unmasked frame", []byte{0x81, 2, 'h', 'i'}, CloseProtocolError},
		{"reserved bits", append([]byte{0xc1}, clientFrame(opText, true, 2, []byte("hi"))[1:]...), CloseProtocolError},
		{"an unknown opcode", clientFrame(3, true, 0, nil), CloseProtocolError},
		{"a fragmented ping", clientFrame(opPing, false, 0, nil), CloseProtocolError},
		{"a 126-byte ping", clientFrame(opPing, true, 126, make([]byte, 126)), CloseProtocolError},
		{"a continuation first", clientFrame(opContinuation, true, 2, []byte("hi")), CloseProtocolError},
		{"a new message inside one", append(clientFrame(opText, false, 2, []byte("hi")),
			clientFrame(opText, true, 2, []byte("hi"))...), CloseProtocolError},
		{"close code 1005", clientFrame(opClose, true, 2, []byte{0x03, 0xed}), CloseProtocolError},
		{"close code 5000", clientFrame(opClose, true, 2, []byte{0x13, 0x88}), CloseProtocolError},
		{"a close reason not UTF-8", clientFrame(opClose, true, 4, []byte{0x03, 0xe8, 'a', 0xff}), CloseInvalidPayload},
	} {
		for wrapName, wrap := range readerWraps {
			got, err := readAll(append(slices.Clone(ok), tt.bad...), 1000, wrap)
			var fe *frameError
			if !errors.As(err, &fe) || fe.code != tt.code {
				t.Errorf("%s (%s): error %v, want code %d", tt.name, wrapName, err, tt.code)
			}
			if len(got) == 0 || got[0] != "text: hello" {
				t.Errorf("%s (%s): read %q before, want the frame before it", tt.name, wrapName, got)
			}
		}
	}
}

func TestWSReaderPassesWhatIsAllowed(t *testing.T) {
	long := bytes.Repeat([]byte("0123456789"), 1000) // longer than the buffer
	var stream []byte
	stream = append(stream, clientFrame(opText, false, 500, bytes.Repeat([]byte("a"), 500))...)
	stream = append(stream, clientFrame(opPing, true, 3, []byte("pin"))...) // between fragments
	stream = append(stream, clientFrame(opContinuation, false, 0, nil)...)
	stream = append(stream, clientFrame(opContinuation, true, 3, []byte("bcd"))...)
	stream = append(stream, clientFrame(opBinary, true, uint64(len(long)), long)...)
	stream = append(stream, clientFrame(opPong, true, 0, nil)...)
	stream = append(stream, clientFrame(opText, true, 0, nil)...)
	stream = append(stream, clientFrame(opClose, true, 2, []byte{0x03, 0xe8})...)
	want := []string{"text: " + strings500("a") + "bcd", "binary: " + string(long), "text: ", "ping pin", "pong", "close 1000"}
	for wrapName, wrap := range readerWraps {
		got, err := readAll(stream, 20000, wrap)
		var pc *peerClosed
		if !errors.As(err, &pc) || pc.code != CloseNormal {
			t.Errorf("%s: error %v, want the client's close 1000", wrapName, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: read %.80q, want %.80q", wrapName, got, want)
		}
	}
}

func strings500(s string) string { return string(bytes.Repeat([]byte(s), 500)) }

func TestWSReaderCloseWithoutCode(t *testing.T) {
	got, err := readAll(clientFrame(opClose, true, 0, nil), 1000, readerWraps["whole"])
	var pc *peerClosed
	if !errors.As(err, &pc) || pc.code != closeNoStatus || !slices.Equal(got, []string{"close 1005"}) {
		t.Errorf("read %q, %v; want the close answered and code %d", got, err, closeNoStatus)
	}
}

func TestWSReaderEndOfStream(t *testing.T) {
	frame := clientFrame(opText, true, 5, []byte("hello"))
	for _, cut := range []int{0, 1, 3, len(frame) - 1} {
		_, err := readAll(frame[:cut], 1000, readerWraps["whole"])
		if want := io.ErrUnexpectedEOF; cut == 0 {
			want = io.EOF
			if !errors.Is(err, want) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("cut at %d: %v, want an end of stream", cut, err)
			}
		} else if !errors.Is(err, want) {
			t.Errorf("cut at %d: %v, want %v", cut, err, want)
		}
	}
}

func TestUnmask(t *testing.T) {
	key := [4]byte{0x11, 0x22, 0x33, 0x44}
	for pos := range 4 {
		for n := range 40 {
			p := bytes.Repeat([]byte{0xa5}, n)
			want := slices.Clone(p)
			for i := range want {
				want[i] ^= key[(pos+i)%4]
			}
			if end := unmask(binary.LittleEndian.Uint32(key[:]), pos, p); end != pos+n || !bytes.Equal(p, want) {
				t.Fatalf("pos %d, %d bytes: %x (end %d), want %x", pos, n, p, end, want)
			}
		}
	}
}

// BenchmarkWSReaderNext: reading one JSON-RPC call's frame, as a client
// that waits for each answer sends it.
func BenchmarkWSReaderNext(b *testing.B) {
	frame := clientFrame(opText, true, 40, []byte(`{"jsonrpc":"2.0","method":"ping","id":1}`))
	src := bytes.NewReader(frame)
	r := newWSReader(src, 1<<20, &controls{})
	for b.Loop() {
		src.Reset(frame)
		if _, _, err := r.next(); err != nil {
			b.Fatal(err)
		}
	}
}

// pausedReader reads a stream with one timeout at byte cut.
type pausedReader struct {
	stream []byte
	cut    int
	paused bool
}

var errPaused = errors.New("timeout")

func (r *pausedReader) Read(p []byte) (int, error) {
	if !r.paused && r.cut == 0 {
		r.paused = true
		return 0, errPaused
	}
	n := len(p)
	if !r.paused {
		n = min(n, r.cut)
		r.cut -= n
	}
	n = copy(p, r.stream[:min(n, len(r.stream))])
	r.stream = r.stream[n:]
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// TestWSReaderBetweenMessages: a read error before the header of a
// message's first frame is taken (or of a control frame before it) leaves
// the reader between messages, and next reads the message after it; an
// error in a payload does not.
func TestWSReaderBetweenMessages(t *testing.T) {
	ping := clientFrame(opPing, true, 1, []byte("p"))
	text := clientFrame(opText, true, 5, []byte("hello"))
	stream := append(slices.Clone(ping), text...)
	for cut := range len(stream) {
		var c controls
		r := newWSReader(&pausedReader{stream: stream, cut: cut}, 1000, &c)
		_, _, err := r.next()
		if !errors.Is(err, errPaused) {
			t.Fatalf("cut at %d: %v, want the pause", cut, err)
		}
		// Not between in the ping's payload, or in the text's: each header
		// is 6 bytes, and taken once whole.
		want := cut < 6 || cut >= len(ping) && cut < len(ping)+6
		if r.between != want {
			t.Errorf("cut at %d: between %v, want %v", cut, r.between, want)
		}
		if !r.between {
			continue
		}
		if op, p, err := r.next(); err != nil || op != opText || string(p) != "hello" {
			t.Errorf("cut at %d, then: %d %q %v; want the text", cut, op, p, err)
		}
	}
}

// A read error after the reader was left between messages says where
// that read left it, whichever step failed: here a close frame with a
// code no client may send, read after a pause before its header.
func TestWSReaderBetweenIsTheLastError(t *testing.T) {
	badClose := clientFrame(opClose, true, 2, []byte{0x03, 0xe7}) // 999
	var c controls
	r := newWSReader(&pausedReader{stream: badClose, cut: 0}, 1000, &c)
	if _, _, err := r.next(); !errors.Is(err, errPaused) || !r.between {
		t.Fatalf("first read: %v, between %v; want the pause, between", err, r.between)
	}
	if _, _, err := r.next(); !errors.Is(err, errCloseCode) || r.between {
		t.Errorf("second read: %v, between %v; want %v, not between", err, r.between, errCloseCode)
	}
}
