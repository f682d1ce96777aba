package redislayer

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
)

// Receiving works in two ways.
//
// Normal and single-reader channels are popped by the receiving goroutine
// itself: BZPOPMIN on the channels' keys, or a script that pops the first
// non-empty key when the context is already done. A blocked BZPOPMIN is
// never abandoned, since Redis may already have popped a message for it:
// cancelling it adds a member to a wake key it also waits on, and the
// message it returns, if any, is the receiver's.
//
// Process-local names ("x!") are popped by one receive loop per shard of
// the layer, which waits with one BZPOPMIN on the keys of every such name
// being received and fans each message out, by its reserved key, into the
// in-process queue of its name. Receive waits on those queues. A name stays
// in the loop for about BlockTimeout after its last Receive; a queue that
// holds the channel's capacity is left out, so that unread messages stay in
// Redis and count towards that capacity.

// A delivery is one message for one channel.
type delivery struct {
	channel string
	content channels.Content
}

// A waiter is one blocked Receive on process-local names.
type waiter struct{ ch chan struct{} }

func (w *waiter) wake() bool {
	select {
	case w.ch <- struct{}{}:
		return true
	default:
		return false
	}
}

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
	blocking bool // in BZPOPMIN
	wakeSent bool // a wake was added for the current BZPOPMIN
	kick     chan struct{}
	errSeq   uint64
	err      error
}

// A popped is a member taken from a channel key.
type popped struct {
	shard  int
	key    string
	member string
	score  float64
}

// Receive implements channels.Layer.
func (l *Layer) Receive(ctx context.Context, chans ...string) (string, channels.Content, error) {
	if len(chans) == 0 {
		return "", nil, errors.New("redislayer: Receive needs at least one channel")
	}
	var locals, normals []string
	for _, ch := range chans {
		if err := channels.ValidateReceiveChannel(ch); err != nil {
			return "", nil, err
		}
		switch {
		case slices.Contains(locals, ch) || slices.Contains(normals, ch):
		case strings.HasSuffix(ch, "!"):
			locals = append(locals, ch)
		default:
			normals = append(normals, ch)
		}
	}
	start := int(l.rotate.Add(1))
	rotateSlice(locals, start)
	rotateSlice(normals, start)
	blocked := false
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return "", nil, channels.ErrClosed
		}
		if d, sl, ok := l.takeLocal(locals); ok {
			l.mu.Unlock()
			l.wakeLoop(sl)
			return d.channel, d.content, nil
		}
		if err := ctx.Err(); err != nil {
			if blocked { // a blocking pop found nothing before ctx was done
				l.mu.Unlock()
				return "", nil, err
			}
			return l.receiveNow(ctx, locals, normals) // unlocks l.mu
		}
		blocked = true
		var w *waiter
		var seqs []uint64
		var wakes []*shardLoop
		if len(locals) > 0 {
			w = &waiter{ch: make(chan struct{}, 1)}
			seqs, wakes = l.register(w, locals)
		}
		l.mu.Unlock()
		for _, sl := range wakes {
			l.wakeLoop(sl)
		}

		if len(normals) == 0 {
			select {
			case <-w.ch:
			case <-ctx.Done():
			}
			if err := l.unregister(w, locals, seqs); err != nil {
				return "", nil, err
			}
			continue
		}
		var (
			d   delivery
			ok  bool
			err error
		)
		if w == nil {
			d, ok, err = l.popNormal(ctx, normals)
		} else { // both kinds: pop the normal ones while waiting for the others
			popCtx, cancel := context.WithCancel(ctx)
			type result struct {
				d   delivery
				ok  bool
				err error
			}
			res := make(chan result, 1)
			go func() {
				d, ok, err := l.popNormal(popCtx, normals)
				res <- result{d, ok, err}
			}()
			var r result
			select {
			case r = <-res:
			case <-w.ch:
				cancel()
				r = <-res
			}
			cancel()
			d, ok, err = r.d, r.ok, r.err
			if lerr := l.unregister(w, locals, seqs); lerr != nil && err == nil && !ok {
				err = lerr
			}
		}
		if err != nil {
			if l.isClosed() {
				return "", nil, channels.ErrClosed
			}
			return "", nil, err
		}
		if ok {
			return d.channel, d.content, nil
		}
	}
}

