package redislayer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
)

// PubSubLayer is a channel layer on Redis publish/subscribe, wire-compatible
// with channels_redis's RedisPubSubChannelLayer: Send is PUBLISH to the
// channel's name as given, a group is the Redis channel
// prefix+"__group__"+group, and a message is the bare msgpack map of its
// content. Go and Django processes on the same hosts and prefix reach each
// other's channels and groups.
//
// Its guarantees are those of pub/sub: at most once, and only to a process
// that listens when the message is published (Receive, Listen or GroupAdd
// made it listen). Every process that listens to a channel gets each
// message: run one worker process per channel (several would each consume
// every message), as a Django deployment on this layer runs its consumers
// in its interface servers. There is no capacity (Send never fails with
// ErrChannelFull), no expiry, no flush and no group expiry. Group membership
// lives in the process that called GroupAdd: a group message reaches the
// members this process receives for, and is forwarded (published) to the
// members it added for other processes, such as the reply channels of an
// interface server run apart from its workers.
type PubSubLayer struct {
	cfg     PubSubConfig
	clients []*redis.Client
	subs    []*redis.PubSub
	id      string
	done    context.Context
	stop    context.CancelFunc
	readers sync.WaitGroup

	mu         sync.Mutex
	closed     bool
	queues     map[string]*psQueue        // by receive name: a channel, or "x!" for its local channels
	groups     map[string]map[string]bool // group channel -> member channels added here
	subscribed map[string]*subscription   // Redis channels and patterns
	// sent and arrived count, by receive name, the messages this process
	// published to a name it listens to, and those that came back: Send
	// waits for its own (see awaitOwn).
	sent, arrived map[string]uint64
	arrivals      chan struct{} // made by a waiting Send, closed at the next arrival or Close
	rotate        atomic.Uint32 // rotates the channel order of Receive
}

// PubSubConfig configures a PubSubLayer.
type PubSubConfig struct {
	// Hosts are the Redis servers ("redis://host:port/db"); with several,
	// a channel or group lives on the host of its hash, as channels_redis
	// places them. Default: DefaultHost.
	Hosts []string
	// Prefix starts the names NewChannel makes and the group channels
	// (default "asgi").
	Prefix string
	// QueueLimit is the most messages kept for one received name (default
	// 1000); more are dropped, and logged, rather than held without bound.
	QueueLimit int
	// CallTimeout bounds every Redis call (default 5 s).
	CallTimeout time.Duration
	// Logger receives the layer's warnings (default slog.Default()).
	Logger *slog.Logger
}

var (
	_ channels.GroupLayer = (*PubSubLayer)(nil)
	_ channels.Closer     = (*PubSubLayer)(nil)
	_ channels.Listener   = (*PubSubLayer)(nil)
)

// psQueue holds the messages received for one name.
type psQueue struct {
	items   []delivery
	waiters []chan struct{}
}

// NewPubSub returns a pub/sub layer on the hosts of cfg. It connects when
// first used.
func NewPubSub(cfg PubSubConfig) (*PubSubLayer, error) {
	if len(cfg.Hosts) == 0 {
		cfg.Hosts = []string{DefaultHost}
	}
	setDefault(&cfg.Prefix, DefaultPrefix)
	setDefault(&cfg.QueueLimit, 1000)
	setDefault(&cfg.CallTimeout, DefaultCallTimeout)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &PubSubLayer{cfg: cfg, id: uuidHex(), queues: make(map[string]*psQueue),
		groups: make(map[string]map[string]bool), subscribed: make(map[string]*subscription),
		sent: make(map[string]uint64), arrived: make(map[string]uint64)}
	for _, h := range cfg.Hosts {
		opt, err := redis.ParseURL(h)
		if err != nil {
			l.closeClients()
			return nil, fmt.Errorf("redislayer: host %s: %w", redactURL(h), err)
		}
		clientDefaults(&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.PoolTimeout,
			&opt.DialerRetries, &opt.MaxRetries, Config{CallTimeout: cfg.CallTimeout})
		// RESP2, as channels_redis speaks: published messages come as
		// replies, never through RESP3's push-notification handling.
		setDefault(&opt.Protocol, 2)
		l.clients = append(l.clients, redis.NewClient(opt))
	}
	l.done, l.stop = context.WithCancel(context.Background())
	for shard, c := range l.clients {
		ps := c.Subscribe(l.done) // no channel yet: connects on the first subscription
		l.subs = append(l.subs, ps)
		l.readers.Add(1)
		go l.read(shard, ps)
	}
	return l, nil
}

