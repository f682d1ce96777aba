package redislayer

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// Receiving works in two ways.
//
// Normal and single-reader channels are popped by the receiving goroutine
// itself: with one blocking pop on the channels' keys, which also takes
// several messages at a time when they wait (receive_block.go,
// receive_batch.go); or with a script that pops the first non-empty key
// when the context is already done. A blocked pop is never abandoned,
// since Redis may already have popped a message for it: cancelling it adds
// a member to a wake key it also waits on, and the message it returns, if
// any, is the receiver's.
//
// Process-local names ("x!") are popped by one receive loop per shard of
// the layer, which waits with one blocking pop on the keys of every such name
// being received and fans each message out, by its reserved key, into the
// in-process queue of its name. Receive waits on those queues. A name stays
// in the loop for about BlockTimeout after its last Receive; a queue that
// holds the channel's capacity is left out, so that unread messages stay in
// Redis and count towards that capacity.

// A delivery is one message for one channel.
type delivery struct {
	channel string
	content channels.Content
}

// A popped is a member taken from a channel key.
type popped struct {
	shard  int
	key    string
	member string
	score  float64
}

// Receive implements channels.Layer.
func (l *Layer) Receive(ctx context.Context, chans ...string) (string, channels.Content, error) {
	if len(chans) == 0 {
		return "", nil, errors.New("redislayer: Receive needs at least one channel")
	}
	var locals, normals []string
	for _, ch := range chans {
		if err := channels.ValidateReceiveChannel(ch); err != nil {
			return "", nil, err
		}
		switch {
		case slices.Contains(locals, ch) || slices.Contains(normals, ch):
		case strings.HasSuffix(ch, "!"):
			locals = append(locals, ch)
		default:
			normals = append(normals, ch)
		}
	}
	start := int(l.rotate.Add(1))
	rotateSlice(locals, start)
	rotateSlice(normals, start)
	blocked := false
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return "", nil, channels.ErrClosed
		}
		if d, sl, ok := l.takeLocal(locals); ok {
			l.mu.Unlock()
			l.wakeLoop(sl)
			return d.channel, d.content, nil
		}
		if d, ok := l.takePrefetched(normals); ok {
			l.mu.Unlock()
			return d.channel, d.content, nil
		}
		if err := ctx.Err(); err != nil {
			if blocked { // a blocking pop found nothing before ctx was done
				l.mu.Unlock()
				return "", nil, err
			}
			return l.receiveNow(ctx, locals, normals) // unlocks l.mu
		}
		blocked = true
		d, ok, err := l.receiveBlocking(ctx, locals, normals) // unlocks l.mu
		if err != nil {
			return "", nil, err
		}
		if ok {
			return d.channel, d.content, nil
		}
	}
}

// receiveBlocking waits for one message of locals or normals: it registers
// a waiter on the queues of locals, then pops normals while it waits, or
// only waits when there are none. ok is false when nothing came and the
// receive is to be tried again. l.mu is held on entry and released.
func (l *Layer) receiveBlocking(ctx context.Context, locals, normals []string) (delivery, bool, error) {
	var w *waiter
	var seqs []uint64
	var wakes []*shardLoop
	if len(locals) > 0 {
		w = &waiter{ch: make(chan struct{}, 1)}
		seqs, wakes = l.register(w, locals)
	}
	l.mu.Unlock()
	for _, sl := range wakes {
		l.wakeLoop(sl)
	}

	if len(normals) == 0 {
		select {
		case <-w.ch:
		case <-ctx.Done():
		}
		return delivery{}, false, l.unregister(w, locals, seqs)
	}
	var (
		d   delivery
		ok  bool
		err error
	)
	if w == nil {
		d, ok, err = l.popNormals(ctx, normals)
	} else { // both kinds: pop the normal ones while waiting for the others
		d, ok, err = l.popNormalsWhileWaiting(ctx, normals, w, locals, seqs)
	}
	if err != nil && l.isClosed() {
		return delivery{}, false, channels.ErrClosed
	}
	return d, ok, err
}

// popNormals pops one message of normals, the channels received when none
// of them is process-local.
func (l *Layer) popNormals(ctx context.Context, normals []string) (delivery, bool, error) {
	if len(l.clients) == 1 { // several at a time
		return l.popNormalBatch(ctx, l.shardKeys(normals)[0])
	}
	return l.popNormal(ctx, normals)
}

