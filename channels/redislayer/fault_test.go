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
	load := startFaultLoad(ctx, l)
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

	n := load.sendBatch(t, 0, "with Redis up")
	waitFor("the messages sent before the kill", func() bool { return load.received(n) })

	srv.kill()
	var sendErr error
	waitFor("a send to fail", func() bool {
		n++
		sendErr = load.send(n)
		return sendErr != nil
	})
	if !strings.Contains(sendErr.Error(), srv.addr()) {
		t.Errorf("send error %q does not name the host %s", sendErr, srv.addr())
	}
	waitFor("both receivers to report an error", func() bool { return load.errCount() >= 2 })

	srv.restart()
	waitFor("a send to succeed after the restart", func() bool {
		n++
		return load.send(n) == nil
	})
	n = load.sendBatch(t, n, "after recovery")
	waitFor("the messages sent after the restart", func() bool { return load.received(n) })

	cancel()
	load.wg.Wait()
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkNoLeak(t, before)
	load.checkNoErrClosed(t)
}

// faultLoad is the traffic of TestRedisRestart: a receive loop on a normal
// and on a process-local channel, and sends of numbered messages to both.
type faultLoad struct {
	l        *redislayer.Layer
	ctx      context.Context
	wg       sync.WaitGroup
	mu       sync.Mutex
	got      map[string]map[int64]bool // the numbers received, by channel
	recvErrs []error
}

// startFaultLoad starts the receive loops on l, which run until ctx is done.
func startFaultLoad(ctx context.Context, l *redislayer.Layer) *faultLoad {
	f := &faultLoad{l: l, ctx: ctx, got: map[string]map[int64]bool{"fault.q": {}, "fault!x": {}}}
	for _, ch := range []string{"fault.q", "fault!"} {
		f.wg.Go(func() { f.receiveLoop(ch) })
	}
	return f
}

// receiveLoop is a receive loop that backs off on errors, as workers and
// servers do; it records the errors and the numbers received.
func (f *faultLoad) receiveLoop(ch string) {
	for f.ctx.Err() == nil {
		name, c, err := f.l.Receive(f.ctx, ch)
		f.mu.Lock()
		if err != nil {
			if f.ctx.Err() == nil {
				f.recvErrs = append(f.recvErrs, err)
			}
			f.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			continue
		}
		n, _ := c.Int("n")
		f.got[name][n] = true
		f.mu.Unlock()
	}
}

// send sends message n to both channels.
func (f *faultLoad) send(n int64) error {
	for _, ch := range []string{"fault.q", "fault!x"} {
		sctx, cancel := context.WithTimeout(f.ctx, 2*time.Second)
		err := f.l.Send(sctx, ch, channels.Content{"n": n})
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}

// sendBatch sends the 20 messages after n, which must not fail (when says
// when, for the failure), and returns the number of the last.
func (f *faultLoad) sendBatch(t *testing.T, n int64, when string) int64 {
	t.Helper()
	for range 20 {
		n++
		if err := f.send(n); err != nil {
			t.Fatalf("send %d %s: %v", n, when, err)
		}
	}
	return n
}

// received reports whether both channels received message n.
func (f *faultLoad) received(n int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.got["fault.q"][n] && f.got["fault!x"][n]
}

// errCount returns the number of receive errors so far.
func (f *faultLoad) errCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recvErrs)
}

// checkNoErrClosed fails t when a receive failed with ErrClosed, which no
// receive may before Close.
func (f *faultLoad) checkNoErrClosed(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, err := range f.recvErrs {
		if errors.Is(err, channels.ErrClosed) {
			t.Errorf("a receive failed with ErrClosed before Close: %v", err)
		}
	}
}
