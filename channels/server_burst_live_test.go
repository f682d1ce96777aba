package channels_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// clientFrame is a masked text frame as a client sends it (mask 0: the
// payload goes as is).
func clientFrame(text string) []byte {
	f := []byte{0x81, 0x80 | byte(len(text)), 0, 0, 0, 0}
	return append(f, text...)
}

// A burst far larger than the send queue, in one TCP write over a real
// socket: the replies held for the burst never fill the queue, and every
// frame is answered, in order. Frames queued behind a message of the
// connection a worker's goroutine has in hand are consumed in that
// goroutine, not the reader's, and their replies come as fast as it makes
// them: MaxInFlight, as for any consumer that replies to every frame, keeps
// those from filling the queue while the writer's goroutine waits for a
// CPU (under -race on a loaded machine, 1 run in 40 was cut off with 1008
// without it).
func TestPipelinedBurstAnsweredInOrder(t *testing.T) {
	live := channelstest.NewLiveServerConfig(t, channelstest.LiveConfig{
		Server: channels.ServerConfig{SendQueue: 8, MaxInFlight: 4},
	}, channels.Route("websocket.receive", channels.ConsumerFunc(echo)))
	conn, _, err := websocket.DefaultDialer.Dial(live.WebsocketURL("/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const n = 500
	var burst []byte
	for i := range n {
		burst = append(burst, clientFrame(fmt.Sprintf("m%d", i))...)
	}
	if _, err := conn.UnderlyingConn().Write(burst); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range n {
		_, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if want := fmt.Sprintf("m%d", i); !strings.Contains(string(data), want) || len(data) != len(want) {
			t.Fatalf("reply %d = %q, want %q", i, data, want)
		}
	}
}

// A slow call in the middle of a burst does not hold back the replies to
// the calls before it: the hold ends after maxHold whatever the reader
// does. Over a real socket, where replies are written at once and held.
func TestBurstReplyNotHeldBySlowCall(t *testing.T) {
	gate := make(chan struct{})
	defer close(gate)
	slow := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		text, _ := m.Text()
		if text == "slow" {
			<-gate
		}
		return m.SendText(ctx, text)
	})
	live := channelstest.NewLiveServer(t, channels.Route("websocket.receive", slow))
	conn, _, err := websocket.DefaultDialer.Dial(live.WebsocketURL("/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The reader reads all four at once; the replies from "a" on are held
	// while the rest of the burst waits in its buffer.
	var burst []byte
	for _, text := range []string{"x", "a", "slow", "c"} {
		burst = append(burst, clientFrame(text)...)
	}
	if _, err := conn.UnderlyingConn().Write(burst); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // a failure, not a measure
	for _, want := range []string{"x", "a"} {
		if _, data, err := conn.ReadMessage(); err != nil || string(data) != want {
			t.Fatalf("reply %q, %v; want %q while the slow call runs", data, err, want)
		}
	}
}
