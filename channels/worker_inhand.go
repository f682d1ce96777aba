package channels

import (
	"context"
	"sync"
)

// handTable is a worker's connections with a message in hand, by reply
// channel, and the messages queued behind those. An entry stays when its
// connection goes idle, so that each message of a connection that talks
// costs two map lookups (claim, release) instead of a lookup, an insert,
// a lookup and a delete. The idle entries are swept once they are more
// than sweepFloor and more than half of the table: at most one step of a
// sweep per message, amortised, and a table no more than twice the size of
// what is in hand, plus the floor.
type handTable struct {
	mu      sync.Mutex
	byReply map[string]*inHand
	idle    int       // entries with nothing running
	spare   []*inHand // swept entries, for new connections
}

// inHand is a connection's message being consumed (nil when idle), and
// those queued behind it.
type inHand struct {
	running *Message
	queue   []*Message
}

// sweepFloor is the most idle entries kept unswept: a sweep of a small
// table would cost more than the inserts it saves.
const sweepFloor = 64

func newHandTable() *handTable { return &handTable{byReply: make(map[string]*inHand)} }

// claim marks m's connection busy and returns true, or queues m behind the
// message of that connection in hand and returns false (obs counts it). A
// disconnect queued so cancels the call in hand: its client has gone.
func (t *handTable) claim(m *Message, obs Observer) bool {
	reply := m.ReplyChannel()
	if reply == "" {
		return true
	}
	t.mu.Lock()
	h := t.byReply[reply]
	switch {
	case h == nil:
		h = t.entry()
		t.byReply[reply] = h
	case h.running == nil:
		t.idle--
	default:
		return t.queueLocked(h, m, obs)
	}
	h.running, m.hand = m, h
	t.mu.Unlock()
	return true
}

// queueLocked queues m behind the message in hand of h and unlocks t.mu.
func (t *handTable) queueLocked(h *inHand, m *Message, obs Observer) bool {
	defer t.mu.Unlock()
	h.queue = append(h.queue, m)
	obs.WorkerQueue(1)
	if isDisconnect(m.Channel) {
		h.running.call.cancel(context.Canceled)
	}
	return false
}

// release returns the next message queued behind done (obs counts it),
// or marks done's connection idle and returns nil. done's entry is the one
// claim gave it, with no lookup: what a consumer does to done's
// reply_channel does not matter.
func (t *handTable) release(done *Message, obs Observer) *Message {
	h := done.hand
	if h == nil {
		return nil
	}
	done.hand = nil
	t.mu.Lock()
	switch {
	case h.running != done:
	case len(h.queue) > 0:
		return t.nextLocked(h, obs)
	default:
		h.running, h.queue = nil, nil
		t.idle++
		if t.idle > sweepFloor && 2*t.idle > len(t.byReply) {
			t.sweep()
		}
	}
	t.mu.Unlock()
	return nil
}

// nextLocked makes the first message queued behind h's the one in hand,
// returns it and unlocks t.mu.
func (t *handTable) nextLocked(h *inHand, obs Observer) *Message {
	defer t.mu.Unlock()
	next := h.queue[0]
	h.queue[0] = nil
	h.running, h.queue, next.hand = next, h.queue[1:], h
	obs.WorkerQueue(-1)
	if len(h.queue) > 0 && isDisconnect(h.queue[len(h.queue)-1].Channel) {
		next.call.cancel(context.Canceled) // its client has gone too
	}
	return next
}

// entry is an entry for a connection new to the table. t.mu is held.
func (t *handTable) entry() *inHand {
	if n := len(t.spare); n > 0 {
		h := t.spare[n-1]
		t.spare = t.spare[:n-1]
		return h
	}
	return new(inHand)
}

// sweep deletes the idle entries, keeping up to sweepFloor of them for
// new connections. t.mu is held.
func (t *handTable) sweep() {
	for reply, h := range t.byReply {
		if h.running == nil {
			delete(t.byReply, reply)
			if len(t.spare) < sweepFloor {
				t.spare = append(t.spare, h)
			}
		}
	}
	t.idle = 0
}
