package channels

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of the channel layers, the values of Django Channels.
const (
	DefaultCapacity    = 100
	DefaultExpiry      = 60 * time.Second
	DefaultGroupExpiry = 86400 * time.Second
)

// MemoryConfig configures a MemoryLayer. The zero value gives the defaults.
type MemoryConfig struct {
	// Capacity is the number of unread messages a channel holds before Send
	// fails with ErrChannelFull (default 100). Process-local channels count
	// on their non-local name, shared by all their local parts.
	Capacity int
	// ChannelCapacity overrides Capacity for channel names matching a glob
	// pattern ("http.request", "websocket.*"); the first match wins.
	ChannelCapacity []CapacityRule
	// Expiry is how long an unread message is kept (default 60 s).
	Expiry time.Duration
	// GroupExpiry is how long a group membership lasts after its last
	// GroupAdd (default 86400 s).
	GroupExpiry time.Duration
	// Observer is told the size of every group send; nil observes nothing.
	Observer Observer
}

// CapacityRule sets the capacity of the channels whose name matches Pattern,
// a glob in the syntax of path.Match ('*' matches any run of characters).
type CapacityRule struct {
	Pattern  string
	Capacity int
}

// MemoryLayer is a channel layer inside one process: the layer for tests, for
// development and for a server and its workers in one binary. It holds no
// serialized data: Send stores a canonical deep copy of the content, and
// Receive hands that copy to exactly one receiver.
type MemoryLayer struct {
	cfg MemoryConfig
	id  string // the process id in names made by NewChannel

	mu     sync.Mutex
	queues map[string]*memQueue                  // by non-local channel name
	groups map[string]map[string]time.Time       // group -> channel -> last add
	local  map[string]func(string, Content)      // DeliverLocal's functions, by non-local name
	inline map[string]func(string, Content) bool // ConsumeInline's functions, by channel
	next   uint                                  // rotates the start of Receive's scan
	closed bool
}

var (
	_ GroupLayer  = (*MemoryLayer)(nil)
	_ GroupLister = (*MemoryLayer)(nil)
	_ Flusher     = (*MemoryLayer)(nil)
	_ Closer      = (*MemoryLayer)(nil)
	_ DirectLayer = (*MemoryLayer)(nil)
	_ RoomWaiter  = (*MemoryLayer)(nil)
)

type memEntry struct {
	channel string
	content Content
	expires time.Time
}

type memQueue struct {
	items   []memEntry
	head    int
	waiters []memWaiter // blocked receivers
	room    []memWaiter // senders waiting for room (WaitRoom), first come first woken
}

// A memWaiter is one blocked Receive. Each wait makes a new one: a pooled
// channel made inside one testing/synctest bubble must not be used from
// another bubble or from outside, and a layer can be used from both.
type memWaiter chan struct{}

// NewMemoryLayer returns an empty in-process layer.
func NewMemoryLayer(cfg MemoryConfig) *MemoryLayer {
	if cfg.Capacity <= 0 {
		cfg.Capacity = DefaultCapacity
	}
	if cfg.Expiry <= 0 {
		cfg.Expiry = DefaultExpiry
	}
	if cfg.GroupExpiry <= 0 {
		cfg.GroupExpiry = DefaultGroupExpiry
	}
	cfg.Observer = observerOr(cfg.Observer)
	return &MemoryLayer{
		cfg:    cfg,
		id:     randomLetters(10),
		queues: make(map[string]*memQueue),
		groups: make(map[string]map[string]time.Time),
		local:  make(map[string]func(string, Content)),
		inline: make(map[string]func(string, Content) bool),
	}
}

// DeliverLocal implements DirectLayer. deliver runs in the sending
// goroutine, outside the layer's lock; messages already queued are
// delivered under the lock, so deliver must not call the layer.
func (l *MemoryLayer) DeliverLocal(nonLocal string, deliver func(channel string, c Content)) (stop func(), err error) {
	if err := ValidateReceiveChannel(nonLocal); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(nonLocal, "!") {
		return nil, &NameError{"channel", nonLocal, "DeliverLocal takes a process-local name ending at its !"}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	if l.local[nonLocal] != nil {
		return nil, fmt.Errorf("channels: %s is already delivered locally", nonLocal)
	}
	l.local[nonLocal] = deliver
	if q := l.queues[nonLocal]; q != nil { // what was sent before
		for now := time.Now(); q.len() > 0; {
			e := q.items[q.head]
			q.items[q.head] = memEntry{}
			q.head++
			if now.Before(e.expires) {
				deliver(e.channel, e.content)
			}
		}
		q.items, q.head = q.items[:0], 0
	}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.local, nonLocal)
	}, nil
}

// Send implements Layer.
func (l *MemoryLayer) Send(ctx context.Context, channel string, content Content) error {
	return l.send(channel, content, false)
}

// SendOwned implements DirectLayer: content is not copied.
func (l *MemoryLayer) SendOwned(ctx context.Context, channel string, content Content) error {
	return l.send(channel, content, true)
}

