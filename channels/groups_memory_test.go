package channels

import (
	"fmt"
	"sync"
	"testing"
)

// A large group is delivered by several goroutines; every member still
// gets every message once, and the messages of one sender in the order
// they were sent.
func TestDeliverAllLargeGroup(t *testing.T) {
	for _, members := range []int{1, fanOutChunk, 2*fanOutChunk + 1, 5000} {
		var mu sync.Mutex
		got := make(map[string][]string)
		record := func(ch string, c Content) {
			mu.Lock()
			got[ch] = append(got[ch], c.String("n"))
			mu.Unlock()
		}
		local := make([]localDelivery, members)
		for i := range local {
			local[i] = localDelivery{deliverFunc(record), fmt.Sprintf("reply!%d", i)}
		}
		for n := range 3 {
			deliverAll(local, Content{"n": fmt.Sprint(n)})
		}
		if len(got) != members {
			t.Errorf("%d members: %d got messages", members, len(got))
		}
		for ch, msgs := range got {
			if fmt.Sprint(msgs) != "[0 1 2]" {
				t.Errorf("%d members: %s got %v, want [0 1 2]", members, ch, msgs)
				break
			}
		}
	}
}

// deliverFunc is a LocalReceiver of contents only.
type deliverFunc func(channel string, c Content)

func (f deliverFunc) Deliver(channel string, c Content, _ bool) { f(channel, c) }
func (f deliverFunc) DeliverText(channel, text string)          { f(channel, Content{"text": text}) }
