package redislayer

import "testing"

// newWakeTestLayer is a pub/sub layer with no Redis, receiving names, for
// driving push and take by hand.
func newWakeTestLayer(names ...string) *PubSubLayer {
	l := &PubSubLayer{cfg: PubSubConfig{QueueLimit: 10}, queues: map[string]*psQueue{}, arrived: map[string]uint64{}}
	for _, n := range names {
		l.queues[n] = &psQueue{}
	}
	return l
}

func woken(w chan struct{}) bool {
	select {
	case <-w:
		return true
	default:
		return false
	}
}

// TestPushWakesAnotherWaiter: two messages for two blocked receivers wake
// both, even when the first receiver has taken its wake-up and not yet
// left the waiters when the second message comes (the race that left a
// receiver asleep with a message queued).
func TestPushWakesAnotherWaiter(t *testing.T) {
	l := newWakeTestLayer("many")
	q := l.queues["many"]
	first, second := make(chan struct{}, 1), make(chan struct{}, 1)
	q.waiters = []chan struct{}{first, second}

	l.push("many", delivery{channel: "many"})
	if !woken(first) { // the first receiver wakes, and is about to lock
		t.Fatal("the first message woke no one")
	}
	l.push("many", delivery{channel: "many"})
	if _, ok := l.take([]string{"many"}, 0); !ok {
		t.Fatal("the first receiver found no message")
	}
	if !woken(second) {
		t.Error("the second message left the second receiver asleep")
	}
}

// TestTakePassesWakeUpOn: a receiver of two names woken by both takes one
// message; the other name's waiter is woken in its stead.
func TestTakePassesWakeUpOn(t *testing.T) {
	l := newWakeTestLayer("a", "b")
	both, onlyB := make(chan struct{}, 1), make(chan struct{}, 1)
	l.queues["a"].waiters = []chan struct{}{both}
	l.queues["b"].waiters = []chan struct{}{both, onlyB}

	l.push("a", delivery{channel: "a"})
	if !woken(both) {
		t.Fatal("a's message woke no one")
	}
	l.push("b", delivery{channel: "b"}) // wakes both again, before it locks
	d, ok := l.take([]string{"a", "b"}, 0)
	if !ok || d.channel != "a" {
		t.Fatalf("take = %q, %v; want a's message", d.channel, ok)
	}
	if !woken(onlyB) {
		t.Error("b's message left b's other receiver asleep")
	}
	if d, ok := l.take([]string{"b"}, 0); !ok || d.channel != "b" {
		t.Errorf("b's receiver took %q, %v; want b's message", d.channel, ok)
	}
}
