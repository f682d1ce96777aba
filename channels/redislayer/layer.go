package redislayer

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
)

// Layer is a channel layer on Redis, byte-compatible with channels_redis's
// RedisChannelLayer: Go and Django processes configured with the same
// hosts, prefix and encryption keys share channels and groups.
type Layer struct {
	cfg       Config
	clients   []redis.UniversalClient
	addrs     []string // host addresses for errors, without passwords
	owned     bool     // Close closes the clients
	crypt     *fernet
	clientID  string // this layer's process id in NewChannel names
	expiry    int64  // seconds
	groupExp  int64  // seconds
	blockWait time.Duration

	sendNext  atomic.Uint32 // round-robin shard of normal channels
	recvNext  atomic.Uint32
	rotate    atomic.Uint32 // rotates the channel order of Receive
	wakeSeq   atomic.Uint64
	lastScore atomic.Uint64 // math.Float64bits of the last score given

	done       context.Context // cancelled by Close
	cancelDone context.CancelFunc
	busy       sync.WaitGroup // receive loops and blocking pops

	mu     sync.Mutex
	closed bool
	locals map[string]*localQueue // by non-local name "x!"
	loops  []*shardLoop           // by shard, created on demand
}

var (
	_ channels.Layer       = (*Layer)(nil)
	_ channels.GroupLayer  = (*Layer)(nil)
	_ channels.GroupLister = (*Layer)(nil)
	_ channels.Flusher     = (*Layer)(nil)
	_ channels.Closer      = (*Layer)(nil)
)

// New returns a layer on the hosts of cfg. It does not connect: the first
// call that needs Redis does, and a host that is down fails that call.
func New(cfg Config) (*Layer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	clients := make([]redis.UniversalClient, 0, len(cfg.Hosts))
	for _, h := range cfg.Hosts {
		opt, err := redis.ParseURL(h)
		if err != nil {
			for _, c := range clients {
				c.Close()
			}
			return nil, fmt.Errorf("redislayer: host %s: %w", redactURL(h), err)
		}
		setDefault(&opt.DialTimeout, cfg.CallTimeout)
		setDefault(&opt.ReadTimeout, cfg.CallTimeout)
		setDefault(&opt.WriteTimeout, cfg.CallTimeout)
		setDefault(&opt.PoolTimeout, cfg.CallTimeout)
		setDefault(&opt.DialerRetries, 2)
		// A retried send may be delivered twice; channel layers deliver at
		// most once.
		setDefault(&opt.MaxRetries, -1)
		opt.ContextTimeoutEnabled = true
		clients = append(clients, redis.NewClient(opt))
	}
	l, err := newLayer(clients, cfg)
	if err != nil {
		for _, c := range clients {
			c.Close()
		}
		return nil, err
	}
	l.owned = true
	return l, nil
}

// NewWithClients returns a layer on clients, one per shard in hash order;
// cfg.Hosts is ignored. Close does not close the clients. Give the clients
// ContextTimeoutEnabled, so that CallTimeout bounds every call.
func NewWithClients(clients []redis.UniversalClient, cfg Config) (*Layer, error) {
	if len(clients) == 0 {
		return nil, errors.New("redislayer: NewWithClients needs at least one client")
	}
	cfg.Hosts = nil
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg.Hosts = nil
	return newLayer(slices.Clone(clients), cfg)
}

