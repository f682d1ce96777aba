package channels

import (
	"context"
	"fmt"
	"slices"
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
	type delivery struct {
		deliver func(string, Content)
		channel string
	}
	var local []delivery
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	now := time.Now()
	first := true
	members := l.liveMembers(group, now)
	for _, ch := range members {
		if deliver := l.local[NonLocalName(ch)]; deliver != nil {
			local = append(local, delivery{deliver, ch})
			continue
		}
		mc := c
		if !first {
			mc = c.ShallowCopy()
		}
		if l.push(ch, mc, now) == nil {
			first = false
		} // a full member is skipped, as ASGI requires
	}
	l.mu.Unlock()
	for _, d := range local { // deliverers neither keep nor change c
		d.deliver(d.channel, c)
	}
	l.cfg.Observer.GroupSent(len(members))
	return nil
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