// popNormalsWhileWaiting pops one message of normals until w, registered
// on locals with seqs, is woken, and then unregisters w. The error of
// unregistering is returned when the pop neither failed nor found a
// message.
func (l *Layer) popNormalsWhileWaiting(ctx context.Context, normals []string, w *waiter, locals []string, seqs []uint64) (delivery, bool, error) {
	popCtx, cancel := context.WithCancel(ctx)
	type result struct {
		d   delivery
		ok  bool
		err error
	}
	res := make(chan result, 1)
	go func() {
		d, ok, err := l.popNormal(popCtx, normals)
		res <- result{d, ok, err}
	}()
	var r result
	select {
	case r = <-res:
	case <-w.ch:
		cancel()
		r = <-res
	}
	cancel()
	d, ok, err := r.d, r.ok, r.err
	if lerr := l.unregister(w, locals, seqs); lerr != nil && err == nil && !ok {
		err = lerr
	}
	return d, ok, err
}

// rotateSlice rotates s left by k, so that successive receives start their
// scan at different channels.
func rotateSlice(s []string, k int) {
	if len(s) > 1 {
		k %= len(s)
		slices.Reverse(s[:k])
		slices.Reverse(s[k:])
		slices.Reverse(s)
	}
}

// decode opens a popped member. Messages that cannot be opened, and those
// that expired (a score at or below the cutoff send would drop them at),
// are logged and dropped: ok is false.
func (l *Layer) decode(p popped) (channels.Content, any, bool) {
	now := l.now()
	if p.score <= float64(l.cutoff(now)) {
		return nil, nil, false
	}
	c, route, err := l.open(p.member, now)
	if err != nil {
		l.cfg.Logger.Warn("redislayer: message dropped", "key", p.key, "err", err)
		return nil, nil, false
	}
	return c, route, true
}

// receiveNow is Receive with a context that is done: it returns a message
// that is waiting, or the context's error. l.mu is held on entry and
// released.
func (l *Layer) receiveNow(ctx context.Context, locals, normals []string) (string, channels.Content, error) {
	// A local name its loop is fetching is served from its queue only:
	// popping its key here could overtake the message the loop is taking.
	var direct []*localQueue
	var names []string
	for _, name := range locals {
		q := l.queue(name)
		if q.inLoop {
			continue
		}
		q.direct++
		direct = append(direct, q)
		names = append(names, name)
	}
	l.mu.Unlock()
	names = append(names, normals...)

	d, found, err := l.popWaiting(ctx, names)
	closed := l.endDirect(direct)
	switch {
	case found:
		return d.channel, d.content, nil
	case closed:
		return "", nil, channels.ErrClosed
	case err != nil:
		return "", nil, err
	}
	return "", nil, ctx.Err()
}

// popWaiting pops waiting messages of names, without blocking, until one
// is the receiver's: that of a normal channel, or one its dispatch left in
// the queue of a process-local name. It reports false when none waits.
func (l *Layer) popWaiting(ctx context.Context, names []string) (delivery, bool, error) {
	for {
		p, ok, err := l.popNow(ctx, names)
		if err != nil || !ok {
			return delivery{}, false, err
		}
		c, route, ok := l.decode(p)
		if !ok {
			continue
		}
		name := strings.TrimPrefix(p.key, l.cfg.Prefix)
		if !strings.HasSuffix(name, "!") {
			return delivery{name, c}, true, nil
		}
		l.mu.Lock()
		q := l.queue(name)
		l.dispatch(q, route, c)
		if q.len() > 0 {
			d := q.pop()
			l.mu.Unlock()
			return d, true, nil
		}
		l.mu.Unlock()
	}
}

// endDirect ends the non-blocking pops of the keys of direct: it hands the
// queues back to their loops, waking those that now fetch them, and forgets
// the queues no longer in use. It reports whether the layer is closed.
func (l *Layer) endDirect(direct []*localQueue) bool {
	l.mu.Lock()
	var wakes []*shardLoop
	now := time.Now()
	for _, q := range direct {
		q.direct--
		if sl := l.ensureLoop(q); sl != nil {
			wakes = append(wakes, sl)
		}
		if q.len() == 0 && len(q.waiters) == 0 && q.direct == 0 && !q.inLoop && !q.lingering(now, l.blockWait) {
			delete(l.locals, q.name)
		}
	}
	closed := l.closed
	l.mu.Unlock()
	for _, sl := range wakes {
		l.wakeLoop(sl)
	}
	return closed
}