// rotateSlice rotates s left by k, so that successive receives start their
// scan at different channels.
func rotateSlice(s []string, k int) {
	if len(s) > 1 {
		k %= len(s)
		slices.Reverse(s[:k])
		slices.Reverse(s[k:])
		slices.Reverse(s)
	}
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

// register adds w to the queues of locals and makes sure their loops fetch
// them. It returns the error sequence numbers of the loops, and the loops
// that must be woken through Redis to add a key. l.mu is held.
func (l *Layer) register(w *waiter, locals []string) (seqs []uint64, wakes []*shardLoop) {
	now := time.Now()
	for _, name := range locals {
		q := l.queue(name)
		q.waiters = append(q.waiters, w)
		q.lastUse = now
		if sl := l.ensureLoop(q); sl != nil {
			wakes = append(wakes, sl)
		}
		seqs = append(seqs, l.loop(q.shard).errSeq)
	}
	return seqs, wakes
}

// unregister removes w from the queues of locals. It returns the error of a
// loop that failed while w waited.
func (l *Layer) unregister(w *waiter, locals []string, seqs []uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	var err error
	for i, name := range locals {
		q := l.locals[name]
		if q == nil {
			continue
		}
		q.waiters = slices.DeleteFunc(q.waiters, func(o *waiter) bool { return o == w })
		q.lastUse = now
		if q.len() > 0 {
			q.wakeOne() // w may have been signalled for a message it did not take
		}
		if sl := l.loops[q.shard]; sl != nil && sl.errSeq != seqs[i] && err == nil && !l.closed {
			err = l.redisError("receive on "+name, q.shard, sl.err)
		}
	}
	if l.closed {
		return channels.ErrClosed
	}
	return err
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

// ensureLoop makes sure q's loop is running and, if q is eligible, will
// fetch it: it starts the loop, kicks it when idle, or returns it when it
// must be woken through Redis because its current pop lacks q's key. l.mu
// is held.
func (l *Layer) ensureLoop(q *localQueue) *shardLoop {
	if l.closed || q.inLoop || !q.eligible(time.Now(), l.blockWait) {
		return nil
	}
	sl := l.loop(q.shard)
	switch {
	case !sl.running:
		sl.running = true
		l.busy.Add(1)
		go l.runLoop(sl)
	case sl.blocking:
		if !sl.wakeSent {
			sl.wakeSent = true
			return sl
		}
	default:
		select {
		case sl.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// wakeLoop makes the BZPOPMIN of sl return, by adding to its wake key.
func (l *Layer) wakeLoop(sl *shardLoop) {
	if sl != nil {
		l.pushWake(sl.shard, sl.wakeKey)
	}
}

func (l *Layer) pushWake(shard int, key string) {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.CallTimeout)
	defer cancel()
	_, _ = l.clients[shard].Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, key, redis.Z{Score: 0, Member: "wake"})
		p.Expire(ctx, key, 2*(l.blockWait+l.cfg.CallTimeout))
		return nil
	})
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
			t := time.NewTimer(l.blockWait)
			select {
			case <-sl.kick:
			case <-t.C:
			case <-l.done.Done():
			}
			t.Stop()
			continue
		}
		sl.blocking, sl.wakeSent = true, false
		l.mu.Unlock()

		p, ok, err := l.bzpopmin(l.done, sl.shard, append(keys, sl.wakeKey))
		var (
			c     channels.Content
			route any
		)
		if ok && p.key != sl.wakeKey {
			c, route, ok = l.decode(p)
		} else {
			ok = false
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
				return
			}
			sl.err = err
			sl.errSeq++
			for _, q := range queues {
				q.wakeAll()
			}
			l.mu.Unlock()
			l.cfg.Logger.Warn("redislayer: receive loop failed", "host", l.addrs[sl.shard], "err", err)
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-l.done.Done():
			}
			t.Stop()
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		if ok {
			name := strings.TrimPrefix(p.key, l.cfg.Prefix)
			l.dispatch(l.queue(name), route, c)
		}
		l.mu.Unlock()
	}
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

// decode opens a popped member. Messages that cannot be opened, and those
// that expired (a score at or below the cutoff send would drop them at),
// are logged and dropped: ok is false.
func (l *Layer) decode(p popped) (channels.Content, any, bool) {
	now := l.now()
	if p.score <= float64(l.cutoff(now)) {
		return nil, nil, false
	}
	c, route, err := l.open(p.member, now)
	if err != nil {
		l.cfg.Logger.Warn("redislayer: message dropped", "key", p.key, "err", err)
		return nil, nil, false
	}
	return c, route, true
}

