package redislayer

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
)

// Blocking pops. A receive waits in Redis for the first message of its
// keys. On Redis 7 and later one BZMPOP does it and takes, in the same
// round trip, what else waits in that key, up to a batch: an idle process
// pays one round trip per message, and one under load gets several per
// round trip. Older servers have no BZMPOP; at the first "unknown command"
// the layer falls back to what works on Redis 5: a script that pops what
// waits (popMany) and, when nothing does, BZPOPMIN, two round trips for a
// message that was not yet there.

// popBatch pops up to n members of keys on shard: those waiting, or
// else the first to come within BlockTimeout. It returns none when the
// wait timed out or ctx ended it (see blockPop).
func (l *Layer) popBatch(ctx context.Context, shard int, keys []string, n int) ([]popped, error) {
	if ps, ok, err := l.bzmpop(ctx, shard, keys, n); ok {
		return ps, err
	}
	if n > 1 {
		if ps, err := l.popMany(ctx, shard, keys, n); err != nil || len(ps) > 0 {
			return ps, err
		}
	}
	return l.blockPop(ctx, shard, keys, 1)
}

// bzmpop pops as popBatch does, with one BZMPOP; ok is false, and nothing
// is popped, when n < 2 or the server has no BZMPOP (or a host was found
// without it before).
func (l *Layer) bzmpop(ctx context.Context, shard int, keys []string, n int) (ps []popped, ok bool, err error) {
	if n < 2 || l.noBZMPop.Load() {
		return nil, false, nil
	}
	ps, err = l.blockPop(ctx, shard, keys, n)
	if unknownCommand(err) {
		if l.noBZMPop.CompareAndSwap(false, true) { // said once, whoever finds it
			l.cfg.Logger.Info("redislayer: the server has no BZMPOP (Redis before 7); receiving with BZPOPMIN",
				"host", l.addrs[shard])
		}
		return nil, false, nil
	}
	return ps, true, err
}

// unknownCommand tells whether err is the server's answer to a command it
// does not have (or that its configuration renamed away).
func unknownCommand(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "ERR unknown command")
}

// bzpopmin waits for one member of keys on shard, as blockPop does.
func (l *Layer) bzpopmin(ctx context.Context, shard int, keys []string) (popped, bool, error) {
	ps, err := l.blockPop(ctx, shard, keys, 1)
	if err != nil || len(ps) == 0 {
		return popped{}, false, err
	}
	return ps[0], true, nil
}

// blockPop runs BZPOPMIN on keys (BZMPOP with a count when n > 1) for up to
// BlockTimeout. When ctx is done first, it adds to a wake key of its own
// that it also waits on, so that the pop returns without abandoning a
// message Redis may be sending; it returns no member then.
func (l *Layer) blockPop(ctx context.Context, shard int, keys []string, n int) ([]popped, error) {
	if ctx != l.done { // the loops are counted in l.busy already
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, channels.ErrClosed
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
	ps, err := l.popCommand(cctx, shard, keys, n)
	if !stop() {
		<-woke
		dctx, cancel := l.callCtx(context.Background())
		l.clients[shard].Del(dctx, wake)
		cancel()
	}
	if errors.Is(err, redis.Nil) || len(ps) > 0 && ps[0].key == wake {
		return nil, nil
	}
	return ps, err
}

// popCommand is the blocking pop itself: BZPOPMIN for one member, BZMPOP
// for up to n of the first key that has any.
func (l *Layer) popCommand(ctx context.Context, shard int, keys []string, n int) ([]popped, error) {
	c := l.clients[shard]
	if n == 1 {
		res, err := c.BZPopMin(ctx, l.blockWait, keys...).Result()
		if err != nil {
			return nil, err
		}
		member, _ := res.Member.(string)
		return []popped{{shard, res.Key, member, res.Score}}, nil
	}
	key, zs, err := c.BZMPop(ctx, l.blockWait, "min", int64(n), keys...).Result()
	if err != nil {
		return nil, err
	}
	ps := make([]popped, len(zs))
	for i, z := range zs {
		member, _ := z.Member.(string)
		ps[i] = popped{shard, key, member, z.Score}
	}
	return ps, nil
}
