package channels_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

const ordTestReply = "daphne.response.AbCdEfGhIj!KlMnOpQrSt"

// ordTestRecorder is a consumer recording what it consumed, in order.
type ordTestRecorder struct {
	mu  sync.Mutex
	got []string
}

func (r *ordTestRecorder) Consume(ctx context.Context, m *channels.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	what := m.Channel
	if text, ok := m.Text(); ok {
		what = text
	}
	if m.Content().Has("original_channel") {
		what += " (with original_channel)"
	}
	r.got = append(r.got, what)
	return nil
}

func (r *ordTestRecorder) consumed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// ordTestRun plays a worker: it consumes what is waiting on chans until
// nothing is left.
func ordTestRun(t *testing.T, l channels.Layer, c channels.Consumer, chans ...string) {
	t.Helper()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for range 100 {
		ch, content, err := l.Receive(done, chans...)
		if errors.Is(err, context.Canceled) {
			return
		}
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		m := channels.NewMessage(ch, content)
		m.Layer = l
		if err := c.Consume(context.Background(), m); err != nil {
			t.Fatalf("Consume(%s %v): %v", ch, content, err)
		}
	}
	t.Fatal("messages kept coming after 100 were consumed")
}

func ordTestSend(t *testing.T, l channels.Layer, channel string, content channels.Content) {
	t.Helper()
	content["reply_channel"] = ordTestReply
	content["path"] = "/"
	if err := l.Send(context.Background(), channel, content); err != nil {
		t.Fatalf("Send(%s %v): %v", channel, content, err)
	}
}

func TestEnforceOrdering(t *testing.T) {
	ctx := context.Background()
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	store := channels.NewMemorySessionStore()
	rec := &ordTestRecorder{}
	c := channels.Chain(rec, channels.EnforceOrdering(store))
	chans := []string{"websocket.connect", "websocket.receive", "websocket.disconnect"}

	ordTestSend(t, l, "websocket.connect", channels.Content{"order": 0})
	ordTestRun(t, l, c, chans...)

	ordTestSend(t, l, "websocket.receive", channels.Content{"order": 2, "text": "2"})
	ordTestRun(t, l, c, chans...)
	if got := rec.consumed(); !slices.Equal(got, []string{"websocket.connect"}) {
		t.Fatalf("consumed before frame 1 = %q; want only the connect", got)
	}
	// Frame 2 waits on the wait channel of the connection.
	done, cancel := context.WithCancel(ctx)
	cancel()
	const wait = "__wait__.daphne.response.AbCdEfGhIj?KlMnOpQrSt"
	ch, parked, err := l.Receive(done, wait)
	if err != nil {
		t.Fatalf("Receive(%s): %v; want frame 2 waiting there", wait, err)
	}
	if got := parked.String("original_channel"); got != "websocket.receive" {
		t.Errorf("original_channel of the waiting frame = %q; want %q", got, "websocket.receive")
	}
	if err := l.Send(ctx, ch, parked); err != nil { // put it back
		t.Fatal(err)
	}

	ordTestSend(t, l, "websocket.receive", channels.Content{"order": 1, "text": "1"})
	ordTestSend(t, l, "websocket.disconnect", channels.Content{"order": 3, "code": 1000})
	ordTestRun(t, l, c, chans...)
	want := []string{"websocket.connect", "1", "2", "websocket.disconnect"}
	if got := rec.consumed(); !slices.Equal(got, want) {
		t.Errorf("consumed = %q; want %q", got, want)
	}
	stored, err := store.Load(ctx, channels.ChannelSessionKey(ordTestReply))
	if err != nil {
		t.Fatal(err)
	}
	if next, _ := stored.Int("__channels_next_order"); next != 4 {
		t.Errorf("stored __channels_next_order = %v; want 4", stored["__channels_next_order"])
	}
}

func TestEnforceOrderingOutOfOrderBurst(t *testing.T) {
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	rec := &ordTestRecorder{}
	c := channels.Chain(rec, channels.EnforceOrdering(channels.NewMemorySessionStore()))
	for _, order := range []int{5, 3, 1, 4, 2} {
		ordTestSend(t, l, "websocket.receive", channels.Content{"order": order, "text": strings.Repeat("x", order)})
	}
	ordTestSend(t, l, "websocket.connect", channels.Content{"order": 0})
	ordTestRun(t, l, c, "websocket.connect", "websocket.receive")
	want := []string{"websocket.connect", "x", "xx", "xxx", "xxxx", "xxxxx"}
	if got := rec.consumed(); !slices.Equal(got, want) {
		t.Errorf("consumed = %q; want %q", got, want)
	}
}

func TestEnforceOrderingErrors(t *testing.T) {
	tests := []struct {
		name    string
		content channels.Content
		want    string
	}{
		{"no order", channels.Content{"reply_channel": ordTestReply}, "has no order"},
		{"order not an integer", channels.Content{"reply_channel": ordTestReply, "order": "first"}, "not an integer"},
		{"no reply channel", channels.Content{"order": 0}, "no reply_channel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &ordTestRecorder{}
			c := channels.EnforceOrdering(channels.NewMemorySessionStore())(rec)
			m := channels.NewMessage("websocket.receive", tt.content)
			m.Layer = channels.NewMemoryLayer(channels.MemoryConfig{})
			err := c.Consume(context.Background(), m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Consume(%v) = %v; want an error containing %q", tt.content, err, tt.want)
			}
			if got := rec.consumed(); len(got) != 0 {
				t.Errorf("consumed %q; want nothing", got)
			}
		})
	}
}

func TestEnforceOrderingWaitChannelFull(t *testing.T) {
	l := channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 1})
	c := channels.EnforceOrdering(channels.NewMemorySessionStore())(&ordTestRecorder{})
	var err error
	for _, order := range []int{2, 3} {
		m := channels.NewMessage("websocket.receive", channels.Content{"reply_channel": ordTestReply, "order": order, "text": "x"})
		m.Layer = l
		err = c.Consume(context.Background(), m)
	}
	if !errors.Is(err, channels.ErrChannelFull) || !strings.Contains(err.Error(), "too many out-of-order messages") {
		t.Errorf("Consume of a second early frame = %v; want an error matching ErrChannelFull about out-of-order messages", err)
	}
}