// receiveNow is Receive with a context that is done: it returns a message
// that is waiting, or the context's error. l.mu is held on entry and
// released.
func (l *Layer) receiveNow(ctx context.Context, locals, normals []string) (string, channels.Content, error) {
	// A local name its loop is fetching is served from its queue only:
	// popping its key here could overtake the message the loop is taking.
	var direct []*localQueue
	var names []string
	for _, name := range locals {
		q := l.queue(name)
		if q.inLoop {
			continue
		}
		q.direct++
		direct = append(direct, q)
		names = append(names, name)
	}
	l.mu.Unlock()
	names = append(names, normals...)

	var d delivery
	var found bool
	var err error
	for !found && err == nil {
		var p popped
		var ok bool
		p, ok, err = l.popNow(ctx, names)
		if err != nil || !ok {
			break
		}
		c, route, ok := l.decode(p)
		if !ok {
			continue
		}
		name := strings.TrimPrefix(p.key, l.cfg.Prefix)
		if !strings.HasSuffix(name, "!") {
			d, found = delivery{name, c}, true
			break
		}
		l.mu.Lock()
		q := l.queue(name)
		l.dispatch(q, route, c)
		if q.len() > 0 {
			d, found = q.pop(), true
		}
		l.mu.Unlock()
	}

	l.mu.Lock()
	var wakes []*shardLoop
	now := time.Now()
	for _, q := range direct {
		q.direct--
		if sl := l.ensureLoop(q); sl != nil {
			wakes = append(wakes, sl)
		}
		if q.len() == 0 && len(q.waiters) == 0 && q.direct == 0 && !q.inLoop && !q.lingering(now, l.blockWait) {
			delete(l.locals, q.name)
		}
	}
	closed := l.closed
	l.mu.Unlock()
	for _, sl := range wakes {
		l.wakeLoop(sl)
	}
	switch {
	case found:
		return d.channel, d.content, nil
	case closed:
		return "", nil, channels.ErrClosed
	case err != nil:
		return "", nil, err
	}
	return "", nil, ctx.Err()
}

// shardKeys lists the keys of names on each shard, keeping their order:
// normal channels are on every shard, the others on the shard of their
// hash.
func (l *Layer) shardKeys(names []string) [][]string {
	n := len(l.clients)
	out := make([][]string, n)
	for _, name := range names {
		key := l.key(name)
		if n == 1 {
			out[0] = append(out[0], key)
			continue
		}
		if strings.ContainsAny(name, "!?") {
			s := consistentHash(channels.NonLocalName(name), n)
			out[s] = append(out[s], key)
			continue
		}
		for s := range out {
			out[s] = append(out[s], key)
		}
	}
	return out
}

// popNow pops the first waiting member of names without blocking, trying
// the shards in turn.
func (l *Layer) popNow(ctx context.Context, names []string) (popped, bool, error) {
	byShard := l.shardKeys(names)
	n := len(byShard)
	first := int(l.recvNext.Add(1)-1) % n
	for i := range n {
		shard := (first + i) % n
		keys := byShard[shard]
		if len(keys) == 0 {
			continue
		}
		cctx, cancel := l.callCtx(context.WithoutCancel(ctx))
		res, err := popScript.Run(cctx, l.clients[shard], keys).Slice()
		cancel()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return popped{}, false, l.redisError("receive", shard, err)
		}
		if len(res) != 3 {
			return popped{}, false, l.redisError("receive", shard, errors.New("unexpected pop script reply"))
		}
		key, _ := res[0].(string)
		member, _ := res[1].(string)
		scoreText, _ := res[2].(string)
		score, err := strconv.ParseFloat(scoreText, 64)
		if err != nil {
			return popped{}, false, l.redisError("receive", shard, errors.New("unexpected pop script score"))
		}
		return popped{shard, key, member, score}, true, nil
	}
	return popped{}, false, nil
}

