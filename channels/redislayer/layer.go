package redislayer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
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
	cmds      []commands // the clients' non-blocking commands (pipelining.go), by shard
	addrs     []string   // host addresses for errors, without passwords
	owned     bool       // Close closes the clients
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
	noBZMPop  atomic.Bool   // a host has no BZMPOP (Redis < 7): see popBatch

	done       context.Context // cancelled by Close
	cancelDone context.CancelFunc
	busy       sync.WaitGroup // receive loops and blocking pops

	mu     sync.Mutex
	closed bool
	locals map[string]*localQueue // by non-local name "x!"
	// prefetched holds messages of normal channels popped in a batch and
	// not received yet, in pop order (receive_batch.go).
	prefetched []delivery
	loops      []*shardLoop // by shard, created on demand
}

var (
	_ channels.Layer       = (*Layer)(nil)
	_ channels.GroupLayer  = (*Layer)(nil)
	_ channels.GroupLister = (*Layer)(nil)
	_ channels.Flusher     = (*Layer)(nil)
	_ channels.Closer      = (*Layer)(nil)
	_ channels.TextSender  = (*Layer)(nil)
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
		c, err := newClient(h, cfg)
		if err != nil {
			for _, c := range clients {
				c.Close()
			}
			return nil, fmt.Errorf("redislayer: host %s: %w", redactURL(h), err)
		}
		clients = append(clients, c)
	}
	l, err := newLayer(clients, cfg)
	if err != nil {
		for _, c := range clients {
			c.Close()
		}
		return nil, err
	}
	l.owned = true
	for i, h := range cfg.Hosts {
		if opt, err := sentinelOptions(h); err == nil && isSentinelURL(h) {
			l.addrs[i] = "master " + opt.MasterName + " of sentinels " + strings.Join(opt.SentinelAddrs, ",")
		}
	}
	return l, nil
}

// newClient makes the client of a host URL, with the layer's timeouts
// unless the URL sets them.
func newClient(host string, cfg Config) (redis.UniversalClient, error) {
	if isSentinelURL(host) {
		opt, err := sentinelOptions(host)
		if err != nil {
			return nil, err
		}
		clientDefaults(&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.PoolTimeout,
			&opt.DialerRetries, &opt.MaxRetries, cfg)
		opt.ContextTimeoutEnabled = true
		return redis.NewFailoverClient(opt), nil
	}
	opt, err := redis.ParseURL(host)
	if err != nil {
		return nil, err
	}
	clientDefaults(&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.PoolTimeout,
		&opt.DialerRetries, &opt.MaxRetries, cfg)
	opt.ContextTimeoutEnabled = true
	return redis.NewClient(opt), nil
}

// clientDefaults sets the timeouts to CallTimeout, dial retries to 2 and
// command retries off, where the URL left them unset: a retried send may
// be delivered twice, and channel layers deliver at most once.
func clientDefaults(dial, read, write, pool *time.Duration, dialRetries, retries *int, cfg Config) {
	for _, d := range []*time.Duration{dial, read, write, pool} {
		setDefault(d, cfg.CallTimeout)
	}
	setDefault(dialRetries, 2)
	setDefault(retries, -1)
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
		cmds:      pipelinedAll(clients, cfg.NoAutoPipelining),
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

// NewChannel implements channels.Layer. A plain pattern gives
// channels_redis's "pattern.<ClientPrefix>!<uuid hex>", received on
// "pattern.<ClientPrefix>!". A pattern ending in '?' gives a single-reader
// channel: the pattern and 12 random letters.
func (l *Layer) NewChannel(ctx context.Context, pattern string) (string, error) {
	if l.isClosed() {
		return "", channels.ErrClosed
	}
	return newChannelName(pattern, l.clientID)
}

// newChannelName makes a new channel name of pattern for the process id:
// pattern+random for a single-reader pattern ("x?"), otherwise
// "pattern.id!random".
func newChannelName(pattern, id string) (string, error) {
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
		suffix = 1 + len(id) + 1 + len(id)
	}
	if len(pattern)+suffix > channels.MaxNameLength {
		return "", &channels.NameError{Kind: "channel", Name: pattern,
			Reason: fmt.Sprintf("too long for a new channel name (at most %d characters)", channels.MaxNameLength-suffix)}
	}
	if single {
		return pattern + randomLetters(singleReaderSuffix), nil
	}
	return pattern + "." + id + "!" + uuidHex(), nil
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