func (l *MemoryLayer) send(channel string, content Content, owned bool) error {
	if err := ValidateChannel(channel); err != nil {
		return err
	}
	if content.Has(ReservedKey) {
		return fmt.Errorf("%w: key %q is reserved", ErrInvalidMessage, ReservedKey)
	}
	if IsProcessLocal(channel) {
		l.mu.Lock()
		closed, deliver := l.closed, l.local[NonLocalName(channel)]
		l.mu.Unlock()
		if closed {
			return ErrClosed
		}
		if deliver != nil { // handed over during the call: no copy needed
			if !content.canonicalAlready() { // unless values must be converted
				c, err := content.Clone()
				if err != nil {
					return err
				}
				content = c
			}
			deliver(channel, content)
			return nil
		}
	}
	c := content
	if !owned {
		var err error
		if c, err = content.Clone(); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	return l.push(channel, c, time.Now())
}

// push appends to the channel's queue and wakes one receiver. l.mu is held.
func (l *MemoryLayer) push(channel string, c Content, now time.Time) error {
	key := NonLocalName(channel)
	q := l.queues[key]
	if q == nil {
		q = &memQueue{}
		l.queues[key] = q
	}
	q.dropExpired(now)
	if capacity := l.capacity(channel); q.len() >= capacity {
		return &ChannelFullError{Channel: channel, Capacity: capacity}
	}
	q.items = append(q.items, memEntry{channel, c, now.Add(l.cfg.Expiry)})
	q.wakeOne()
	return nil
}

func (l *MemoryLayer) capacity(channel string) int {
	for _, r := range l.cfg.ChannelCapacity {
		if ok, _ := path.Match(r.Pattern, channel); ok {
			return r.Capacity
		}
	}
	return l.cfg.Capacity
}

// Receive implements Layer.
func (l *MemoryLayer) Receive(ctx context.Context, channels ...string) (string, Content, error) {
	return l.receive(ctx, nil, channels)
}

// ReceiveTaken implements DirectLayer: taken runs while the layer's lock is
// still held, so what it does is ordered as the messages are.
func (l *MemoryLayer) ReceiveTaken(ctx context.Context, taken func(channel string, c Content), channels ...string) (string, Content, error) {
	return l.receive(ctx, taken, channels)
}

func (l *MemoryLayer) receive(ctx context.Context, popped func(channel string, c Content), channels []string) (string, Content, error) {
	if len(channels) == 0 {
		return "", nil, fmt.Errorf("channels: Receive needs at least one channel")
	}
	for _, ch := range channels {
		if err := ValidateReceiveChannel(ch); err != nil {
			return "", nil, err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if l.closed {
			return "", nil, ErrClosed
		}
		if ch, c, ok := l.pop(channels, time.Now()); ok {
			l.passOn(channels)
			if popped != nil {
				popped(ch, c)
			}
			return ch, c, nil
		}
		if err := ctx.Err(); err != nil {
			return "", nil, err
		}
		l.wait(ctx, channels)
	}
}

// pop takes the first live message of channels, starting the scan at a
// rotating position so that no channel starves. l.mu is held.
func (l *MemoryLayer) pop(channels []string, now time.Time) (string, Content, bool) {
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
		q.wakeRoom(1)
		if q.len() == 0 {
			q.items, q.head = q.items[:0], 0
			if q.idle() && transient(key) {
				delete(l.queues, key)
			}
		}
		return e.channel, e.content, true
	}
	return "", nil, false
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
		q := l.queues[key]
		if q == nil {
			q = &memQueue{}
			l.queues[key] = q
		}
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

// idle reports whether nobody waits on the queue, to receive or to send.
func (q *memQueue) idle() bool { return len(q.waiters) == 0 && len(q.room) == 0 }

func (q *memQueue) dropExpired(now time.Time) {
	dropped := 0
	for q.len() > 0 && !now.Before(q.items[q.head].expires) {
		q.items[q.head] = memEntry{}
		q.head++
		dropped++
	}
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

// NewChannel implements Layer. Errors name pattern, not the generated name.
func (l *MemoryLayer) NewChannel(ctx context.Context, pattern string) (string, error) {
	single := strings.HasSuffix(pattern, "?")
	base := strings.TrimSuffix(pattern, "?")
	if err := checkName("channel", base, false); err != nil {
		reason := err.(*NameError).Reason
		if strings.ContainsAny(base, "!?") {
			reason = "a NewChannel pattern is a plain name, optionally ending with ?"
		}
		return "", &NameError{"channel", pattern, reason}
	}
	suffix := 12
	if !single {
		suffix = 1 + len(l.id) + 1 + 12 // "." id "!" local part
	}
	if len(pattern)+suffix > MaxNameLength {
		return "", &NameError{"channel", pattern, fmt.Sprintf("too long for a new channel name (at most %d characters)", MaxNameLength-suffix)}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return "", ErrClosed
	}
	if !single {
		return pattern + "." + l.id + "!" + randomLetters(12), nil
	}
	for {
		name := pattern + randomLetters(12)
		if _, taken := l.queues[name]; !taken {
			return name, nil
		}
	}
}

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

// Flush implements Flusher.
func (l *MemoryLayer) Flush(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, q := range l.queues {
		q.wakeRoom(len(q.room))
		if len(q.waiters) == 0 {
			delete(l.queues, key)
			continue
		}
		clear(q.items)
		q.items, q.head = q.items[:0], 0
	}
	clear(l.groups)
	return nil
}

// Close implements Closer: waiting and later calls fail with ErrClosed.
func (l *MemoryLayer) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for _, q := range l.queues {
		for len(q.waiters) > 0 {
			q.wakeOne()
		}
		q.wakeRoom(len(q.room))
	}
	return nil
}

func validateMember(group, channel string) error {
	if err := ValidateGroup(group); err != nil {
		return err
	}
	return ValidateChannel(channel)
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func randomLetters(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}
