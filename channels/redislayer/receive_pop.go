package redislayer

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
)

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
