package channels

import (
	"bytes"
	"time"
)

// Pipelined bursts. A client that pipelines sends several frames in one
// TCP segment; the reader finds them in its read buffer. While a whole
// frame waits there, the replies are held (wsWriter.hold) and written
// together once the buffer holds no whole frame, or maxHeld replies wait,
// or maxHold has passed (a timer sees to it even while the reader is in a
// slow call): several replies, one syscall. A burst is never held across
// a read that may block.

// maxHold bounds how long the replies of a burst wait for the burst's end,
// and maxHeld how many of them: far fewer than a send queue holds.
const (
	maxHold = time.Millisecond
	maxHeld = 32
)

// burst holds the connection's replies while a whole frame waits in the
// read buffer, and releases them before the reader reads on otherwise.
// holding is the reader's own note that it asked for a hold, so that the
// common case, no burst, takes no lock; the writer's timer may have ended
// the hold already, and releasing twice is harmless.
func (c *wsConn) burst(holding *bool) {
	if !c.in.wholeFramePending() {
		if *holding {
			*holding = false
			c.w.release()
		}
		return
	}
	limit := min(maxHeld, c.srv.cfg.SendQueue/2)
	if c.w.hold(limit) {
		*holding = true
		return
	}
	// The burst's replies fill half the queue: they are written, and the
	// reader waits for the writer before it reads on, so that a burst slows
	// its own reader (and, through TCP, its client) and never fills the
	// queue of a client that reads.
	*holding = false
	c.w.release()
	c.w.awaitRoom(limit, c.srv.cfg.WriteTimeout)
}

// awaitRoom waits until fewer than n data frames are queued, nobody is
// writing, the writer is done, or timeout has passed.
func (w *wsWriter) awaitRoom(n int, timeout time.Duration) {
	var t *time.Timer
	for {
		w.mu.Lock()
		if w.queued() < n || !w.owner || w.failed {
			w.idleWanted = false
			w.mu.Unlock()
			return
		}
		w.idleWanted = true
		w.mu.Unlock()
		if t == nil {
			t = time.NewTimer(timeout)
			defer t.Stop()
		}
		select {
		case <-w.idle:
		case <-w.done:
			return
		case <-t.C:
			return
		}
	}
}

// hold makes the frames sent from now on wait for release, so that the
// replies to a burst of pipelined frames go out in one write; it returns
// false, holding nothing new, once limit frames wait. Whoever sends them,
// the hold ends when limit frames wait (see enqueue). A timer releases a
// hold after maxHold whatever the reader does: a slow call in the middle
// of a burst does not hold back the replies before it.
func (w *wsWriter) hold(limit int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) >= limit {
		return false
	}
	w.holdLimit = limit
	if !w.held {
		w.held = true
		if w.holdTimer == nil {
			w.holdTimer = time.AfterFunc(maxHold, w.release)
		} else {
			w.holdTimer.Reset(maxHold)
		}
	}
	return true
}

// release writes the frames held since hold, together: at once when the
// socket takes them, otherwise through a flusher goroutine.
func (w *wsWriter) release() {
	w.mu.Lock()
	if !w.held {
		w.mu.Unlock()
		return
	}
	w.held = false
	if w.owner || len(w.queue) == 0 || w.raw == nil || w.partial {
		w.handOff()
		w.mu.Unlock()
		return
	}
	frames := w.queue
	w.queue, w.pongAt, w.owner = nil, -1, true
	closing := w.closed
	w.mu.Unlock()

	out := frames[0]
	if len(frames) > 1 {
		w.batch = w.batch[:0]
		for _, f := range frames {
			w.batch = append(w.batch, f...)
		}
		out = w.batch
	}
	n, err := w.writeNow(out)
	if cap(w.batch) > maxBatchKept {
		w.batch = nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.owner = false
	switch {
	case err != nil:
		w.fail()
		return
	case n < len(out):
		w.queue = append([][]byte{bytes.Clone(out[n:])}, w.queue...)
		w.partial = true
		if w.pongAt >= 0 {
			w.pongAt++
		}
	case closing && len(w.queue) == 0:
		w.finish()
	}
	w.handOff()
}
