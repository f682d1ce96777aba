package redislayer

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// Batched receives. A process under load finds several messages waiting
// in its keys; it takes up to a batch of them in one round trip (popBatch).
// The receive loop of process-local names dispatches the batch to its
// queues; a receive of normal channels keeps what it does not return, in
// pop order, for the next receives of this process (prefetched).

// prefetchBatch is the most messages of normal channels one receive takes
// from Redis. They leave Redis for this process, and no longer count
// towards the channels' capacity, so the batch is small.
const prefetchBatch = 8

// localBatch is the most messages the loop of process-local names takes in
// one round trip.
const localBatch = 64

// popMany pops up to n waiting members of keys on shard, without blocking
// (a server without BZMPOP: see popBatch).
func (l *Layer) popMany(ctx context.Context, shard int, keys []string, n int) ([]popped, error) {
	cctx, cancel := l.pipedCtx(context.WithoutCancel(ctx))
	defer cancel()
	res, err := popManyScript.Run(cctx, l.cmds[shard], keys, n).Slice()
	if err != nil {
		return nil, err
	}
	if len(res)%3 != 0 {
		return nil, errors.New("unexpected pop script reply")
	}
	out := make([]popped, 0, len(res)/3)
	for i := 0; i < len(res); i += 3 {
		key, _ := res[i].(string)
		member, _ := res[i+1].(string)
		scoreText, _ := res[i+2].(string)
		score, err := strconv.ParseFloat(scoreText, 64)
		if err != nil {
			return nil, errors.New("unexpected pop script score")
		}
		out = append(out, popped{shard, key, member, score})
	}
	return out, nil
}

// takePrefetched returns the oldest prefetched message of one of names.
// l.mu is held.
func (l *Layer) takePrefetched(names []string) (delivery, bool) {
	for i, d := range l.prefetched {
		for _, name := range names {
			if d.channel == name {
				l.prefetched = append(l.prefetched[:i], l.prefetched[i+1:]...)
				return d, true
			}
		}
	}
	return delivery{}, false
}

// popNormalBatch takes up to prefetchBatch messages of normal channels on
// one shard, waiting for the first as popBatch does: it returns the first
// and keeps the others for later receives. ok is false when none came (or
// none could be opened).
func (l *Layer) popNormalBatch(ctx context.Context, keys []string) (delivery, bool, error) {
	ps, err := l.popBatch(ctx, 0, keys, prefetchBatch)
	if err != nil {
		return delivery{}, false, l.redisError("receive", 0, err)
	}
	var first delivery
	found := false
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range ps {
		c, _, ok := l.decode(p)
		if !ok {
			continue
		}
		d := delivery{strings.TrimPrefix(p.key, l.cfg.Prefix), c}
		if !found {
			first, found = d, true
			continue
		}
		l.prefetched = append(l.prefetched, d)
	}
	return first, found, nil
}

// dispatchPopped dispatches the members the loop popped to their queues.
// l.mu is held.
func (l *Layer) dispatchPopped(ps []popped) {
	for _, p := range ps {
		c, route, ok := l.decode(p)
		if !ok {
			continue
		}
		l.dispatch(l.queue(strings.TrimPrefix(p.key, l.cfg.Prefix)), route, c)
	}
}
