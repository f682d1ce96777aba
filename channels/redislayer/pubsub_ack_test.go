package redislayer

import "testing"

// TestSubscriptionAwaitsEveryShard: a pattern's acknowledgement waits for
// every shard, since a message published on a shard that has not confirmed
// yet is lost; a shard confirming again (after a reconnection) counts once.
func TestSubscriptionAwaitsEveryShard(t *testing.T) {
	l := &PubSubLayer{subscribed: map[string]*subscription{}}
	pattern, plain := newSubscription(2, -1), newSubscription(2, 1)
	l.subscribed["reply!*"], l.subscribed["work"] = pattern, plain

	acked := func(s *subscription) bool {
		select {
		case <-s.acked:
			return true
		default:
			return false
		}
	}
	l.confirmed(0, "reply!*")
	l.confirmed(0, "reply!*")
	if acked(pattern) {
		t.Fatal("a pattern on two shards is acknowledged after one shard confirmed")
	}
	l.confirmed(1, "reply!*")
	if !acked(pattern) {
		t.Fatal("a pattern is not acknowledged once both shards confirmed")
	}
	l.confirmed(1, "reply!*") // a later confirmation changes nothing

	l.confirmed(1, "work")
	if !acked(plain) {
		t.Error("a channel is not acknowledged once its shard confirmed")
	}
	l.confirmed(0, "unknown") // no such subscription: ignored
}
