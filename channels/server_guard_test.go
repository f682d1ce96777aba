package channels

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// clientFrame is a masked frame of opcode op (with FIN when fin) whose
// header declares length payload bytes; payload bytes follow, masked with
// a zero key.
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
	return append(append(f, 0, 0, 0, 0), payload...)
}

func TestFrameGuardStopsWhatRFC6455Forbids(t *testing.T) {
	ok := append(clientFrame(opText, true, 5, []byte("hello")), clientFrame(opPing, true, 0, nil)...)
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
	} {
		stream := append(append([]byte{}, ok...), tt.bad...)
		// Fed whole, and a byte at a time: a header may span reads.
		for _, step := range []int{len(stream), 1} {
			g := newFrameGuard(nil, 1000)
			passed := 0
			for i := 0; i < len(stream) && g.failed == nil; i += step {
				passed += g.scan(stream[i:min(i+step, len(stream))])
			}
			if g.failed == nil || g.failed.code != tt.code {
				t.Errorf("%s (step %d): failed with %v, want code %d", tt.name, step, g.failed, tt.code)
				continue
			}
			if want := len(stream) - len(tt.bad); step > 1 && passed != want && tt.name != "fragments over the limit" {
				t.Errorf("%s: passed %d bytes, want %d (up to the bad frame)", tt.name, passed, want)
			}
		}
	}
}

func TestFrameGuardPassesWhatIsAllowed(t *testing.T) {
	var stream []byte
	stream = append(stream, clientFrame(opClose, true, 0, nil)...)
	stream = append(stream, clientFrame(opClose, true, 2, []byte{0x03, 0xe8})...)
	stream = append(stream, clientFrame(opText, false, 500, bytes.Repeat([]byte("a"), 500))...)
	stream = append(stream, clientFrame(opPong, true, 3, []byte("pin"))...) // between fragments
	stream = append(stream, clientFrame(opContinuation, true, 500, bytes.Repeat([]byte("b"), 500))...)
	stream = append(stream, clientFrame(opBinary, true, 1000, bytes.Repeat([]byte("c"), 1000))...)
	for _, step := range []int{len(stream), 7, 1} {
		g := newFrameGuard(nil, 1000)
		passed := 0
		for i := 0; i < len(stream); i += step {
			passed += g.scan(stream[i:min(i+step, len(stream))])
		}
		if g.failed != nil || passed != len(stream) {
			t.Errorf("step %d: passed %d of %d bytes, failed %v", step, passed, len(stream), g.failed)
		}
	}
}

// BenchmarkFrameGuardScan: the guard's look at a read holding one
// JSON-RPC call's frame, as a client that waits for each answer sends it.
func BenchmarkFrameGuardScan(b *testing.B) {
	frame := clientFrame(opText, true, 40, []byte(`{"jsonrpc":"2.0","method":"ping","id":1}`))
	g := newFrameGuard(nil, 1<<20)
	for b.Loop() {
		g.scan(frame)
	}
}
