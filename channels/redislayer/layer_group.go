package redislayer

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
)

// GroupAdd implements channels.GroupLayer: ZADD of the channel to the
// group's sorted set, scored with the time, and EXPIRE of the set.
func (l *Layer) GroupAdd(ctx context.Context, group, channel string) error {
	if err := validateMember(group, channel); err != nil {
		return err
	}
	if l.isClosed() {
		return channels.ErrClosed
	}
	shard := consistentHash(group, len(l.clients))
	key := l.groupKey(group)
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	_, err := l.clients[shard].Pipelined(cctx, func(p redis.Pipeliner) error {
		p.ZAdd(cctx, key, redis.Z{Score: float64(l.now().UnixNano()) / 1e9, Member: channel})
		p.Expire(cctx, key, time.Duration(l.groupExp)*time.Second)
		return nil
	})
	if err != nil {
		return l.redisError("group add to "+group, shard, err)
	}
	return nil
}

// GroupDiscard implements channels.GroupLayer.
func (l *Layer) GroupDiscard(ctx context.Context, group, channel string) error {
	if err := validateMember(group, channel); err != nil {
		return err
	}
	if l.isClosed() {
		return channels.ErrClosed
	}
	shard := consistentHash(group, len(l.clients))
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	if err := l.clients[shard].ZRem(cctx, l.groupKey(group), channel).Err(); err != nil {
		return l.redisError("group discard from "+group, shard, err)
	}
	return nil
}

// GroupChannels implements channels.GroupLister: the members whose
// membership has not expired, sorted.
func (l *Layer) GroupChannels(ctx context.Context, group string) ([]string, error) {
	if err := channels.ValidateGroup(group); err != nil {
		return nil, err
	}
	if l.isClosed() {
		return nil, channels.ErrClosed
	}
	shard := consistentHash(group, len(l.clients))
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	members, err := l.clients[shard].ZRangeByScore(cctx, l.groupKey(group), &redis.ZRangeBy{
		Min: "(" + strconv.FormatInt(l.now().Unix()-l.groupExp, 10), Max: "+inf",
	}).Result()
	if err != nil {
		return nil, l.redisError("group channels of "+group, shard, err)
	}
	slices.Sort(members)
	return members, nil
}

// groupSendBatch bounds the number of keys one group send script handles.
const groupSendBatch = 1000

// GroupSend implements channels.GroupLayer as channels_redis does: one
// message per channel key, whose reserved key lists the members on that
// key, so that a process gets one message for all its members. Members at
// capacity are skipped; GroupSend fails only when Redis does.
func (l *Layer) GroupSend(ctx context.Context, group string, content channels.Content) error {
	if err := channels.ValidateGroup(group); err != nil {
		return err
	}
	b, err := l.encode(content)
	if err != nil {
		return err
	}
	now := l.now()
	gshard := consistentHash(group, len(l.clients))
	gkey := l.groupKey(group)
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	var members *redis.StringSliceCmd
	_, err = l.clients[gshard].Pipelined(cctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(cctx, gkey, "0", strconv.FormatInt(now.Unix()-l.groupExp, 10))
		members = p.ZRange(cctx, gkey, 0, -1)
		return nil
	})
	if err != nil {
		return l.redisError("group send to "+group, gshard, err)
	}

	// Bucket the members by channel key, in member order.
	byShard := make([][]*groupBucket, len(l.clients))
	l.bucketMembers(members.Val(), byShard)
	score := formatScore(l.score(now))
	var errs []error
	for shard, bks := range byShard {
		for len(bks) > 0 {
			batch := bks[:min(len(bks), groupSendBatch)]
			bks = bks[len(batch):]
			over, err := l.sendGroupBatch(cctx, shard, batch, b, score, now)
			if err != nil {
				errs = append(errs, l.redisError("group send to "+group, shard, err))
				break
			}
			if over > 0 {
				l.cfg.Logger.Info("redislayer: group send skipped channels at capacity",
					"group", group, "over_capacity", over, "channels", len(members.Val()))
			}
		}
	}
	if len(errs) == 0 {
		l.cfg.Observer.GroupSent(len(members.Val()))
	}
	return errors.Join(errs...)
}

// A groupBucket is the members of a group on one channel key: one message
// of a group send, whose reserved key lists their names.
type groupBucket struct {
	key      string
	names    []string
	capacity int
}

// bucketMembers puts names, the members of a group, in buckets by channel
// key, in member order, each bucket in byShard under the shard of its key.
func (l *Layer) bucketMembers(names []string, byShard [][]*groupBucket) {
	buckets := make(map[string]*groupBucket)
	for _, name := range names {
		nonLocal := channels.NonLocalName(name)
		key := l.key(nonLocal)
		if bk := buckets[key]; bk != nil {
			bk.names = append(bk.names, name)
			continue
		}
		bk := &groupBucket{key: key, names: []string{name}, capacity: l.capacity(name)}
		buckets[key] = bk
		shard := consistentHash(nonLocal, len(l.clients))
		byShard[shard] = append(byShard[shard], bk)
	}
}

// sendGroupBatch runs groupSendScript on shard for one batch of buckets:
// the message of b for each, sealed at now and scored with score. It
// returns how many channels were skipped at capacity.
func (l *Layer) sendGroupBatch(ctx context.Context, shard int, batch []*groupBucket, b body, score string, now time.Time) (int, error) {
	keys := make([]string, len(batch))
	args := make([]any, 0, 2*len(batch)+3)
	for i, bk := range batch {
		keys[i] = bk.key
		args = append(args, l.seal(b.payload(memberPrefix, bk.names), now))
	}
	for _, bk := range batch {
		args = append(args, bk.capacity)
	}
	args = append(args, score, l.cutoff(now), l.expiry)
	return groupSendScript.Run(ctx, l.clients[shard], keys, args...).Int()
}

func validateMember(group, channel string) error {
	if err := channels.ValidateGroup(group); err != nil {
		return err
	}
	return channels.ValidateChannel(channel)
}
