package redislayer

import (
	"context"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
)

// GroupAdd implements channels.GroupLayer: this process subscribes to the
// group's Redis channel and delivers its messages to channel, or forwards
// them to it when another process receives for it.
func (l *PubSubLayer) GroupAdd(ctx context.Context, group, channel string) error {
	if err := validateMember(group, channel); err != nil {
		return err
	}
	key := l.groupChannel(group)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return channels.ErrClosed
	}
	if l.groups[key] == nil {
		l.groups[key] = make(map[string]bool)
	}
	l.groups[key][channel] = true
	l.mu.Unlock()
	ack, err := l.subscribe(ctx, key, false)
	if err != nil {
		return err
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// GroupDiscard implements channels.GroupLayer; the process unsubscribes
// from the group once its last member here leaves.
func (l *PubSubLayer) GroupDiscard(ctx context.Context, group, channel string) error {
	if err := validateMember(group, channel); err != nil {
		return err
	}
	key := l.groupChannel(group)
	l.mu.Lock()
	members := l.groups[key]
	delete(members, channel)
	last := members != nil && len(members) == 0
	if last {
		delete(l.groups, key)
		delete(l.subscribed, key)
	}
	l.mu.Unlock()
	if !last {
		return nil
	}
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	if err := l.subs[l.shard(key)].Unsubscribe(cctx, key); err != nil {
		return l.unavailable("unsubscribe from "+key, err)
	}
	return nil
}

// GroupSend implements channels.GroupLayer: one PUBLISH to the group's
// Redis channel, whatever the number of members.
func (l *PubSubLayer) GroupSend(ctx context.Context, group string, content channels.Content) error {
	if err := channels.ValidateGroup(group); err != nil {
		return err
	}
	return l.publish(ctx, l.groupChannel(group), content)
}

// SessionStore returns a session store on the layer's Redis hosts, as
// Layer.SessionStore does: pub/sub keeps no data, but the channel sessions
// of every worker process must be shared.
func (l *PubSubLayer) SessionStore(cfg SessionConfig) *SessionStore {
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = l.cfg.CallTimeout
	}
	clients := make([]redis.UniversalClient, len(l.clients))
	for i, c := range l.clients {
		clients[i] = c
	}
	s, _ := NewSessionStore(clients, cfg) // never empty
	return s
}

// Ping implements channels.Pinger: every host answers PING within
// CallTimeout.
func (l *PubSubLayer) Ping(ctx context.Context) error {
	for _, c := range l.clients {
		cctx, cancel := l.callCtx(ctx)
		err := c.Ping(cctx).Err()
		cancel()
		if err != nil {
			return l.unavailable("ping", err)
		}
	}
	return nil
}
