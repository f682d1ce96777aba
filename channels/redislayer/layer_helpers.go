package redislayer

import (
	"context"
	"fmt"
	"math"
	"path"
	"strings"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// now is the layer's clock.
func (l *Layer) now() time.Time { return l.cfg.Now() }

// score returns a message score for now: Unix seconds as a float, as
// Python's time.time(), made strictly increasing within the layer so that
// the messages of one sender keep their order even when the clock does not
// move between two sends.
func (l *Layer) score(now time.Time) float64 {
	s := float64(now.UnixNano()) / 1e9
	for {
		last := l.lastScore.Load()
		next := s
		if lf := math.Float64frombits(last); next <= lf {
			next = math.Nextafter(lf, math.Inf(1))
		}
		if l.lastScore.CompareAndSwap(last, math.Float64bits(next)) {
			return next
		}
	}
}

// cutoff is the highest score of an expired message: channels_redis's
// int(time.time()) - expiry.
func (l *Layer) cutoff(now time.Time) int64 { return now.Unix() - l.expiry }

func (l *Layer) key(name string) string { return l.cfg.Prefix + name }

func (l *Layer) groupKey(group string) string { return l.cfg.Prefix + ":group:" + group }

// sendShard is the shard a message to channel goes to: the hash of the
// non-local name for process-local and single-reader channels, the next
// shard in turn for the others.
func (l *Layer) sendShard(channel string) int {
	n := len(l.clients)
	if n == 1 {
		return 0
	}
	if strings.ContainsAny(channel, "!?") {
		return consistentHash(channels.NonLocalName(channel), n)
	}
	return int(l.sendNext.Add(1)-1) % n
}

func (l *Layer) capacity(channel string) int {
	for _, r := range l.cfg.ChannelCapacity {
		if ok, _ := path.Match(r.Pattern, channel); ok {
			return r.Capacity
		}
	}
	return l.cfg.Capacity
}

func (l *Layer) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, l.cfg.CallTimeout)
}

// pipedCtx is callCtx for a command issued through l.cmds. The pipeliner
// does not honour a deadline once the command is queued, and the clients
// New makes bound every read and write by CallTimeout: with those, it adds
// no timer (and no allocation) to the command.
func (l *Layer) pipedCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return boundedCtx(ctx, l.cfg.CallTimeout, l.untimedPipes())
}

// boundedCtx is ctx bounded by timeout, or ctx itself when the connection
// bounds the call instead (untimed).
func boundedCtx(ctx context.Context, timeout time.Duration, untimed bool) (context.Context, context.CancelFunc) {
	if untimed {
		return ctx, noCancel
	}
	return context.WithTimeout(ctx, timeout)
}

// untimedPipes reports whether commands through l.cmds go without a
// context deadline (see pipedCtx).
func (l *Layer) untimedPipes() bool { return l.owned && !l.cfg.NoAutoPipelining }

func noCancel() {}

func (l *Layer) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// redisError wraps an error of a Redis call with what the layer was doing
// and where.
func (l *Layer) redisError(op string, shard int, err error) error {
	return fmt.Errorf("redislayer: %s on %s: %w: %w", op, l.addrs[shard], channels.ErrLayerUnavailable, err)
}

// Ping implements channels.Pinger: every host answers PING within
// CallTimeout, or the error matches channels.ErrLayerUnavailable.
func (l *Layer) Ping(ctx context.Context) error {
	for i, c := range l.clients {
		cctx, cancel := l.callCtx(ctx)
		err := c.Ping(cctx).Err()
		cancel()
		if err != nil {
			return l.redisError("ping", i, err)
		}
	}
	return nil
}