// OpenPubSub returns a pub/sub layer for a URL:
// redis+pubsub://host:port/db?prefix=asgi&host=redis+pubsub://other:6379/0.
func OpenPubSub(rawURL string) (*PubSubLayer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "redis+pubsub" {
		return nil, fmt.Errorf("redislayer: %s is not a redis+pubsub:// URL", redactURL(rawURL))
	}
	cfg := PubSubConfig{}
	q := u.Query()
	if q.Has(paramPrefix) {
		cfg.Prefix = q.Get(paramPrefix)
	}
	if v := q.Get(paramCallTimeout); v != "" {
		if cfg.CallTimeout, err = parseSeconds(v); err != nil {
			return nil, fmt.Errorf("redislayer: call_timeout=%q: %v", v, err)
		}
	}
	hosts := append([]string{rawURL}, q[paramHost]...)
	for _, h := range hosts {
		hu, err := url.Parse(h)
		if err != nil {
			return nil, fmt.Errorf("redislayer: host %s: %v", redactURL(h), err)
		}
		hu.Scheme = "redis"
		hq := hu.Query()
		for _, p := range []string{paramPrefix, paramCallTimeout, paramHost} {
			hq.Del(p)
		}
		hu.RawQuery = hq.Encode()
		cfg.Hosts = append(cfg.Hosts, hu.String())
	}
	return NewPubSub(cfg)
}

func (l *PubSubLayer) shard(name string) int { return consistentHash(name, len(l.clients)) }

func (l *PubSubLayer) groupChannel(group string) string { return l.cfg.Prefix + "__group__" + group }

func (l *PubSubLayer) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, l.cfg.CallTimeout)
}

func (l *PubSubLayer) unavailable(op string, err error) error {
	return fmt.Errorf("redislayer: pubsub %s: %w: %w", op, channels.ErrLayerUnavailable, err)
}

// Send implements channels.Layer: PUBLISH to the channel's name.
func (l *PubSubLayer) Send(ctx context.Context, channel string, content channels.Content) error {
	if err := channels.ValidateChannel(channel); err != nil {
		return err
	}
	return l.publish(ctx, channel, content)
}

func (l *PubSubLayer) publish(ctx context.Context, name string, content channels.Content) error {
	if content.Has(channels.ReservedKey) {
		return fmt.Errorf("%w: key %q is reserved", channels.ErrInvalidMessage, channels.ReservedKey)
	}
	c, err := content.Clone()
	if err != nil {
		return err
	}
	b, err := encodeBody(c)
	if err != nil {
		return err
	}
	rn := receiveName(name)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return channels.ErrClosed
	}
	var ticket uint64
	if l.queues[rn] != nil {
		l.sent[rn]++
		ticket = l.sent[rn]
	}
	l.mu.Unlock()
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	if err := l.clients[l.shard(name)].Publish(cctx, name, b.payload(0, nil)).Err(); err != nil {
		return l.unavailable("publish to "+name, err)
	}
	if ticket > 0 {
		l.awaitOwn(cctx, rn, ticket)
	}
	return nil
}

// awaitOwn waits until a message this process published to a name it
// listens to has come back, so that a Receive right after Send finds it,
// as with a queued layer.
func (l *PubSubLayer) awaitOwn(ctx context.Context, name string, ticket uint64) {
	for {
		l.mu.Lock()
		if l.arrived[name] >= ticket || l.closed {
			l.mu.Unlock()
			return
		}
		if l.arrivals == nil {
			l.arrivals = make(chan struct{})
		}
		next := l.arrivals
		l.mu.Unlock()
		select {
		case <-next:
		case <-ctx.Done():
			return
		}
	}
}

// NewChannel implements channels.Layer: names are made as the core
// layer makes them, and the process listens on a process-local one's
// prefix as soon as it receives on it.
func (l *PubSubLayer) NewChannel(ctx context.Context, pattern string) (string, error) {
	if l.isClosed() {
		return "", channels.ErrClosed
	}
	return newChannelName(pattern, l.id)
}

func (l *PubSubLayer) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// Close implements channels.Closer.
func (l *PubSubLayer) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	if l.arrivals != nil {
		close(l.arrivals)
		l.arrivals = nil
	}
	for _, q := range l.queues {
		for _, w := range q.waiters {
			select { // Receive finds the layer closed
			case w <- struct{}{}:
			default:
			}
		}
	}
	l.mu.Unlock()
	l.stop()
	for _, ps := range l.subs {
		ps.Close()
	}
	l.readers.Wait()
	return errors.Join(l.closeClients())
}

func (l *PubSubLayer) closeClients() error {
	var errs []error
	for _, c := range l.clients {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
