package redislayer

import (
	"context"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// memberPrefix is channels_redis's random prefix: 12 bytes that make every
// member of a sorted set unique.
const memberPrefix = 12

// seal makes the sorted-set member of a payload whose first memberPrefix
// bytes are reserved: random bytes, then the payload, encrypted if the
// layer has keys.
func (l *Layer) seal(p []byte, now time.Time) string {
	binary.LittleEndian.PutUint64(p[0:8], mrand.Uint64())
	binary.LittleEndian.PutUint32(p[8:12], mrand.Uint32())
	if l.crypt == nil {
		return string(p)
	}
	return string(p[:memberPrefix]) + string(l.crypt.encrypt(p[memberPrefix:], now))
}

// open decodes a member: the content, and the reserved key's value, removed
// from the content.
func (l *Layer) open(member string, now time.Time) (channels.Content, any, error) {
	if len(member) < memberPrefix {
		return nil, nil, fmt.Errorf("%w: member of %d bytes", errBadMessage, len(member))
	}
	data := []byte(member[memberPrefix:])
	if l.crypt != nil {
		var err error
		if data, err = l.crypt.decrypt(data, time.Duration(l.expiry+10)*time.Second, now); err != nil {
			return nil, nil, err
		}
	}
	c, err := decodeContent(data)
	if err != nil {
		return nil, nil, err
	}
	route, ok := c[channels.ReservedKey]
	if ok {
		delete(c, channels.ReservedKey)
	}
	return c, route, nil
}

// encode checks content for sending and encodes it: the canonical copy of
// Content.Clone, msgpack-encoded.
func (l *Layer) encode(content channels.Content) (body, error) {
	if content.Has(channels.ReservedKey) {
		return body{}, fmt.Errorf("%w: key %q is reserved", channels.ErrInvalidMessage, channels.ReservedKey)
	}
	if l.isClosed() {
		return body{}, channels.ErrClosed
	}
	c, err := content.Clone()
	if err != nil {
		return body{}, err
	}
	return encodeBody(c)
}

// Send implements channels.Layer: channels_redis's send, as one atomic
// script. It fails with a *channels.ChannelFullError at capacity and with
// an error wrapping the Redis error when Redis cannot be reached.
func (l *Layer) Send(ctx context.Context, channel string, content channels.Content) error {
	if err := channels.ValidateChannel(channel); err != nil {
		return err
	}
	b, err := l.encode(content)
	if err != nil {
		return err
	}
	var route any
	if channels.IsProcessLocal(channel) {
		route = channel
	}
	now := l.now()
	member := l.seal(b.payload(memberPrefix, route), now)
	capacity := l.capacity(channel)
	shard := l.sendShard(channel)
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	added, err := sendScript.Run(cctx, l.cmds[shard], []string{l.key(channels.NonLocalName(channel))},
		member, formatScore(l.score(now)), l.cutoff(now), capacity, l.expiry).Int()
	if err != nil {
		return l.redisError("send to "+channel, shard, err)
	}
	if added == 0 {
		return &channels.ChannelFullError{Channel: channel, Capacity: capacity}
	}
	return nil
}

func formatScore(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) }
