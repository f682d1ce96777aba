package channels_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// newMemoryLayer returns a factory of memory layers with cfg, closed when
// the test ends.
func newMemoryLayer(cfg channels.MemoryConfig) func(t *testing.T) channels.Layer {
	return func(t *testing.T) channels.Layer {
		l := channels.NewMemoryLayer(cfg)
		t.Cleanup(func() { l.Close() })
		return l
	}
}

// synctestFeatures runs each subtest in a synctest bubble, with fake time.
func synctestFeatures(f channelstest.Features) channelstest.Features {
	f.Run, f.Settle, f.Advance = synctest.Test, synctest.Wait, time.Sleep
	return f
}

func TestMemoryLayerConformance(t *testing.T) {
	cfg := channels.MemoryConfig{Capacity: 10, Expiry: time.Minute, GroupExpiry: time.Hour}
	channelstest.TestLayer(t, newMemoryLayer(cfg), synctestFeatures(channelstest.Features{
		Capacity: cfg.Capacity, Expiry: cfg.Expiry, GroupExpiry: cfg.GroupExpiry,
	}))
}

func TestMemoryLayerConformanceDefaults(t *testing.T) {
	channelstest.TestLayer(t, newMemoryLayer(channels.MemoryConfig{}), synctestFeatures(channelstest.Features{
		Capacity:    channels.DefaultCapacity,
		Expiry:      channels.DefaultExpiry,
		GroupExpiry: channels.DefaultGroupExpiry,
	}))
}

// A result is what a Receive in another goroutine returned.
type result struct {
	channel string
	content channels.Content
	err     error
}

func goReceive(ctx context.Context, l channels.Layer, chans ...string) <-chan result {
	out := make(chan result, 1)
	go func() {
		ch, c, err := l.Receive(ctx, chans...)
		out <- result{ch, c, err}
	}()
	return out
}

// receiveNow takes a waiting message without blocking.
func receiveNow(t *testing.T, l channels.Layer, chans ...string) (string, channels.Content, bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ch, c, err := l.Receive(ctx, chans...)
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Receive(%q): %v", chans, err)
	}
	return ch, c, err == nil
}

func mustSend(t *testing.T, l channels.Layer, channel string, c channels.Content) {
	t.Helper()
	if err := l.Send(t.Context(), channel, c); err != nil {
		t.Fatalf("Send(%q): %v", channel, err)
	}
}

// TestMemoryLayerWaitersAcrossBubbles blocks receivers of one layer inside
// and outside synctest bubbles, in turn: no state may carry a channel made in
// one bubble into another, or out of it.
func TestMemoryLayerWaitersAcrossBubbles(t *testing.T) {
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	block := func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var rs []<-chan result
		for range 3 {
			rs = append(rs, goReceive(ctx, l, "waiter_test"))
		}
		for range 10 {
			runtime.Gosched()
		}
		cancel()
		for _, r := range rs {
			<-r
		}
	}
	for range 3 {
		synctest.Test(t, block)
		block(t)
	}
}

// TestMemoryLayerWakeupPassedOn is the lost wakeup a receiver of two channels
// can cause: a group send puts a message on channels a and b in one step and
// wakes the receiver of both for a; when that receiver takes b's message
// instead, the receiver of a alone must still get a's.
func TestMemoryLayerWakeupPassedOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := channels.NewMemoryLayer(channels.MemoryConfig{})
		defer l.Close()
		ctx := t.Context()
		for _, ch := range []string{"a", "b"} {
			if err := l.GroupAdd(ctx, "both", ch); err != nil {
				t.Fatal(err)
			}
		}
		tookB := false
		for trial := range 4 { // Receive's scan starts at a rotating channel
			for range trial {
				receiveNow(t, l, "a", "b")
			}
			trialCtx, cancel := context.WithCancel(ctx)
			both := goReceive(trialCtx, l, "a", "b")
			synctest.Wait()
			onlyA := goReceive(trialCtx, l, "a")
			synctest.Wait()
			if err := l.GroupSend(ctx, "both", channels.Content{"trial": trial}); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			first := <-both
			if first.channel == "a" {
				if ch, _, ok := receiveNow(t, l, "b"); !ok || ch != "b" {
					t.Fatalf("trial %d: b's message is missing", trial)
				}
				cancel()
				if got := <-onlyA; got.err == nil {
					t.Fatalf("trial %d: Receive(a) got a second message", trial)
				}
				continue
			}
			cancel()
			tookB = true
			select {
			case got := <-onlyA:
				if got.err != nil || got.channel != "a" {
					t.Fatalf("trial %d: Receive(a) = %q, %v", trial, got.channel, got.err)
				}
			default:
				t.Fatalf("trial %d: the receiver of a sleeps while a holds a message", trial)
			}
		}
		if !tookB {
			t.Fatal("no trial had the receiver of a and b take b's message")
		}
	})
}

