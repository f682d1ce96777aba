package redislayer

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
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
	data := member[memberPrefix:]
	if l.crypt != nil {
		plain, err := l.crypt.decrypt([]byte(data), time.Duration(l.expiry+10)*time.Second, now)
		if err != nil {
			return nil, nil, err
		}
		data = string(plain)
	}
	c, err := decodeString(data)
	if err != nil {
		return nil, nil, err
	}
	route, ok := c[channels.ReservedKey]
	if ok {
		delete(c, channels.ReservedKey)
	}
	return c, route, nil
}

// check refuses content that cannot be sent, and any send once l is closed.
func (l *Layer) check(content channels.Content) error {
	if content == nil {
		_, err := content.Clone() // Clone's error for nil content
		return err
	}
	if content.Has(channels.ReservedKey) {
		return fmt.Errorf("%w: key %q is reserved", channels.ErrInvalidMessage, channels.ReservedKey)
	}
	if l.isClosed() {
		return channels.ErrClosed
	}
	return nil
}

// encode checks content for sending and encodes it as Content.Clone makes
// it canonical: content in that form already, the common case, is encoded
// as it is, other content through Clone's copy.
func (l *Layer) encode(content channels.Content) (body, error) {
	if err := l.check(content); err != nil {
		return body{}, err
	}
	return canonically(content, encodeBody)
}

// canonically is encode(content), or encode of Content.Clone's copy when
// content is not canonical.
func canonically[T any](content channels.Content, encode func(channels.Content) (T, error)) (T, error) {
	out, err := encode(content)
	if !errors.Is(err, errNotCanonical) {
		return out, err
	}
	c, err := content.Clone()
	if err != nil {
		var zero T
		return zero, err
	}
	return encode(c)
}

// member encodes canonical content c as the sorted-set member Send adds
// for it: the random prefix, the msgpack map of c with the reserved key
// set to route unless route is empty, sealed. The member is its one
// allocation.
func (l *Layer) member(c channels.Content, route string, now time.Time) (string, error) {
	return l.sealMap(len(c), func(e *encoder) error { return e.entries(c) }, route, now)
}

// textMember is member of {"text": text}, encoded without the map.
func (l *Layer) textMember(text, route string, now time.Time) string {
	m, _ := l.sealMap(1, func(e *encoder) error { // strings always encode
		_ = e.enc.EncodeString("text")
		return e.enc.EncodeString(text)
	}, route, now)
	return m
}

// sealMap is member of a map of n entries that entries writes.
func (l *Layer) sealMap(n int, entries func(*encoder) error, route string, now time.Time) (string, error) {
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	e.buf.Reset()
	var prefix [memberPrefix]byte
	e.buf.Write(prefix[:])
	if route != "" {
		n++
	}
	_ = e.enc.EncodeMapLen(n) // writes to a bytes.Buffer do not fail
	if err := entries(e); err != nil {
		return "", err
	}
	if route != "" {
		_ = e.enc.EncodeString(channels.ReservedKey)
		_ = e.enc.EncodeString(route)
	}
	return l.seal(e.buf.Bytes(), now), nil
}

// Send implements channels.Layer: channels_redis's send, as one atomic
// script. It fails with a *channels.ChannelFullError at capacity and with
// an error wrapping the Redis error when Redis cannot be reached.
func (l *Layer) Send(ctx context.Context, channel string, content channels.Content) error {
	if err := channels.ValidateChannel(channel); err != nil {
		return err
	}
	if err := l.check(content); err != nil {
		return err
	}
	route, now := routeOf(channel), l.now()
	member, err := canonically(content, func(c channels.Content) (string, error) { return l.member(c, route, now) })
	if err != nil {
		return err
	}
	return l.sendMember(ctx, channel, member, now)
}

// SendText implements channels.TextSender: Send of {"text": text}, the
// member encoded without building the map.
func (l *Layer) SendText(ctx context.Context, channel, text string) error {
	if err := channels.ValidateChannel(channel); err != nil {
		return err
	}
	if l.isClosed() {
		return channels.ErrClosed
	}
	now := l.now()
	return l.sendMember(ctx, channel, l.textMember(text, routeOf(channel), now), now)
}

// routeOf is where the receive loop of the process that listens to
// channel routes a message to it: channel, when it is a process-local
// name, else nowhere ("").
func routeOf(channel string) string {
	if channels.IsProcessLocal(channel) {
		return channel
	}
	return ""
}

// sendMember adds member to channel's sorted set.
func (l *Layer) sendMember(ctx context.Context, channel, member string, now time.Time) error {
	capacity := l.capacity(channel)
	shard := l.sendShard(channel)
	cctx, cancel := l.pipedCtx(ctx)
	defer cancel()
	added, err := l.runSend(cctx, l.cmds[shard], l.key(channels.NonLocalName(channel)), member, now, capacity)
	if err != nil {
		return l.redisError("send to "+channel, shard, err)
	}
	if added == 0 {
		return &channels.ChannelFullError{Channel: channel, Capacity: capacity}
	}
	return nil
}

// runSend runs sendScript on key: EVALSHA, with the arguments boxed once
// in the command's own slice (go-redis's Script.Run copies them through
// three variadic calls: about five allocations more per send), and EVAL
// when Redis does not have the script, as Script.Run does.
func (l *Layer) runSend(ctx context.Context, c commands, key, member string, now time.Time, capacity int) (int64, error) {
	score, cutoff := l.score(now), l.cutoff(now) // go-redis writes a float64 as formatScore does
	cmd := redis.NewIntCmd(ctx, "evalsha", sendScriptSHA, 1, key, member, score, cutoff, capacity, l.expiry)
	if err := c.Process(ctx, cmd); err == nil || !redis.HasErrorPrefix(err, "NOSCRIPT") {
		return cmd.Val(), err
	}
	return sendScript.Eval(ctx, c, []string{key}, member, score, cutoff, capacity, l.expiry).Int64()
}

// sendScriptSHA is sendScript's SHA-1, boxed once.
var sendScriptSHA any = sendScript.Hash()

func formatScore(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) }
