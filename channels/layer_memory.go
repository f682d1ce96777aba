package channels

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
	"sync"
	"sync/atomic"
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
	queues map[string]*memQueue            // by non-local channel name
	groups map[string]map[string]time.Time // group -> channel -> last add
	local  atomic.Pointer[localReceivers]  // DeliverLocal's receivers; nil once closed
	inline atomic.Pointer[inlineSet]       // ConsumeInline's consumers; nil once closed
	next   uint                            // rotates the start of Receive's scan
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

// memEntry is a queued message: its content, or the message itself when it
// was handed over in compact form (HandOver), so that no map is built for
// it unless a receiver asks for one.
type memEntry struct {
	channel string
	content Content  // nil when msg is set
	msg     *Message // a handed-over message in compact form, or nil
	expires time.Time
}

// contentOf is the entry's content, built from its message if need be.
func (e *memEntry) contentOf() Content {
	if e.msg != nil {
		return e.msg.Content()
	}
	return e.content
}

// message is the entry as a Message: the handed-over one, or a new one.
func (e *memEntry) message() *Message {
	if e.msg != nil {
		return e.msg
	}
	return NewMessage(e.channel, e.content)
}

type memQueue struct {
	items   []memEntry
	head    int
	waiters []memWaiter           // blocked receivers
	room    []memWaiter           // senders waiting for room (WaitRoom), first come first woken
	inline  func(m *Message) bool // the channel's ConsumeInline function, or nil
	queued  atomic.Int32          // len(), for HandOver without the lock (see inlineSet)
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
	}
}

// Send implements Layer.
func (l *MemoryLayer) Send(ctx context.Context, channel string, content Content) error {
	return l.send(channel, content, false)
}

// SendOwned implements DirectLayer: content is not copied.
func (l *MemoryLayer) SendOwned(ctx context.Context, channel string, content Content) error {
	return l.send(channel, content, true)
}

// SendText implements DirectLayer: a text frame to a channel delivered at
// once (see DeliverLocal) goes to its receiver's DeliverText, without a
// map; any other is sent as Content{"text": text}.
func (l *MemoryLayer) SendText(ctx context.Context, channel, text string) error {
	if r := l.localReceiver(channel); r != nil && localPartValid(channel) { // else send says why
		r.DeliverText(channel, text)
		return nil
	}
	return l.send(channel, Content{"text": text}, true)
}

func (l *MemoryLayer) send(channel string, content Content, owned bool) error {
	if err := ValidateChannel(channel); err != nil {
		return err
	}
	if content.Has(ReservedKey) {
		return fmt.Errorf("%w: key %q is reserved", ErrInvalidMessage, ReservedKey)
	}
	if r := l.localReceiver(channel); r != nil { // handed over during the call: no copy needed
		c, err := content.canonicalForm() // unless values must be converted
		if err != nil {
			return err
		}
		r.Deliver(channel, c, owned)
		return nil
	}
	c := content
	if !owned {
		var err error
		if c, err = content.Clone(); err != nil {
			return err
		}
	}
	return l.enqueue(memEntry{channel: channel, content: c})
}

// enqueue pushes e unless l is closed. A process-local channel whose
// receiver DeliverLocal registered since send looked for one gets e at
// once, under the lock, as DeliverLocal delivers what was queued before it:
// pushed, e would wait in a queue that nobody receives from.
func (l *MemoryLayer) enqueue(e memEntry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if r := l.localReceiver(e.channel); r != nil {
		r.Deliver(e.channel, e.contentOf(), true)
		return nil
	}
	return l.push(e, time.Now())
}

// push appends e to its channel's queue, to expire after the layer's
// Expiry from now, and wakes one receiver. l.mu is held.
func (l *MemoryLayer) push(e memEntry, now time.Time) error {
	channel := e.channel
	q := l.queue(NonLocalName(channel))
	q.dropExpired(now)
	if capacity := l.capacity(channel); q.len() >= capacity {
		return &ChannelFullError{Channel: channel, Capacity: capacity}
	}
	e.expires = now.Add(l.cfg.Expiry)
	q.items = append(q.items, e)
	q.counted()
	q.wakeOne()
	return nil
}

// queue returns the queue of key, a non-local name, made if need be.
// l.mu is held.
func (l *MemoryLayer) queue(key string) *memQueue {
	q := l.queues[key]
	if q == nil {
		q = &memQueue{}
		l.queues[key] = q
	}
	return q
}

func (l *MemoryLayer) capacity(channel string) int {
	for _, r := range l.cfg.ChannelCapacity {
		if ok, _ := path.Match(r.Pattern, channel); ok {
			return r.Capacity
		}
	}
	return l.cfg.Capacity
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

// Flush implements Flusher.
func (l *MemoryLayer) Flush(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, q := range l.queues {
		q.wakeRoom(len(q.room))
		if len(q.waiters) == 0 && q.inline == nil {
			delete(l.queues, key)
			continue
		}
		clear(q.items)
		q.items, q.head = q.items[:0], 0
		q.counted()
	}
	clear(l.groups)
	return nil
}

// Close implements Closer: waiting and later calls fail with ErrClosed.
func (l *MemoryLayer) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.local.Store(nil)
	l.inline.Store(nil)
	for _, q := range l.queues {
		for len(q.waiters) > 0 {
			q.wakeOne()
		}
		q.wakeRoom(len(q.room))
	}
	return nil
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func randomLetters(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}