// TestMemoryLayerClose: Close wakes blocked receivers with ErrClosed, and
// later calls fail with ErrClosed.
func TestMemoryLayerClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		l := channels.NewMemoryLayer(channels.MemoryConfig{})
		blocked := []<-chan result{
			goReceive(ctx, l, "close_test"),
			goReceive(ctx, l, "close_test", "close!"),
			goReceive(ctx, l, "close!"),
		}
		synctest.Wait()
		if err := l.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		synctest.Wait()
		for i, r := range blocked {
			select {
			case got := <-r:
				if !errors.Is(got.err, channels.ErrClosed) {
					t.Errorf("receiver %d: %v, want ErrClosed", i, got.err)
				}
			default:
				t.Errorf("receiver %d still blocked after Close", i)
			}
		}
		for name, err := range map[string]error{
			"Send":       l.Send(ctx, "close_test", channels.Content{}),
			"GroupAdd":   l.GroupAdd(ctx, "g", "close_test"),
			"GroupSend":  l.GroupSend(ctx, "g", channels.Content{}),
			"NewChannel": func() error { _, err := l.NewChannel(ctx, "close"); return err }(),
			"Receive":    func() error { _, _, err := l.Receive(ctx, "close_test"); return err }(),
			"Close":      l.Close(),
		} {
			if name == "Close" {
				if err != nil {
					t.Errorf("second Close: %v", err)
				}
				continue
			}
			if !errors.Is(err, channels.ErrClosed) {
				t.Errorf("%s after Close: %v, want ErrClosed", name, err)
			}
		}
	})
}

// TestMemoryLayerFlush: Flush drops messages and groups, and a receiver
// blocked across it still gets the next message.
func TestMemoryLayerFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		l := channels.NewMemoryLayer(channels.MemoryConfig{})
		defer l.Close()
		mustSend(t, l, "flush_a", channels.Content{"n": 1})
		mustSend(t, l, "flush!x", channels.Content{"n": 1})
		if err := l.GroupAdd(ctx, "g", "flush_b"); err != nil {
			t.Fatal(err)
		}
		r := goReceive(ctx, l, "flush_b")
		synctest.Wait()
		if err := l.Flush(ctx); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		if ch, c, ok := receiveNow(t, l, "flush_a", "flush!"); ok {
			t.Errorf("after Flush, received %q %v", ch, c)
		}
		if members, _ := l.GroupChannels(ctx, "g"); len(members) != 0 {
			t.Errorf("after Flush, group g has %q", members)
		}
		mustSend(t, l, "flush_b", channels.Content{"n": 2})
		synctest.Wait()
		select {
		case got := <-r:
			if got.err != nil || got.channel != "flush_b" {
				t.Errorf("receiver blocked across Flush got %q, %v", got.channel, got.err)
			}
		default:
			t.Error("receiver blocked across Flush was not woken by a later Send")
		}
	})
}

