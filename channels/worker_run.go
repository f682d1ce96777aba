package channels

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// workerRun is one Run of a worker: its consumers' contexts, its receiving
// loops, and the messages it consumes inline, in the goroutines of the
// senders that hand them over (DirectLayer.ConsumeInline).
type workerRun struct {
	w         *Worker
	hctx      context.Context // the consumers' context, without a deadline
	deadlines *deadlines      // nil without a ConsumeTimeout

	inlineTurns chan struct{} // nil: no InlineLimit
	inline      atomic.Int64  // inline calls running
	stopping    atomic.Bool   // no more inline calls start
	inlineDone  chan struct{} // signalled by the last inline call once stopping
}

func newWorkerRun(w *Worker, hctx context.Context) *workerRun {
	r := &workerRun{w: w, hctx: hctx, inlineDone: make(chan struct{}, 1)}
	if w.cfg.ConsumeTimeout > 0 {
		r.deadlines = newDeadlines(hctx, w.cfg.ConsumeTimeout)
	}
	if w.cfg.InlineLimit > 0 {
		r.inlineTurns = make(chan struct{}, w.cfg.InlineLimit)
	}
	return r
}

// ctx is the context of a consumer call that starts now.
func (r *workerRun) ctx() context.Context {
	if r.deadlines == nil {
		return r.hctx
	}
	return r.deadlines.get()
}

// loop receives and consumes until ctx is done.
func (r *workerRun) loop(ctx context.Context) {
	w := r.w
	backoff := 10 * time.Millisecond
	for ctx.Err() == nil {
		m, run, err := w.receive(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, ErrClosed) {
				return
			}
			w.log.Error("channels: worker receive failed", "err", err)
			w.cfg.Observer.LayerError()
			if !sleepCtx(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 10 * time.Millisecond
		if run { // otherwise queued behind a message of its connection in hand
			r.consumeInOrder(m)
		}
	}
}

// consumeInline is the worker's ConsumeInline function: it consumes a
// handed-over message in the sender's goroutine, unless the worker is
// stopping or at its InlineLimit.
func (r *workerRun) consumeInline(m *Message) bool {
	if !r.enterInline() {
		return false
	}
	defer r.exitInline()
	m.Layer = r.w.layer
	if !r.w.cfg.Unordered && !r.w.claim(m) {
		return true // queued behind a message of its connection in hand
	}
	r.consumeInOrder(m)
	return true
}

func (r *workerRun) enterInline() bool {
	if r.stopping.Load() {
		return false
	}
	if r.inlineTurns != nil {
		select {
		case r.inlineTurns <- struct{}{}:
		default:
			return false
		}
	}
	r.inline.Add(1)
	if r.stopping.Load() { // stopInline may not have seen this call
		r.exitInline()
		return false
	}
	return true
}

func (r *workerRun) exitInline() {
	if r.inlineTurns != nil {
		<-r.inlineTurns
	}
	if r.inline.Add(-1) == 0 && r.stopping.Load() {
		select {
		case r.inlineDone <- struct{}{}:
		default:
		}
	}
}

// stopInline refuses the inline calls to come and waits for those running.
func (r *workerRun) stopInline() {
	r.stopping.Store(true)
	for r.inline.Load() > 0 {
		<-r.inlineDone
	}
}

// consumeInOrder consumes m, then the messages of its connection that were
// queued behind it meanwhile.
func (r *workerRun) consumeInOrder(m *Message) {
	if r.w.cfg.Unordered {
		r.w.consume(r.ctx(), m)
		return
	}
	for ; m != nil; m = r.w.release(m) {
		r.consumeCancellable(m)
	}
}

// consumeCancellable consumes m in its own context, which the worker
// cancels when m's client goes away meanwhile (see claim). The context's
// parent and worker are set without its lock: until the consumer runs,
// only cancel may use the context, and it reads neither.
func (r *workerRun) consumeCancellable(m *Message) {
	m.call.parent, m.call.worker = r.ctx(), r.w
	r.w.consume(&m.call, m)
	m.call.end()
}
