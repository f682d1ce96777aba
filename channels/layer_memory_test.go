package channels_test

import (
	"context"
	"errors"
	"runtime"
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

// TestMemoryLayerWaitersAcrossBubbles uses one layer's blocking Receive
// outside and inside synctest bubbles: no state may carry a channel made in
// one bubble into another.
func TestMemoryLayerWaitersAcrossBubbles(t *testing.T) {
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	block := func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		r := goReceive(ctx, l, "waiter_test")
		for range 3 {
			runtime.Gosched()
		}
		cancel()
		<-r
	}
	block(t)
	for range 3 {
		synctest.Test(t, block)
	}
	block(t)
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
			t.Logf("trial %d: first=%q", trial, first.channel)
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