// popNormal waits for a message on normal or single-reader channels until
// ctx is done, popping on every shard at once. ok is false when it
// returns without a message: ctx is done, the block timed out or the
// message popped expired.
func (l *Layer) popNormal(ctx context.Context, names []string) (delivery, bool, error) {
	byShard := l.shardKeys(names)
	var p popped
	var ok bool
	var err error
	if len(byShard) == 1 {
		p, ok, err = l.bzpopmin(ctx, 0, byShard[0])
		if err != nil {
			return delivery{}, false, l.redisError("receive", 0, err)
		}
	} else {
		p, ok, err = l.popShards(ctx, byShard)
		if err != nil {
			return delivery{}, false, err
		}
	}
	if !ok {
		return delivery{}, false, nil
	}
	c, _, ok := l.decode(p)
	if !ok {
		return delivery{}, false, nil
	}
	return delivery{strings.TrimPrefix(p.key, l.cfg.Prefix), c}, true, nil
}

// popShards blocks on every shard that holds keys. When one returns a
// message, the others are woken; of the messages they return meanwhile the
// oldest is kept and the others are put back, with their scores, so that
// the messages of one sender stay in order.
func (l *Layer) popShards(ctx context.Context, byShard [][]string) (popped, bool, error) {
	type result struct {
		p   popped
		ok  bool
		err error
	}
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan result, len(byShard))
	running := 0
	for shard, keys := range byShard {
		if len(keys) == 0 {
			continue
		}
		running++
		go func() {
			p, ok, err := l.bzpopmin(pctx, shard, keys)
			if err != nil {
				err = l.redisError("receive", shard, err)
			}
			results <- result{p, ok, err}
		}()
	}
	var got []popped
	var errs []error
	for i := range running {
		r := <-results
		if r.err != nil {
			errs = append(errs, r.err)
		} else if r.ok {
			got = append(got, r.p)
		}
		if i == 0 {
			cancel()
		}
	}
	if len(got) == 0 {
		return popped{}, false, errors.Join(errs...)
	}
	best := 0
	for i, p := range got {
		if p.score < got[best].score {
			best = i
		}
	}
	for i, p := range got {
		if i != best {
			l.putBack(p)
		}
	}
	return got[best], true, nil
}

// putBack returns a popped member to its key.
func (l *Layer) putBack(p popped) {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.CallTimeout)
	defer cancel()
	_, err := l.clients[p.shard].Pipelined(ctx, func(pl redis.Pipeliner) error {
		pl.ZAdd(ctx, p.key, redis.Z{Score: p.score, Member: p.member})
		pl.Expire(ctx, p.key, time.Duration(l.expiry)*time.Second)
		return nil
	})
	if err != nil {
		l.cfg.Logger.Warn("redislayer: a message popped twice could not be put back and is lost", "key", p.key, "err", err)
	}
}

// bzpopmin runs BZPOPMIN on keys for up to BlockTimeout. When ctx is done
// first, it adds to a wake key of its own that it also waits on, so that
// the pop returns without abandoning a message Redis may be sending; ok is
// false when no channel message was popped.
func (l *Layer) bzpopmin(ctx context.Context, shard int, keys []string) (popped, bool, error) {
	if ctx != l.done { // the loops are counted in l.busy already
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return popped{}, false, channels.ErrClosed
		}
		l.busy.Add(1)
		l.mu.Unlock()
		defer l.busy.Done()
	}
	var wake string
	var woke chan struct{}
	stop := func() bool { return true }
	if ctx != l.done {
		wake = l.key("$wake." + l.clientID + "." + strconv.FormatUint(l.wakeSeq.Add(1), 36))
		keys = append(slices.Clip(keys), wake)
		woke = make(chan struct{})
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stopClose := context.AfterFunc(l.done, cancel)
		defer stopClose()
		stop = context.AfterFunc(wctx, func() {
			defer close(woke)
			l.pushWake(shard, wake)
		})
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.blockWait+l.cfg.CallTimeout)
	defer cancel()
	res, err := l.clients[shard].BZPopMin(cctx, l.blockWait, keys...).Result()
	if !stop() {
		<-woke
		dctx, cancel := l.callCtx(context.Background())
		l.clients[shard].Del(dctx, wake)
		cancel()
	}
	if errors.Is(err, redis.Nil) {
		return popped{}, false, nil
	}
	if err != nil {
		return popped{}, false, err
	}
	if res.Key == wake {
		return popped{}, false, nil
	}
	member, _ := res.Member.(string)
	return popped{shard, res.Key, member, res.Score}, true, nil
}
