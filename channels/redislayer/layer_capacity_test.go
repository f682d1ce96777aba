package redislayer_test

import (
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
)

// Capacities, where keys go with two hosts, and the bounds of local queues.

func TestCapacityRules(t *testing.T) {
	l, _ := newMiniLayer(t, 1, redislayer.Config{Logger: quiet, Capacity: 3,
		ChannelCapacity: []channels.CapacityRule{{Pattern: "small.*", Capacity: 1}, {Pattern: "small.big", Capacity: 5}}})
	ctx := t.Context()
	for _, tc := range []struct {
		channel string
		want    int
	}{{"small.big", 1}, {"small!x", 3}, {"other", 3}} {
		n := 0
		for ; n < 10; n++ {
			if err := l.Send(ctx, tc.channel, channels.Content{}); err != nil {
				var full *channels.ChannelFullError
				if !errors.As(err, &full) || full.Capacity != tc.want || full.Channel != tc.channel {
					t.Errorf("Send(%q): %v", tc.channel, err)
				}
				break
			}
		}
		if n != tc.want {
			t.Errorf("%q took %d messages, want %d", tc.channel, n, tc.want)
		}
	}
	if _, err := redislayer.New(redislayer.Config{ChannelCapacity: []channels.CapacityRule{{Pattern: "[", Capacity: 1}}}); err == nil {
		t.Error("a bad glob is accepted")
	}
}

// With two hosts, as with channels_redis, a normal channel holds Capacity
// messages on each host (sends go round-robin), while a process-local
// channel, always on one host, holds Capacity.
func TestCapacityTwoHosts(t *testing.T) {
	l, _ := newMiniLayer(t, 2, redislayer.Config{Logger: quiet, Capacity: 5})
	ctx := t.Context()
	count := func(channel func(n int) string) int {
		for n := 0; ; n++ {
			err := l.Send(ctx, channel(n), channels.Content{})
			if errors.Is(err, channels.ErrChannelFull) {
				return n
			}
			if err != nil || n > 100 {
				t.Fatalf("Send: %v after %d", err, n)
			}
		}
	}
	if n := count(func(int) string { return "normal" }); n != 10 {
		t.Errorf("a normal channel took %d messages on two hosts, want 10", n)
	}
	if n := count(func(n int) string { return fmt.Sprintf("local!%d", n) }); n != 5 {
		t.Errorf("a process-local channel took %d messages, want 5", n)
	}
}

// TestSharding checks where keys go with two hosts: process-local
// channels by the hash of their non-local name (unlike channels_redis's
// send, which hashes the full name), groups by the hash of the group, normal
// channels on both.
func TestSharding(t *testing.T) {
	l, clock := newMiniLayer(t, 2, redislayer.Config{Logger: quiet})
	ctx := t.Context()
	// crc32 & 0xFFF of "specific.abc!" is 3651 (shard 1 of 2) and of "grp"
	// 3839 (shard 1); "daphne.response.AbCdEfGhIj!" gives 682 (shard 0).
	for _, ch := range []string{"specific.abc!x", "specific.abc!y", "daphne.response.AbCdEfGhIj!z"} {
		if err := l.Send(ctx, ch, channels.Content{}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := l.Send(ctx, "test.channel", channels.Content{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.GroupAdd(ctx, "grp", "a"); err != nil {
		t.Fatal(err)
	}
	if err := l.GroupAdd(ctx, "chat_lobby", "a"); err != nil { // 2156: shard 1
		t.Fatal(err)
	}
	want := [][]string{
		{"asgidaphne.response.AbCdEfGhIj!", "asgitest.channel"},
		{"asgi:group:chat_lobby", "asgi:group:grp", "asgispecific.abc!", "asgitest.channel"},
	}
	for i, m := range clock.servers {
		if got := m.Keys(); !slices.Equal(got, want[i]) {
			t.Errorf("shard %d keys %q, want %q", i, got, want[i])
		}
	}
	seen := map[string]int{}
	for range 5 {
		ch, _ := receiveWithin(t, l, 5*time.Second, "test.channel", "specific.abc!", "daphne.response.AbCdEfGhIj!")
		seen[ch]++
	}
	if want := map[string]int{"test.channel": 2, "specific.abc!x": 1, "specific.abc!y": 1, "daphne.response.AbCdEfGhIj!z": 1}; !maps.Equal(seen, want) {
		t.Errorf("received %v, want %v", seen, want)
	}
}

// A slow receiver of a process-local name does not make the layer buffer
// without bound: the queue of the name stops at its capacity, then Redis
// fills up and Send fails with ErrChannelFull.
func TestLocalBackpressure(t *testing.T) {
	const capacity = 3
	l, clock := newMiniLayer(t, 1, redislayer.Config{Logger: quiet, Capacity: capacity})
	m := clock.servers[0]
	ctx := t.Context()
	if err := l.Send(ctx, "bp!a", channels.Content{"n": 0}); err != nil {
		t.Fatal(err)
	}
	receiveWithin(t, l, 5*time.Second, "bp!") // the loop now fetches bp!
	inRedis := func() int {
		members, _ := m.ZMembers("asgibp!") // an error means no key: none
		return len(members)
	}
	sent := 0
	send := func() error {
		err := l.Send(ctx, "bp!a", channels.Content{"n": sent + 1})
		if err == nil {
			sent++
		}
		return err
	}
	// While the queue of bp! has room, the loop takes each message out of
	// Redis.
	for range capacity {
		if err := send(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); inRedis() > 0; runtime.Gosched() {
			if time.Now().After(deadline) {
				t.Fatalf("message %d stays in Redis while the local queue has room", sent)
			}
		}
	}
	// The queue is full: the loop stops fetching, Redis fills to its
	// capacity, and the next send fails.
	for range capacity {
		if err := send(); err != nil {
			t.Fatalf("send %d with Redis not full yet: %v", sent+1, err)
		}
	}
	if err := send(); !errors.Is(err, channels.ErrChannelFull) {
		t.Fatalf("send %d with the queue and Redis full: %v, want ErrChannelFull", sent+1, err)
	}
	if got := inRedis(); got != capacity {
		t.Errorf("%d messages in Redis, want %d: the loop fetched beyond the queue's capacity", got, capacity)
	}
	for i := 1; i <= sent; i++ {
		_, c := receiveWithin(t, l, 5*time.Second, "bp!")
		if n, _ := c.Int("n"); n != int64(i) {
			t.Fatalf("message %d has n=%v: lost or out of order", i, c["n"])
		}
	}
}

// A group message for more local members than the capacity reaches all of
// them: it is one Redis message, and the queue of the name does not drop.
func TestGroupFanOutBeyondCapacity(t *testing.T) {
	l, _ := newMiniLayer(t, 1, redislayer.Config{Logger: quiet, Capacity: 10})
	ctx := t.Context()
	const n = 250
	for i := range n {
		if err := l.GroupAdd(ctx, "room", fmt.Sprintf("srv!%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.GroupSend(ctx, "room", channels.Content{"text": "hi"}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range n {
		ch, c := receiveWithin(t, l, 5*time.Second, "srv!")
		if seen[ch] || c.String("text") != "hi" {
			t.Fatalf("received %q %v (twice: %v)", ch, c, seen[ch])
		}
		seen[ch] = true
	}
}