// TestMemoryLayerNewChannel checks the names NewChannel makes and the
// patterns it refuses; errors name the pattern, not a generated name.
func TestMemoryLayerNewChannel(t *testing.T) {
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	ctx := t.Context()
	a, err := l.NewChannel(ctx, "daphne.response")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := l.NewChannel(ctx, "daphne.response")
	if channels.NonLocalName(a) != channels.NonLocalName(b) || a == b {
		t.Errorf("NewChannel gave %q and %q, want one process and two local parts", a, b)
	}
	other, _ := channels.NewMemoryLayer(channels.MemoryConfig{}).NewChannel(ctx, "daphne.response")
	if channels.NonLocalName(other) == channels.NonLocalName(a) {
		t.Errorf("two layers share the process name %q", channels.NonLocalName(a))
	}
	maxPlain := channels.MaxNameLength - len(channels.NonLocalName(a)) + len("daphne.response") - 12
	for _, tt := range []struct {
		pattern string
		ok      bool
	}{
		{strings.Repeat("p", maxPlain), true},
		{strings.Repeat("p", maxPlain+1), false},
		{strings.Repeat("s", channels.MaxNameLength-12) + "?", false},
		{strings.Repeat("s", channels.MaxNameLength-13) + "?", true},
		{"x.y?", true},
		{"x!", false},
		{"x!y", false},
		{"x?y", false},
		{"x y", false},
		{"", false},
	} {
		name, err := l.NewChannel(ctx, tt.pattern)
		switch {
		case tt.ok && err != nil:
			t.Errorf("NewChannel(%q): %v", tt.pattern, err)
		case tt.ok && channels.ValidateChannel(name) != nil:
			t.Errorf("NewChannel(%q) = %q, an invalid name", tt.pattern, name)
		case !tt.ok && (err == nil || name != ""):
			t.Errorf("NewChannel(%q) = %q, %v; want an error", tt.pattern, name, err)
		case !tt.ok:
			var ne *channels.NameError
			if !errors.As(err, &ne) || ne.Name != tt.pattern {
				t.Errorf("NewChannel(%q) error %v does not name the pattern", tt.pattern, err)
			}
		}
	}
}

// TestMemoryLayerGroupSendShares documents what GroupSend shares: members
// get their own top-level map, so one member's changes to it stay its own.
func TestMemoryLayerGroupSendShares(t *testing.T) {
	ctx := t.Context()
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	for _, ch := range []string{"m1", "m2"} {
		if err := l.GroupAdd(ctx, "g", ch); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.GroupSend(ctx, "g", channels.Content{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	_, c1, _ := receiveNow(t, l, "m1")
	c1["k"] = "changed"
	if _, c2, _ := receiveNow(t, l, "m2"); c2["k"] != "v" {
		t.Errorf("m2 got %v after m1 changed its copy", c2)
	}
}

// BenchmarkMemoryLayerSendReceive measures a round trip: a ping sent to a
// goroutine that answers with a pong.
func BenchmarkMemoryLayerSendReceive(b *testing.B) {
	channelstest.SendReceive(b, channels.NewMemoryLayer(channels.MemoryConfig{}), "bench.pong", "bench.pong")
}

// BenchmarkMemoryGroupSend measures GroupSend to a group of 100 members; the
// members are drained, outside the timer, before they fill up.
func BenchmarkMemoryGroupSend(b *testing.B) {
	const members, drainEvery = 100, 50
	ctx := b.Context()
	l := channels.NewMemoryLayer(channels.MemoryConfig{Capacity: drainEvery})
	var names []string
	for i := range members {
		name := fmt.Sprintf("bench.member.%d", i)
		names = append(names, name)
		if err := l.GroupAdd(ctx, "bench", name); err != nil {
			b.Fatal(err)
		}
	}
	drained, cancel := context.WithCancel(ctx)
	cancel()
	msg := channels.Content{"text": "hello, group"}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := l.GroupSend(ctx, "bench", msg); err != nil {
			b.Fatal(err)
		}
		if n++; n%drainEvery == 0 {
			b.StopTimer()
			for _, name := range names {
				for {
					if _, _, err := l.Receive(drained, name); err != nil {
						break
					}
				}
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(members), "members")
}
