package channels

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"
)

// The memory layer's groups: members by group, with the time each was
// last added.

// GroupAdd implements GroupLayer.
func (l *MemoryLayer) GroupAdd(ctx context.Context, group, channel string) error {
	if err := validateMember(group, channel); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	members := l.groups[group]
	if members == nil {
		members = make(map[string]time.Time)
		l.groups[group] = members
	}
	members[channel] = time.Now()
	return nil
}

// GroupDiscard implements GroupLayer.
func (l *MemoryLayer) GroupDiscard(ctx context.Context, group, channel string) error {
	if err := validateMember(group, channel); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if members := l.groups[group]; members != nil {
		delete(members, channel)
		if len(members) == 0 {
			delete(l.groups, group)
		}
	}
	return nil
}

// GroupSend implements GroupLayer. The content is copied once; each member
// gets its own top-level map sharing the nested values, which receivers must
// treat as read-only.
func (l *MemoryLayer) GroupSend(ctx context.Context, group string, content Content) error {
	if err := ValidateGroup(group); err != nil {
		return err
	}
	if content.Has(ReservedKey) {
		return fmt.Errorf("%w: key %q is reserved", ErrInvalidMessage, ReservedKey)
	}
	c, err := content.Clone()
	if err != nil {
		return err
	}
	var local []localDelivery
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	now := time.Now()
	first := true
	members := l.liveMembers(group, now)
	for _, ch := range members {
		if r := l.localReceiver(ch); r != nil {
			local = append(local, localDelivery{r, ch})
			continue
		}
		mc := c
		if !first {
			mc = c.ShallowCopy()
		}
		if l.push(memEntry{channel: ch, content: mc}, now) == nil {
			first = false
		} // a full member is skipped, as ASGI requires
	}
	l.mu.Unlock()
	deliverAll(local, c)
	l.cfg.Observer.GroupSent(len(members))
	return nil
}

// A localDelivery is a group member served in this process, and the
// receiver that takes its messages.
type localDelivery struct {
	receiver LocalReceiver
	channel  string
}

// fanOutChunk is the fewest members one goroutine of a group send
// delivers to: below twice as many, the sender delivers alone.
const fanOutChunk = 256

// deliverAll hands c to every member of local. A large group is split
// between up to GOMAXPROCS goroutines, the sender one of them, each writing
// to its members' sockets, and deliverAll returns once all are done, so
// that the sends of one goroutine still reach each member in order.
// Deliverers neither keep nor change c, so the goroutines share it.
func deliverAll(local []localDelivery, c Content) {
	parts := min(runtime.GOMAXPROCS(0), len(local)/fanOutChunk)
	if parts < 2 {
		for _, d := range local {
			d.receiver.Deliver(d.channel, c, false)
		}
		return
	}
	var wg sync.WaitGroup
	size := (len(local) + parts - 1) / parts
	for chunk := range slices.Chunk(local[size:], size) {
		wg.Go(func() {
			for _, d := range chunk {
				d.receiver.Deliver(d.channel, c, false)
			}
		})
	}
	for _, d := range local[:size] {
		d.receiver.Deliver(d.channel, c, false)
	}
	wg.Wait()
}

// GroupChannels implements GroupLister: the live members, sorted.
func (l *MemoryLayer) GroupChannels(ctx context.Context, group string) ([]string, error) {
	if err := ValidateGroup(group); err != nil {
		return nil, err
	}
	l.mu.Lock()
	members := l.liveMembers(group, time.Now())
	l.mu.Unlock()
	slices.Sort(members)
	return members, nil
}

// liveMembers drops expired memberships and returns the rest, in no
// particular order: a group send to thousands does not sort them.
func (l *MemoryLayer) liveMembers(group string, now time.Time) []string {
	members := l.groups[group]
	out := make([]string, 0, len(members))
	for ch, added := range members {
		if now.Sub(added) >= l.cfg.GroupExpiry {
			delete(members, ch)
			continue
		}
		out = append(out, ch)
	}
	if members != nil && len(members) == 0 {
		delete(l.groups, group)
	}
	return out
}

func validateMember(group, channel string) error {
	if err := ValidateGroup(group); err != nil {
		return err
	}
	return ValidateChannel(channel)
}
