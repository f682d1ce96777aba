package channels

import (
	"context"
	"slices"
	"time"
)

// WaitRoom implements RoomWaiter. Senders waiting on one channel are woken
// in the order they came, one for each message a receiver takes (or that
// expires), so that a burst of waiting senders is served fairly and
// without a thundering herd.
func (l *MemoryLayer) WaitRoom(ctx context.Context, channel string) error {
	if err := ValidateChannel(channel); err != nil {
		return err
	}
	key := NonLocalName(channel)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	q := l.queues[key]
	if q == nil {
		return nil
	}
	if q.dropExpired(time.Now()); q.len() < l.capacity(channel) {
		return nil
	}
	// A new channel each time, as for receivers (see wait).
	w := make(memWaiter, 1)
	q.room = append(q.room, w)
	l.mu.Unlock()
	var err error
	select {
	case <-w:
	case <-ctx.Done():
		err = ctx.Err()
	}
	l.mu.Lock()
	q.room = slices.DeleteFunc(q.room, func(o memWaiter) bool { return o == w })
	if err != nil && len(w) > 0 {
		q.wakeRoom(1) // woken as ctx ended: the room goes to the next sender
	}
	if l.queues[key] == q && q.len() == 0 && q.idle() && transient(key) {
		delete(l.queues, key)
	}
	if l.closed {
		return ErrClosed
	}
	return err
}

// wakeRoom wakes up to n senders waiting for room. l.mu is held.
func (q *memQueue) wakeRoom(n int) {
	for ; n > 0 && len(q.room) > 0; n-- {
		w := q.room[0]
		q.room = q.room[1:]
		w <- struct{}{} // buffered, and each waiter is woken once
	}
}
