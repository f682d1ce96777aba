package channels

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The memory layer's receiving side: taking messages from queues, and
// waiting for them.

// Receive implements Layer.
func (l *MemoryLayer) Receive(ctx context.Context, channels ...string) (string, Content, error) {
	e, err := l.receive(ctx, channels, nil)
	if err != nil {
		return "", nil, err
	}
	return e.channel, e.contentOf(), nil
}

// ReceiveTaken implements DirectLayer: taken runs while the layer's lock is
// still held, so what it does is ordered as the messages are. A message
// handed over in compact form is received as it is.
func (l *MemoryLayer) ReceiveTaken(ctx context.Context, taken func(m *Message), channels ...string) (*Message, error) {
	var m *Message
	_, err := l.receive(ctx, channels, func(e *memEntry) {
		m = e.message()
		taken(m)
	})
	return m, err
}

// receive pops the next message of channels, calling popped (unless nil)
// with it before it lets l.mu go.
func (l *MemoryLayer) receive(ctx context.Context, channels []string, popped func(e *memEntry)) (memEntry, error) {
	if len(channels) == 0 {
		return memEntry{}, fmt.Errorf("channels: Receive needs at least one channel")
	}
	for _, ch := range channels {
		if err := ValidateReceiveChannel(ch); err != nil {
			return memEntry{}, err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if l.closed {
			return memEntry{}, ErrClosed
		}
		if e, ok := l.pop(channels, time.Now()); ok {
			l.passOn(channels)
			if popped != nil {
				popped(&e)
			}
			return e, nil
		}
		if err := ctx.Err(); err != nil {
			return memEntry{}, err
		}
		l.wait(ctx, channels)
	}
}

// pop takes the first live message of channels, starting the scan at a
// rotating position so that no channel starves. l.mu is held.
func (l *MemoryLayer) pop(channels []string, now time.Time) (memEntry, bool) {
	l.next++
	n := len(channels)
	for i := range n {
		key := channels[(int(l.next)+i)%n]
		q := l.queues[key]
		if q == nil {
			continue
		}
		q.dropExpired(now)
		if q.len() == 0 {
			continue
		}
		e := q.items[q.head]
		q.items[q.head] = memEntry{}
		q.head++
		q.counted()
		q.wakeRoom(1)
		if q.len() == 0 {
			q.items, q.head = q.items[:0], 0
			if q.idle() && transient(key) {
				delete(l.queues, key)
			}
		}
		return e, true
	}
	return memEntry{}, false
}

// passOn wakes a waiter of every channel in channels that still holds
// messages. A receiver woken by a send on one channel may have taken the
// message of another of its channels; without passOn the message it was woken
// for could sit unread while other receivers of that channel sleep. l.mu is
// held.
func (l *MemoryLayer) passOn(channels []string) {
	for _, key := range channels {
		if q := l.queues[key]; q != nil && q.len() > 0 && len(q.waiters) > 0 {
			q.wakeOne()
		}
	}
}

// wait registers a waiter on every channel, releases l.mu until a sender
// wakes it or ctx is done, then takes l.mu back and unregisters.
func (l *MemoryLayer) wait(ctx context.Context, channels []string) {
	// A new channel each time: a reused one could cross from one
	// testing/synctest bubble into another, which is fatal.
	w := make(memWaiter, 1)
	for _, key := range channels {
		q := l.queue(key)
		q.waiters = append(q.waiters, w)
	}
	l.mu.Unlock()
	select {
	case <-w:
	case <-ctx.Done():
	}
	l.mu.Lock()
	for _, key := range channels {
		if q := l.queues[key]; q != nil {
			q.waiters = slices.DeleteFunc(q.waiters, func(o memWaiter) bool { return o == w })
			if q.len() == 0 && q.idle() && transient(key) {
				delete(l.queues, key)
			}
		}
	}
}

// transient reports whether the queue of key goes when it is empty and
// nobody waits: those of per-connection names ('!' or '?') do, which keeps
// the map small; those of plain names, a set fixed by the application's
// routing, stay and keep their buffers for the next message.
func transient(key string) bool { return strings.ContainsAny(key, "!?") }

func (q *memQueue) len() int { return len(q.items) - q.head }

// counted publishes len() for the readers without the lock: after every
// change of the items. A count that lags behind a pop only sends a
// message through the queue rather than inline; the push, the one change
// that makes it grow, always publishes. l.mu is held.
func (q *memQueue) counted() { q.queued.Store(int32(q.len())) }

// idle reports whether nobody waits on the queue, to receive or to send,
// and nobody consumes it inline: an empty idle queue may go.
func (q *memQueue) idle() bool { return len(q.waiters) == 0 && len(q.room) == 0 && q.inline == nil }

func (q *memQueue) dropExpired(now time.Time) {
	dropped := 0
	for q.len() > 0 && !now.Before(q.items[q.head].expires) {
		q.items[q.head] = memEntry{}
		q.head++
		dropped++
	}
	q.counted()
	q.wakeRoom(dropped)
	if q.head > 0 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}

// wakeOne signals the first waiter that is not already signalled.
func (q *memQueue) wakeOne() {
	for len(q.waiters) > 0 {
		w := q.waiters[0]
		q.waiters = q.waiters[1:]
		select {
		case w <- struct{}{}:
			return
		default: // woken by another channel already; try the next one
		}
	}
}
