package redislayer

import (
	"context"
	"slices"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
)

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
