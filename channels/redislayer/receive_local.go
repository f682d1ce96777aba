package redislayer

import (
	"strconv"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// localQueue holds the messages fetched for one process-local name.
type localQueue struct {
	name    string // "x!"
	key     string
	shard   int
	limit   int
	items   []delivery
	head    int
	waiters []*waiter
	lastUse time.Time // the last blocking Receive (monotonic clock)
	inLoop  bool      // in the key set of its loop's current pop
	direct  int       // non-blocking pops of its key in progress
}

func (q *localQueue) len() int { return len(q.items) - q.head }

// push queues d. It never drops a message: the bound of the queue is kept
// by leaving its key out of the loop's pop once it holds limit messages
// (see eligible), so a queue holds at most limit - 1 messages plus those
// of one group message, one per member of the group on this key.
func (q *localQueue) push(d delivery) {
	q.items = append(q.items, d)
	q.wakeOne()
}

func (q *localQueue) pop() delivery {
	d := q.items[q.head]
	q.items[q.head] = delivery{}
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > 32 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	return d
}

func (q *localQueue) clear() {
	clear(q.items)
	q.items, q.head = q.items[:0], 0
}

// wakeOne signals the first waiter not already signalled.
func (q *localQueue) wakeOne() {
	for _, w := range q.waiters {
		if w.wake() {
			return
		}
	}
}

func (q *localQueue) wakeAll() {
	for _, w := range q.waiters {
		w.wake()
	}
}

// lingering reports whether the loop should still fetch for q.
func (q *localQueue) lingering(now time.Time, linger time.Duration) bool {
	return len(q.waiters) > 0 || (!q.lastUse.IsZero() && now.Sub(q.lastUse) <= linger)
}

// eligible reports whether q's key belongs in its loop's pop.
func (q *localQueue) eligible(now time.Time, linger time.Duration) bool {
	return q.lingering(now, linger) && q.len() < q.limit && q.direct == 0
}

// shardLoop is the receive loop of the process-local names of one shard.
type shardLoop struct {
	shard    int
	wakeKey  string
	running  bool
	blocking bool // in its blocking pop
	wakeSent bool // a wake was added for the current blocking pop
	kick     chan struct{}
	errSeq   uint64
	err      error
}

// takeLocal takes the first queued message of locals. l.mu is held. It
// returns the loop to wake if taking the message made room in a queue its
// loop had left out.
func (l *Layer) takeLocal(locals []string) (delivery, *shardLoop, bool) {
	for _, name := range locals {
		q := l.locals[name]
		if q == nil || q.len() == 0 {
			continue
		}
		d := q.pop()
		if q.len() > 0 {
			q.wakeOne() // pass on to another waiter
		}
		return d, l.ensureLoop(q), true
	}
	return delivery{}, nil, false
}

// queue returns the queue of a process-local name, made if needed. l.mu is
// held.
func (l *Layer) queue(name string) *localQueue {
	q := l.locals[name]
	if q == nil {
		q = &localQueue{
			name:  name,
			key:   l.key(name),
			shard: consistentHash(name, len(l.clients)),
			limit: l.capacity(name),
		}
		l.locals[name] = q
	}
	return q
}

func (l *Layer) loop(shard int) *shardLoop {
	sl := l.loops[shard]
	if sl == nil {
		sl = &shardLoop{
			shard:   shard,
			wakeKey: l.key("$wake." + l.clientID + ".loop" + strconv.Itoa(shard)),
			kick:    make(chan struct{}, 1),
		}
		l.loops[shard] = sl
	}
	return sl
}

// runLoop is the receive loop of one shard's process-local names.
func (l *Layer) runLoop(sl *shardLoop) {
	defer l.busy.Done()
	backoff := 50 * time.Millisecond
	for {
		l.mu.Lock()
		if l.closed {
			sl.running = false
			l.mu.Unlock()
			return
		}
		now := time.Now()
		var keys []string
		var queues []*localQueue
		lingering := false
		for name, q := range l.locals {
			if q.shard != sl.shard {
				continue
			}
			switch {
			case q.eligible(now, l.blockWait):
				q.inLoop = true
				keys = append(keys, q.key)
				queues = append(queues, q)
				lingering = true
			case q.lingering(now, l.blockWait):
				lingering = true
			case q.len() == 0 && q.direct == 0:
				delete(l.locals, name)
			}
		}
		if len(keys) == 0 {
			if !lingering {
				sl.running = false
				l.mu.Unlock()
				return
			}
			l.mu.Unlock()
			l.pause(l.blockWait, sl.kick)
			continue
		}
		room := loopRoom(queues)
		if !l.noBZMPop.Load() { // popBlocking takes what waits too
			l.mu.Unlock()
		} else if l.popReady(sl, keys, queues, room) { // unlocks l.mu
			backoff = 50 * time.Millisecond
			continue
		}
		stop, err := l.popBlocking(sl, keys, queues, room)
		if stop {
			return
		}
		if err != nil {
			l.cfg.Logger.Warn("redislayer: receive loop failed", "host", l.addrs[sl.shard], "err", err)
			l.pause(backoff, nil)
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
	}
}

// pause waits for d, a kick (never, when kick is nil) or the layer's close.
func (l *Layer) pause(d time.Duration, kick <-chan struct{}) {
	t := time.NewTimer(d)
	select {
	case <-kick:
	case <-t.C:
	case <-l.done.Done():
	}
	t.Stop()
}

// loopRoom is how many messages the loop may take for queues at once: as
// many as each of them has room for, up to localBatch. l.mu is held.
func loopRoom(queues []*localQueue) int {
	room := localBatch
	for _, q := range queues {
		room = min(room, q.limit-q.len())
	}
	return room
}

// popReady pops, without blocking, up to room messages waiting in keys and
// dispatches them: a server without BZMPOP (see popBatch). It reports
// whether it found any. l.mu is held on entry and released.
func (l *Layer) popReady(sl *shardLoop, keys []string, queues []*localQueue, room int) bool {
	l.mu.Unlock()
	ps, err := l.popMany(l.done, sl.shard, keys, room)
	if err != nil || len(ps) == 0 {
		return false
	}
	l.mu.Lock()
	for _, q := range queues {
		q.inLoop = false
	}
	l.dispatchPopped(ps)
	l.mu.Unlock()
	return true
}

// popBlocking waits on keys and the wake key of sl, with one BZMPOP that
// takes up to room messages (or BZPOPMIN, for one, on a server without
// it), and dispatches what it pops. When the pop fails, it keeps the error
// for the receivers of queues and wakes them; stop reports that it failed
// because the layer closed, which ends the loop.
func (l *Layer) popBlocking(sl *shardLoop, keys []string, queues []*localQueue, room int) (stop bool, err error) {
	l.mu.Lock()
	if l.closed { // Close came after the loop's check: it wakes only loops already blocking
		sl.running = false
		l.mu.Unlock()
		return true, channels.ErrClosed
	}
	sl.blocking, sl.wakeSent = true, false
	l.mu.Unlock()

	keys = append(keys, sl.wakeKey)
	ps, ok, err := l.bzmpop(l.done, sl.shard, keys, room)
	if !ok {
		ps, err = l.blockPop(l.done, sl.shard, keys, 1)
	}
	if len(ps) > 0 && ps[0].key == sl.wakeKey { // one key's members
		ps = nil
	}

	l.mu.Lock()
	sl.blocking = false
	for _, q := range queues {
		q.inLoop = false
	}
	if err != nil {
		if l.closed {
			sl.running = false
			l.mu.Unlock()
			return true, err
		}
		sl.err = err
		sl.errSeq++
		for _, q := range queues {
			q.wakeAll()
		}
		l.mu.Unlock()
		return false, err
	}
	l.dispatchPopped(ps)
	l.mu.Unlock()
	return false, nil
}

// dispatch queues a message popped from q's key for each channel its
// reserved key names: a string from Send, a list from a group send.
// l.mu is held.
func (l *Layer) dispatch(q *localQueue, route any, c channels.Content) {
	var names []string
	switch r := route.(type) {
	case string:
		names = []string{r}
	case []any:
		for _, v := range r {
			if s, ok := v.(string); ok {
				names = append(names, s)
			}
		}
	}
	first := true
	for _, name := range names {
		if channels.NonLocalName(name) != q.name {
			l.cfg.Logger.Warn("redislayer: message routed to a channel of another key dropped", "key", q.key, "channel", name)
			continue
		}
		mc := c
		if !first {
			mc = c.ShallowCopy()
		}
		first = false
		q.push(delivery{name, mc})
	}
	if first {
		l.cfg.Logger.Warn("redislayer: message without a channel name dropped", "key", q.key)
	}
}
