package channels

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// deadlines hands out the contexts that bound consumer calls by
// WorkerConfig.ConsumeTimeout without a timer per message: the messages
// that start within one slice of time share one context, whose deadline is
// ConsumeTimeout after the end of the slice. A call thus gets at least
// ConsumeTimeout, and at most one slice (1% of it, between 1 ms and 1 s)
// more.
type deadlines struct {
	parent  context.Context
	timeout time.Duration
	slice   time.Duration
	current atomic.Pointer[sharedDeadline]
	mu      sync.Mutex // held while a new context is made
}

type sharedDeadline struct {
	ctx    context.Context
	cancel context.CancelFunc // never called: the context ends at its deadline
	until  time.Time          // the end of its slice
}

func newDeadlines(parent context.Context, timeout time.Duration) *deadlines {
	slice := min(max(timeout/100, time.Millisecond), time.Second)
	return &deadlines{parent: parent, timeout: timeout, slice: slice}
}

// get returns the context for a call that starts now.
func (d *deadlines) get() context.Context {
	// time.Until reads the monotonic clock only; time.Now reads the wall
	// clock too, which only a new context needs.
	if cur := d.current.Load(); cur != nil && time.Until(cur.until) > 0 {
		return cur.ctx
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	if cur := d.current.Load(); cur != nil && now.Before(cur.until) {
		return cur.ctx
	}
	until := now.Add(d.slice)
	ctx, cancel := context.WithDeadline(d.parent, until.Add(d.timeout))
	d.current.Store(&sharedDeadline{ctx: ctx, cancel: cancel, until: until})
	return ctx
}
