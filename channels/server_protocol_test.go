package channels_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// TestProtocolErrorsAreAnsweredAsRFC6455Says sends what a hostile client
// sends and expects the close code RFC 6455 names, the socket closed at
// once after it, and the code in websocket.disconnect.
func TestProtocolErrorsAreAnsweredAsRFC6455Says(t *testing.T) {
	for _, tt := range []struct {
		name  string
		frame []byte
		code  int
	}{
		{"a close frame with a 1-byte payload", channels.ClientFrame(0x8, 1, []byte{3}), channels.CloseProtocolError},
		{"a frame declaring 2^62 bytes", channels.ClientFrame(0x1, 1<<62, []byte("{}")), channels.CloseMessageTooBig},
		{"a text frame that is not UTF-8", channels.ClientFrame(0x1, 3, []byte{'a', 0xff, 'b'}), channels.CloseInvalidPayload},
		{"an unmasked frame", []byte{0x81, 2, 'h', 'i'}, channels.CloseProtocolError},
		{"a frame of an unknown opcode", channels.ClientFrame(0x3, 0, nil), channels.CloseProtocolError},
		{"a close frame of code 5000", channels.ClientFrame(0x8, 2, []byte{0x13, 0x88}), channels.CloseProtocolError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var d disconnects
				b := startBubble(t, nil, channels.ServerConfig{}, channels.WorkerConfig{},
					channels.Route("websocket.receive", flood(0)), d.route())
				conn := b.mustDial("/")
				start := time.Now()
				if _, err := conn.UnderlyingConn().Write(tt.frame); err != nil {
					t.Fatal(err)
				}
				_, _, err := conn.ReadMessage()
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != tt.code {
					t.Fatalf("read %v, want close %d", err, tt.code)
				}
				if tt.code != channels.CloseInvalidPayload { // the others end the connection at once
					if _, err := conn.UnderlyingConn().Read(make([]byte, 1)); err != io.EOF || time.Since(start) != 0 {
						t.Errorf("after the close frame: %v after %v, want EOF at once", err, time.Since(start))
					}
				}
				synctest.Wait()
				if got := d.code.Load(); got != int64(tt.code) {
					t.Errorf("websocket.disconnect code %d, want %d", got, tt.code)
				}
			})
		})
	}
}

// TestTextFramesGoOutAsUTF8: invalid bytes a consumer puts in a text frame
// become U+FFFD (RFC 6455 5.6).
func TestTextFramesGoOutAsUTF8(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		asText := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			b, _ := m.Bytes()
			return m.SendText(ctx, string(b))
		})
		b := startBubble(t, nil, channels.ServerConfig{}, channels.WorkerConfig{},
			channels.Route("websocket.receive", asText))
		conn := b.mustDial("/")
		conn.WriteMessage(websocket.BinaryMessage, []byte("a\xffb"))
		if _, data, err := conn.ReadMessage(); err != nil || string(data) != "a\uFFFDb" {
			t.Errorf("read %q, %v; want %q", data, err, "a\uFFFDb")
		}
	})
}