func newLayer(clients []redis.UniversalClient, cfg Config) (*Layer, error) {
	crypt, err := newFernet(cfg.SymmetricEncryptionKeys)
	if err != nil {
		return nil, err
	}
	l := &Layer{
		cfg:       cfg,
		clients:   clients,
		crypt:     crypt,
		clientID:  uuidHex(),
		expiry:    int64(cfg.Expiry / time.Second),
		groupExp:  int64(cfg.GroupExpiry / time.Second),
		blockWait: cfg.BlockTimeout,
		locals:    make(map[string]*localQueue),
		loops:     make([]*shardLoop, len(clients)),
	}
	for i, c := range clients {
		addr := fmt.Sprintf("shard %d", i)
		if rc, ok := c.(*redis.Client); ok {
			addr = rc.Options().Addr
		}
		l.addrs = append(l.addrs, addr)
	}
	l.done, l.cancelDone = context.WithCancel(context.Background())
	return l, nil
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// uuidHex returns a random (version 4) UUID as 32 hex digits, like Python's
// uuid.uuid4().hex.
func uuidHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// Config returns the layer's configuration, with the defaults filled in.
func (l *Layer) Config() Config {
	cfg := l.cfg
	cfg.Hosts = slices.Clone(cfg.Hosts)
	cfg.ChannelCapacity = slices.Clone(cfg.ChannelCapacity)
	cfg.SymmetricEncryptionKeys = slices.Clone(cfg.SymmetricEncryptionKeys)
	return cfg
}

// ClientPrefix is the random id of this layer in the names NewChannel makes
// ("pattern.<ClientPrefix>!<suffix>"), channels_redis's client_prefix.
func (l *Layer) ClientPrefix() string { return l.clientID }

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
	added, err := sendScript.Run(cctx, l.clients[shard], []string{l.key(channels.NonLocalName(channel))},
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

// NewChannel implements channels.Layer. A plain pattern gives
// channels_redis's "pattern.<ClientPrefix>!<uuid hex>", received on
// "pattern.<ClientPrefix>!". A pattern ending in '?' gives a single-reader
// channel: the pattern and 12 random letters.
func (l *Layer) NewChannel(ctx context.Context, pattern string) (string, error) {
	single := strings.HasSuffix(pattern, "?")
	base := strings.TrimSuffix(pattern, "?")
	if strings.ContainsAny(base, "!?") {
		return "", &channels.NameError{Kind: "channel", Name: pattern, Reason: "a NewChannel pattern is a plain name, optionally ending with ?"}
	}
	if err := channels.ValidateGroup(base); err != nil { // a plain name: the rules of groups
		return "", &channels.NameError{Kind: "channel", Name: pattern, Reason: err.(*channels.NameError).Reason}
	}
	suffix := singleReaderSuffix
	if !single {
		suffix = 1 + len(l.clientID) + 1 + len(l.clientID)
	}
	if len(pattern)+suffix > channels.MaxNameLength {
		return "", &channels.NameError{Kind: "channel", Name: pattern,
			Reason: fmt.Sprintf("too long for a new channel name (at most %d characters)", channels.MaxNameLength-suffix)}
	}
	if l.isClosed() {
		return "", channels.ErrClosed
	}
	if single {
		return pattern + randomLetters(singleReaderSuffix), nil
	}
	return pattern + "." + l.clientID + "!" + uuidHex(), nil
}

const singleReaderSuffix = 12

func randomLetters(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[mrand.IntN(len(letters))]
	}
	return string(b)
}

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
	type bucket struct {
		key      string
		names    []string
		capacity int
	}
	buckets := make(map[string]*bucket)
	byShard := make([][]*bucket, len(l.clients))
	for _, name := range members.Val() {
		nonLocal := channels.NonLocalName(name)
		key := l.key(nonLocal)
		if bk := buckets[key]; bk != nil {
			bk.names = append(bk.names, name)
			continue
		}
		bk := &bucket{key: key, names: []string{name}, capacity: l.capacity(name)}
		buckets[key] = bk
		shard := consistentHash(nonLocal, len(l.clients))
		byShard[shard] = append(byShard[shard], bk)
	}
	score := formatScore(l.score(now))
	var errs []error
	for shard, bks := range byShard {
		for len(bks) > 0 {
			batch := bks[:min(len(bks), groupSendBatch)]
			bks = bks[len(batch):]
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
			over, err := groupSendScript.Run(cctx, l.clients[shard], keys, args...).Int()
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
	return errors.Join(errs...)
}

func validateMember(group, channel string) error {
	if err := channels.ValidateGroup(group); err != nil {
		return err
	}
	return channels.ValidateChannel(channel)
}

// Flush implements channels.Flusher: it deletes every key that starts with
// the layer's prefix on every host (found with SCAN, not KEYS) and drops
// the messages this process fetched but nobody received yet.
//
// Like channels_redis's flush it deletes by prefix: on a Redis shared with
// Django or with other layers whose prefix starts with this one (the
// default "asgi" matches every "asgi..." key) it deletes their channels and
// groups too. Use it on a Redis of your own, or in tests.
func (l *Layer) Flush(ctx context.Context) error {
	if l.isClosed() {
		return channels.ErrClosed
	}
	pattern := globEscape(l.cfg.Prefix) + "*"
	var errs []error
	for shard, c := range l.clients {
		if err := flushShard(ctx, l, c, pattern); err != nil {
			errs = append(errs, l.redisError("flush", shard, err))
		}
	}
	l.mu.Lock()
	for _, q := range l.locals {
		q.clear()
	}
	l.mu.Unlock()
	return errors.Join(errs...)
}

func flushShard(ctx context.Context, l *Layer, c redis.UniversalClient, pattern string) error {
	var cursor uint64
	for {
		cctx, cancel := l.callCtx(ctx)
		keys, next, err := c.Scan(cctx, cursor, pattern, 1000).Result()
		if err == nil && len(keys) > 0 {
			err = c.Del(cctx, keys...).Err()
		}
		cancel()
		if err != nil {
			return err
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// globEscape escapes the characters special to Redis's glob patterns.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Close implements channels.Closer. Blocked receives return
// channels.ErrClosed, the receive loops stop, and the clients made by New
// are closed; messages fetched for process-local channels and not yet
// received are lost. Close waits for the layer's goroutines, at most about
// BlockTimeout + CallTimeout when Redis does not answer.
func (l *Layer) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	var blocked []*shardLoop
	for _, sl := range l.loops {
		if sl != nil && sl.blocking {
			blocked = append(blocked, sl)
		}
	}
	for _, q := range l.locals {
		q.wakeAll()
	}
	l.mu.Unlock()
	l.cancelDone()
	for _, sl := range blocked {
		l.wakeLoop(sl)
	}
	waited := make(chan struct{})
	go func() {
		l.busy.Wait()
		close(waited)
	}()
	if l.owned {
		t := time.NewTimer(l.cfg.CallTimeout)
		defer t.Stop()
		select {
		case <-waited:
		case <-t.C: // Redis does not answer: closing the clients ends the loops
		}
	}
	select {
	case <-waited: // the loops are done: remove their wake keys
		for _, sl := range l.loops {
			if sl != nil {
				ctx, cancel := l.callCtx(context.Background())
				l.clients[sl.shard].Del(ctx, sl.wakeKey)
				cancel()
			}
		}
	default:
	}
	var errs []error
	if l.owned {
		for _, c := range l.clients {
			if err := c.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	<-waited
	return errors.Join(errs...)
}
