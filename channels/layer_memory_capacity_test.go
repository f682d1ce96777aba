package channels_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// The capacity of the memory layer: per channel by pattern, shared by process-local channels, freed by expiry.
func TestMemoryLayerChannelCapacity(t *testing.T) {
	l := channels.NewMemoryLayer(channels.MemoryConfig{
		Capacity: 4,
		ChannelCapacity: []channels.CapacityRule{
			{Pattern: "http.request", Capacity: 1},
			{Pattern: "http.*", Capacity: 2}, // also matches http.request: the first rule wins
			{Pattern: "daphne.response.*", Capacity: 3},
			{Pattern: "http.response", Capacity: 10}, // shadowed by http.*
		},
	})
	for _, tt := range []struct {
		channel string
		want    int
	}{
		{"http.request", 1},
		{"http.response", 2},
		{"http.disconnect", 2},
		{"daphne.response.abc!def", 3},
		{"websocket.receive", 4},
		{"https", 4},
	} {
		for i := range tt.want {
			if err := l.Send(t.Context(), tt.channel, channels.Content{"i": i}); err != nil {
				t.Fatalf("Send %d to %q: %v", i, tt.channel, err)
			}
		}
		err := l.Send(t.Context(), tt.channel, channels.Content{})
		var full *channels.ChannelFullError
		if !errors.As(err, &full) || !errors.Is(err, channels.ErrChannelFull) {
			t.Errorf("Send to %q beyond %d messages: %v, want a *ChannelFullError", tt.channel, tt.want, err)
			continue
		}
		if full.Channel != tt.channel || full.Capacity != tt.want {
			t.Errorf("ChannelFullError = %+v, want channel %q capacity %d", full, tt.channel, tt.want)
		}
	}
}

// TestMemoryLayerCapacityProcessLocal: the local parts of a process-local
// channel share the capacity of its non-local name.
func TestMemoryLayerCapacityProcessLocal(t *testing.T) {
	l := channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 2})
	mustSend(t, l, "p!a", channels.Content{})
	mustSend(t, l, "p!b", channels.Content{})
	if err := l.Send(t.Context(), "p!c", channels.Content{}); !errors.Is(err, channels.ErrChannelFull) {
		t.Fatalf("third Send to p!: %v, want ErrChannelFull", err)
	}
	mustSend(t, l, "q!a", channels.Content{}) // another process is not full
}

// TestMemoryLayerExpiredFreeCapacity: expired messages stop counting towards
// capacity at once, not only after a Receive.
func TestMemoryLayerExpiredFreeCapacity(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := channels.NewMemoryLayer(channels.MemoryConfig{Capacity: 2, Expiry: time.Minute})
		mustSend(t, l, "exp_test", channels.Content{"n": 1})
		time.Sleep(30 * time.Second)
		mustSend(t, l, "exp_test", channels.Content{"n": 2})
		if err := l.Send(t.Context(), "exp_test", channels.Content{}); !errors.Is(err, channels.ErrChannelFull) {
			t.Fatalf("Send to a full channel: %v", err)
		}
		time.Sleep(30 * time.Second) // the first message expires
		mustSend(t, l, "exp_test", channels.Content{"n": 3})
		for _, want := range []int64{2, 3} {
			_, c, ok := receiveNow(t, l, "exp_test")
			if n, _ := c.Int("n"); !ok || n != want {
				t.Fatalf("received %v, want n = %d", c, want)
			}
		}
	})
}

// TestMemoryLayerGroupSendSkipsFull: a member at capacity misses a group
// message; the other members get it and GroupSend reports no error.
func TestMemoryLayerGroupSendSkipsFull(t *testing.T) {
	ctx := t.Context()
	l := channels.NewMemoryLayer(channels.MemoryConfig{
		ChannelCapacity: []channels.CapacityRule{{Pattern: "full.*", Capacity: 1}},
	})
	for _, ch := range []string{"full.one", "ok.one", "ok.two!x"} {
		if err := l.GroupAdd(ctx, "g", ch); err != nil {
			t.Fatal(err)
		}
	}
	mustSend(t, l, "full.one", channels.Content{"n": 0})
	if err := l.GroupSend(ctx, "g", channels.Content{"n": 1}); err != nil {
		t.Fatalf("GroupSend with a full member: %v", err)
	}
	for _, ch := range []string{"ok.one", "ok.two!"} {
		if _, c, ok := receiveNow(t, l, ch); !ok || c["n"] != int64(1) {
			t.Errorf("member %s did not get the group message", ch)
		}
	}
	if _, c, _ := receiveNow(t, l, "full.one"); c["n"] != int64(0) {
		t.Errorf("full member's message = %v, want its own n = 0", c)
	}
	if _, c, ok := receiveNow(t, l, "full.one"); ok {
		t.Errorf("full member received %v from the group send", c)
	}
}
