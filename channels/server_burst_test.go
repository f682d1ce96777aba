package channels

import (
	"bytes"
	"testing"
)

// maskedFrame is a client's text frame with a payload of n bytes.
func maskedFrame(n int) []byte {
	return clientFrame(opText, true, uint64(n), bytes.Repeat([]byte{'x'}, n))
}

func TestWholeFramePending(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"nothing", nil, false},
		{"one byte", maskedFrame(10)[:1], false},
		{"a header", maskedFrame(10)[:6], false},
		{"a small frame", maskedFrame(10), true},
		{"a small frame but one byte", maskedFrame(10)[:15], false},
		{"a 16-bit length", maskedFrame(300), true},
		{"a 16-bit length cut", maskedFrame(300)[:200], false},
		{"a 16-bit length, its header cut", maskedFrame(300)[:3], false},
		{"a 64-bit length", maskedFrame(70000), false},
	}
	for _, tt := range tests {
		r := newWSReader(bytes.NewReader(tt.data), 1<<20, &controls{})
		r.fill(min(len(tt.data), len(r.buf))) // what a read left in the buffer
		if got := r.wholeFramePending(); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
