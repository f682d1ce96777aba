package redislayer_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
)

// TestRedisRestart kills a real redis-server while messages flow and starts
// it again: sends and receives fail while it is down, with errors naming
// it, and work again by themselves once it is back; Close leaves no
// goroutine behind.
func TestRedisRestart(t *testing.T) {
	srv := startRedis(t)
	before := runtime.NumGoroutine()
	l, err := redislayer.New(redislayer.Config{Hosts: []string{srv.url()}, Logger: quiet,
		CallTimeout: time.Second, BlockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	var (
		mu       sync.Mutex
		got      = map[string]map[int64]bool{"fault.q": {}, "fault!x": {}}
		recvErrs []error
	)
	var wg sync.WaitGroup
	for _, ch := range []string{"fault.q", "fault!"} {
		wg.Go(func() { // a receive loop that backs off on errors, as workers and servers do
			for ctx.Err() == nil {
				name, c, err := l.Receive(ctx, ch)
				mu.Lock()
				if err != nil {
					if ctx.Err() == nil {
						recvErrs = append(recvErrs, err)
					}
					mu.Unlock()
					time.Sleep(20 * time.Millisecond)
					continue
				}
				n, _ := c.Int("n")
				got[name][n] = true
				mu.Unlock()
			}
		})
	}
	send := func(n int64) error {
		for _, ch := range []string{"fault.q", "fault!x"} {
			sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err := l.Send(sctx, ch, channels.Content{"n": n})
			cancel()
			if err != nil {
				return err
			}
		}
		return nil
	}
	received := func(n int64) bool {
		mu.Lock()
		defer mu.Unlock()
		return got["fault.q"][n] && got["fault!x"][n]
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	n := int64(0)
	for range 20 {
		n++
		if err := send(n); err != nil {
			t.Fatalf("send %d with Redis up: %v", n, err)
		}
	}
	waitFor("the messages sent before the kill", func() bool { return received(n) })

	srv.kill()
	var sendErr error
	waitFor("a send to fail", func() bool {
		n++
		sendErr = send(n)
		return sendErr != nil
	})
	if !strings.Contains(sendErr.Error(), srv.addr()) {
		t.Errorf("send error %q does not name the host %s", sendErr, srv.addr())
	}
	waitFor("both receivers to report an error", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(recvErrs) >= 2
	})

	srv.restart()
	waitFor("a send to succeed after the restart", func() bool {
		n++
		return send(n) == nil
	})
	for range 20 {
		n++
		if err := send(n); err != nil {
			t.Fatalf("send %d after recovery: %v", n, err)
		}
	}
	waitFor("the messages sent after the restart", func() bool { return received(n) })

	cancel()
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkNoLeak(t, before)
	mu.Lock()
	defer mu.Unlock()
	for _, err := range recvErrs {
		if errors.Is(err, channels.ErrClosed) {
			t.Errorf("a receive failed with ErrClosed before Close: %v", err)
		}
	}
}
