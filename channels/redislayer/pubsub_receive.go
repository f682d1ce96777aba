package redislayer

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
)

// Listen makes the process receive chans from now on: what is published to
// them is kept for Receive. A process-local name ("x!") listens to every
// "x!..." channel. Listen returns once Redis has confirmed the
// subscriptions, or ctx is done. Receive and GroupAdd listen by themselves;
// Listen is for a channel a message will be sent to before anyone receives.
func (l *PubSubLayer) Listen(ctx context.Context, chans ...string) error {
	var acks []chan struct{}
	for _, ch := range chans {
		if channels.IsProcessLocal(ch) {
			ch = channels.NonLocalName(ch)
		}
		if err := channels.ValidateReceiveChannel(ch); err != nil {
			return err
		}
		ack, err := l.listen(ctx, ch)
		if err != nil {
			return err
		}
		acks = append(acks, ack)
	}
	for _, ack := range acks {
		select {
		case <-ack:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// listen makes the queue of a receive name and subscribes to it.
func (l *PubSubLayer) listen(ctx context.Context, name string) (chan struct{}, error) {
	l.mu.Lock()
	if l.queues[name] == nil {
		l.queues[name] = &psQueue{}
	}
	l.mu.Unlock()
	if strings.HasSuffix(name, "!") {
		return l.subscribe(ctx, name+"*", true)
	}
	return l.subscribe(ctx, name, false)
}

// subscription is a Redis channel or pattern subscribed to: acked is
// closed once every shard it was sent to has confirmed it, since a message
// published on a shard before that shard confirms is lost.
type subscription struct {
	acked   chan struct{}
	pending []bool // by shard: sent and not confirmed yet
}

// newSubscription awaits the confirmation of one shard of shards, or of
// every one when shard is -1.
func newSubscription(shards, shard int) *subscription {
	s := &subscription{acked: make(chan struct{}), pending: make([]bool, shards)}
	for i := range s.pending {
		s.pending[i] = shard == -1 || i == shard
	}
	return s
}

// subscribe subscribes to a Redis channel, or a pattern on every shard, if
// it was not already; the returned channel is closed once Redis confirms
// on every shard concerned.
func (l *PubSubLayer) subscribe(ctx context.Context, key string, pattern bool) (chan struct{}, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, channels.ErrClosed
	}
	if s, ok := l.subscribed[key]; ok {
		l.mu.Unlock()
		return s.acked, nil
	}
	shard := -1 // a pattern goes to every shard
	if !pattern {
		shard = l.shard(key)
	}
	s := newSubscription(len(l.subs), shard)
	l.subscribed[key] = s
	ack := s.acked
	l.mu.Unlock()
	cctx, cancel := l.callCtx(context.WithoutCancel(ctx))
	defer cancel()
	var err error
	if pattern {
		for _, ps := range l.subs {
			err = errors.Join(err, ps.PSubscribe(cctx, key))
		}
	} else {
		err = l.subs[l.shard(key)].Subscribe(cctx, key)
	}
	if err != nil {
		l.mu.Lock()
		delete(l.subscribed, key)
		l.mu.Unlock()
		return nil, l.unavailable("subscribe to "+key, err)
	}
	return ack, nil
}

// read takes what one shard's subscription connection brings, until Close.
// go-redis reconnects and subscribes again by itself after an error; what
// was published meanwhile is lost, as with channels_redis.
func (l *PubSubLayer) read(shard int, ps *redis.PubSub) {
	defer l.readers.Done()
	backoff := 50 * time.Millisecond
	for {
		msg, err := ps.Receive(l.done)
		if err != nil {
			if l.done.Err() != nil {
				return
			}
			l.cfg.Logger.Warn("redislayer: pubsub receive failed", "err", err)
			select {
			case <-time.After(backoff):
			case <-l.done.Done():
				return
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			l.confirmed(shard, m.Channel)
		case *redis.Message:
			l.route(m)
		}
	}
}

// confirmed counts shard's confirmation of a subscription, and closes its
// acknowledgement once every shard concerned has confirmed. Confirmations
// after that (go-redis subscribes again after a reconnection) change
// nothing.
func (l *PubSubLayer) confirmed(shard int, key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.subscribed[key]
	if !ok || !s.pending[shard] {
		return
	}
	s.pending[shard] = false
	if !slices.Contains(s.pending, true) {
		close(s.acked)
	}
}

// route queues a published message for the names it is for.
func (l *PubSubLayer) route(m *redis.Message) {
	c, err := decodeString(m.Payload)
	if err != nil {
		l.cfg.Logger.Warn("redislayer: pubsub message dropped", "channel", m.Channel, "err", err)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if m.Pattern != "" {
		l.push(strings.TrimSuffix(m.Pattern, "*"), delivery{m.Channel, c})
		return
	}
	if members, ok := l.groups[m.Channel]; ok {
		first := true
		for member := range members {
			mc := c
			if !first {
				mc = c.ShallowCopy()
			}
			first = false
			if name := receiveName(member); l.queues[name] != nil {
				l.push(name, delivery{member, mc})
			} else { // a member that another process receives for
				go l.forward(member, mc)
			}
		}
		return
	}
	l.push(m.Channel, delivery{m.Channel, c})
}

// receiveName is the name a channel is received by.
func receiveName(channel string) string {
	if channels.IsProcessLocal(channel) {
		return channels.NonLocalName(channel)
	}
	return channel
}

// forward publishes a group message to a member of another process.
func (l *PubSubLayer) forward(member string, c channels.Content) {
	if err := l.publish(l.done, member, c); err != nil && l.done.Err() == nil {
		l.cfg.Logger.Warn("redislayer: pubsub group message not forwarded", "channel", member, "err", err)
	}
}

// push queues d for name and wakes a receiver. l.mu is held.
func (l *PubSubLayer) push(name string, d delivery) {
	q := l.queues[name]
	if q == nil {
		return // no longer received
	}
	if len(q.items) >= l.cfg.QueueLimit {
		l.cfg.Logger.Warn("redislayer: pubsub message dropped: queue full", "channel", d.channel, "limit", l.cfg.QueueLimit)
		return
	}
	q.items = append(q.items, d)
	l.arrived[name]++
	if l.arrivals != nil { // a Send waits for its own message
		close(l.arrivals)
		l.arrivals = nil
	}
	q.wakeOne()
}

// wakeOne wakes the first waiter not woken already, and takes it off the
// queue's waiters, so that the next message wakes another. l.mu is held.
func (q *psQueue) wakeOne() {
	for len(q.waiters) > 0 {
		w := q.waiters[0]
		q.waiters = q.waiters[1:]
		select {
		case w <- struct{}{}:
			return
		default: // woken by another name already
		}
	}
}

// take pops the first message of names, starting the scan at start, and
// wakes a waiter of every name that still holds a message: a receiver of
// several names can be woken by two at once and takes only one message, so
// the wake-up of the other passes on. l.mu is held.
func (l *PubSubLayer) take(names []string, start int) (delivery, bool) {
	for i := range names {
		q := l.queues[names[(start+i)%len(names)]]
		if q == nil || len(q.items) == 0 {
			continue
		}
		d := q.items[0]
		q.items[0] = delivery{}
		q.items = q.items[1:]
		for _, name := range names {
			if q := l.queues[name]; q != nil && len(q.items) > 0 {
				q.wakeOne()
			}
		}
		return d, true
	}
	return delivery{}, false
}

// Receive implements channels.Layer. The first Receive of a name listens
// to it: what was published before is not there.
func (l *PubSubLayer) Receive(ctx context.Context, chans ...string) (string, channels.Content, error) {
	if len(chans) == 0 {
		return "", nil, channels.ErrInvalidName
	}
	var names []string
	for _, ch := range chans {
		if err := channels.ValidateReceiveChannel(ch); err != nil {
			return "", nil, err
		}
		if !slices.Contains(names, ch) {
			names = append(names, ch)
		}
		if _, err := l.listen(ctx, ch); err != nil {
			return "", nil, err
		}
	}
	w := make(chan struct{}, 1)
	for start := int(l.rotate.Add(1)); ; start++ {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return "", nil, channels.ErrClosed
		}
		if d, ok := l.take(names, start); ok {
			l.mu.Unlock()
			return d.channel, d.content, nil
		}
		if err := ctx.Err(); err != nil {
			l.mu.Unlock()
			return "", nil, err
		}
		for _, name := range names {
			q := l.queues[name]
			q.waiters = append(q.waiters, w)
		}
		l.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
		}
		l.mu.Lock()
		for _, name := range names {
			if q := l.queues[name]; q != nil {
				q.waiters = slices.DeleteFunc(q.waiters, func(o chan struct{}) bool { return o == w })
			}
		}
		l.mu.Unlock()
	}
}
