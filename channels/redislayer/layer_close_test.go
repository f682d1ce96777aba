package redislayer_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
)

// Close, and a Redis that is gone.

func TestCloseEndsEverything(t *testing.T) {
	m := miniredis.RunT(t)
	before := runtime.NumGoroutine()
	l, err := redislayer.New(redislayer.Config{Hosts: []string{"redis://" + m.Addr()}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	errs := make(chan error, 3)
	for _, chans := range [][]string{{"local!"}, {"normal"}, {"normal", "local!"}} {
		go func() {
			_, _, err := l.Receive(ctx, chans...)
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them block
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		select {
		case err := <-errs:
			if !errors.Is(err, channels.ErrClosed) {
				t.Errorf("blocked Receive after Close: %v, want ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a blocked Receive did not return after Close")
		}
	}
	if err := l.Send(ctx, "normal", channels.Content{}); !errors.Is(err, channels.ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
	if _, _, err := l.Receive(ctx, "normal"); !errors.Is(err, channels.ErrClosed) {
		t.Errorf("Receive after Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	checkNoLeak(t, before)
	// The wake keys a cancelled receive adds are removed.
	if keys := m.Keys(); len(keys) > 0 {
		t.Errorf("keys left behind: %q", keys)
	}
}

// TestRedisDown: with Redis gone, calls fail with an error naming the host
// instead of hanging, within CallTimeout.
func TestRedisDown(t *testing.T) {
	m := miniredis.RunT(t)
	l, err := redislayer.New(redislayer.Config{Hosts: []string{"redis://" + m.Addr()}, Logger: quiet,
		CallTimeout: 500 * time.Millisecond, BlockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	addr := m.Addr()
	m.Close()
	ctx := t.Context()
	start := time.Now()
	err = l.Send(ctx, "c", channels.Content{})
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Errorf("Send with Redis down: %v, want an error naming %s", err, addr)
	}
	for _, chans := range [][]string{{"c"}, {"c!"}, {"c", "c!"}} {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, _, err := l.Receive(rctx, chans...)
		cancel()
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Receive(%q) with Redis down: %v, want a Redis error", chans, err)
		}
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("calls with Redis down took %v", d)
	}
}

// TestCloseRightAfterLocalReceive: a Close that comes while the receive
// loop of process-local names is between two pops (as it is right after a
// receive) ends the loop at once. It used to be missed by the wake Close
// sends to blocked loops, and the loop's next pop ran out its BlockTimeout
// (an hour here) before Close could return.
func TestCloseRightAfterLocalReceive(t *testing.T) {
	m := miniredis.RunT(t)
	for range 20 {
		l, err := redislayer.New(redislayer.Config{Hosts: []string{"redis://" + m.Addr()}, Logger: quiet,
			BlockTimeout: time.Hour, CallTimeout: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Send(t.Context(), "reply!a", channels.Content{"text": "x"}); err != nil {
			t.Fatal(err)
		}
		receiveWithin(t, l, 5*time.Second, "reply!")
		closed := make(chan struct{})
		go func() {
			l.Close()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(20 * time.Second): // a bound on a hang, not a speed
			t.Fatal("Close did not return after a process-local receive")
		}
	}
}
