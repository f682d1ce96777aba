package channels

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Process-local delivery (DeliverLocal): the messages of a process-local
// channel whose non-local name has a receiver go to that receiver in the
// sending goroutine, never to a queue.

// localReceivers are DeliverLocal's receivers: a few (one per interface
// server in the process), looked up on every reply, without the layer's
// lock. The slice is never changed once published; DeliverLocal and stop
// publish a new one under the lock.
type localReceivers []localReceiver

type localReceiver struct {
	nonLocal string // the name up to and including its !
	r        LocalReceiver
}

// find returns the receiver of channel, a process-local name, or nil.
func (rs localReceivers) find(channel string) LocalReceiver {
	bang := strings.IndexByte(channel, '!')
	if bang < 0 {
		return nil
	}
	for _, e := range rs {
		if e.nonLocal == channel[:bang+1] { // NonLocalName
			return e.r
		}
	}
	return nil
}

// localReceiver is the DeliverLocal receiver of a process-local channel,
// or nil; nil too once l is closed (send then refuses under the lock).
// It takes no lock: a receiver registered after it looked is found again
// by enqueue, under the lock.
func (l *MemoryLayer) localReceiver(channel string) LocalReceiver {
	if rs := l.local.Load(); rs != nil {
		return rs.find(channel)
	}
	return nil
}

// DeliverLocal implements DirectLayer. r's methods run in the sending
// goroutine, outside the layer's lock; messages already queued, and one
// whose sender looked for a receiver just before r came, are delivered
// under the lock, which is why r must not call the layer.
func (l *MemoryLayer) DeliverLocal(nonLocal string, r LocalReceiver) (stop func(), err error) {
	if err := ValidateReceiveChannel(nonLocal); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(nonLocal, "!") {
		return nil, &NameError{"channel", nonLocal, "DeliverLocal takes a process-local name ending at its !"}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	var rs localReceivers
	if p := l.local.Load(); p != nil {
		rs = *p
	}
	if rs.find(nonLocal) != nil {
		return nil, fmt.Errorf("channels: %s is already delivered locally", nonLocal)
	}
	rs = append(slices.Clip(rs), localReceiver{nonLocal, r}) // a new slice: rs is shared
	l.local.Store(&rs)
	if q := l.queues[nonLocal]; q != nil { // what was sent before
		for now := time.Now(); q.len() > 0; {
			e := q.items[q.head]
			q.items[q.head] = memEntry{}
			q.head++
			if now.Before(e.expires) {
				r.Deliver(e.channel, e.contentOf(), true)
			}
		}
		q.items, q.head = q.items[:0], 0
		q.counted()
	}
	return func() { l.stopLocal(nonLocal) }, nil
}

// stopLocal removes the receiver of nonLocal: later messages are queued.
func (l *MemoryLayer) stopLocal(nonLocal string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.local.Load()
	if p == nil || l.closed {
		return
	}
	rs := slices.DeleteFunc(slices.Clone(*p), func(e localReceiver) bool { return e.nonLocal == nonLocal })
	l.local.Store(&rs)
}
