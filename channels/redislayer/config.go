package redislayer

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// Defaults of a Config, those of channels_redis's RedisChannelLayer.
const (
	DefaultHost         = "redis://localhost:6379/0"
	DefaultPrefix       = "asgi"
	DefaultCallTimeout  = 5 * time.Second
	DefaultBlockTimeout = 5 * time.Second
)

// Config configures a Layer. The zero value gives the defaults of
// channels_redis: one host at redis://localhost:6379/0, prefix "asgi",
// capacity 100, expiry 60 s and group expiry 86400 s.
type Config struct {
	// Hosts are the Redis servers, as URLs ("redis://[:password@]host:port/db",
	// "rediss://..." for TLS, "unix:///path?db=0", or
	// "redis+sentinel://sentinel:26379,.../db?master_name=NAME" for a master
	// found through Redis Sentinel), with go-redis's query options. With several hosts, process-local channels and groups are
	// placed by consistent hashing and normal channels round-robin, as
	// channels_redis does: every process must list the same hosts in the
	// same order. Default: DefaultHost.
	Hosts []string

	// Prefix starts every key the layer writes (default "asgi", with no
	// separator: channel "chat" is key "asgichat", group "g" is key
	// "asgi:group:g").
	Prefix string

	// Capacity is the number of unread messages a channel holds before Send
	// fails with channels.ErrChannelFull (default 100). Process-local
	// channels count on their non-local name.
	Capacity int

	// ChannelCapacity overrides Capacity for channel names matching a glob
	// (channels_redis's channel_capacity); the first match wins.
	ChannelCapacity []channels.CapacityRule

	// Expiry is how long an unread message is kept (default 60 s). It is
	// rounded up to whole seconds: Redis and channels_redis count seconds.
	Expiry time.Duration

	// GroupExpiry is how long a group membership lasts after its last
	// GroupAdd (default 86400 s), rounded up to whole seconds.
	GroupExpiry time.Duration

	// SymmetricEncryptionKeys, when set, encrypt message bodies as
	// channels_redis's symmetric_encryption_keys do (Fernet, with the key
	// derived by SHA-256 of each secret): the first key encrypts, every key
	// decrypts, which lets keys be rotated.
	SymmetricEncryptionKeys []string

	// NoAutoPipelining sends every command on its own instead of through
	// go-redis's automatic pipeliner, which lets concurrent commands share
	// round trips (see the package documentation).
	NoAutoPipelining bool

	// CallTimeout bounds every Redis call (default 5 s). A blocking receive
	// may last BlockTimeout longer.
	CallTimeout time.Duration

	// BlockTimeout is how long one blocking pop waits in Redis before it is
	// issued again (default 5 s, channels_redis's brpop_timeout), rounded up
	// to whole seconds. A process-local name nobody receives on any more
	// stops being fetched after about this long.
	BlockTimeout time.Duration

	// Logger receives the layer's warnings: messages dropped because they
	// could not be decoded, group members skipped at capacity, receive
	// loop failures (default slog.Default()).
	Logger *slog.Logger

	// Now is the layer's clock, read for message scores, expiry and
	// encryption timestamps (default time.Now). Tests set it, together with
	// a simulated Redis whose clock they move (miniredis's FastForward).
	Now func() time.Time

	// Observer is told the size of every group send; nil observes nothing.
	Observer channels.Observer
}

// withDefaults returns cfg with its zero fields set to the defaults and its
// durations rounded to whole seconds.
func (cfg Config) withDefaults() (Config, error) {
	if len(cfg.Hosts) == 0 {
		cfg.Hosts = []string{DefaultHost}
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = channels.DefaultCapacity
	}
	cfg.Expiry = wholeSeconds(cfg.Expiry, channels.DefaultExpiry)
	cfg.GroupExpiry = wholeSeconds(cfg.GroupExpiry, channels.DefaultGroupExpiry)
	cfg.BlockTimeout = wholeSeconds(cfg.BlockTimeout, DefaultBlockTimeout)
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Observer == nil {
		cfg.Observer = channels.NopObserver{}
	}
	for _, r := range cfg.ChannelCapacity {
		if _, err := path.Match(r.Pattern, ""); err != nil {
			return cfg, fmt.Errorf("redislayer: channel capacity pattern %q: %w", r.Pattern, err)
		}
		if r.Capacity <= 0 {
			return cfg, fmt.Errorf("redislayer: channel capacity for %q must be positive, not %d", r.Pattern, r.Capacity)
		}
	}
	return cfg, nil
}

// wholeSeconds rounds d up to a whole number of seconds, or returns def when
// d is not positive.
func wholeSeconds(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return (d + time.Second - 1) / time.Second * time.Second
}

// Layer query parameters understood by ParseURL. Every other parameter is
// left on the host URL for go-redis.
const (
	paramCapacity        = "capacity"
	paramChannelCapacity = "channel_capacity"
	paramExpiry          = "expiry"
	paramGroupExpiry     = "group_expiry"
	paramPrefix          = "prefix"
	paramHost            = "host"
	paramEncryptionKey   = "symmetric_encryption_key"
	paramCallTimeout     = "call_timeout"
	paramBlockTimeout    = "block_timeout"
	paramAutoPipelining  = "auto_pipelining"
)

// ParseURL parses a layer URL, the one-string form of Django's
// CHANNEL_LAYERS settings:
//
//	redis://host:port/db?capacity=100&expiry=60&group_expiry=86400&prefix=asgi&host=redis://other:6379/0
//
// The URL itself is the first host; each host parameter adds one. The
// layer parameters are
//
//	capacity=N                    Config.Capacity
//	channel_capacity=GLOB:N       one Config.ChannelCapacity rule (repeatable, in order)
//	expiry=SECONDS                Config.Expiry
//	group_expiry=SECONDS          Config.GroupExpiry
//	prefix=STRING                 Config.Prefix
//	host=URL                      one more Config.Hosts entry (repeatable, in order)
//	symmetric_encryption_key=KEY  one Config.SymmetricEncryptionKeys entry (repeatable, first encrypts)
//	call_timeout=DURATION         Config.CallTimeout
//	block_timeout=DURATION        Config.BlockTimeout
//	auto_pipelining=false         Config.NoAutoPipelining
//
// Durations are whole seconds ("60") or Go durations ("1m"). Other
// parameters (password, dial_timeout, pool_size, ...) are go-redis options
// and stay on the first host's URL. Schemes are redis, rediss and unix,
// and redis+sentinel (rediss+sentinel) for a master found through Redis
// Sentinel (see sentinel.go):
//
//	redis+sentinel://:password@sentinel1:26379,sentinel2:26379/0?master_name=mymaster&capacity=100
func ParseURL(rawURL string) (Config, error) {
	var cfg Config
	u, err := url.Parse(rawURL)
	if err != nil {
		return cfg, fmt.Errorf("redislayer: %w", err)
	}
	switch u.Scheme {
	case "redis", "rediss", "unix", "redis+sentinel", "rediss+sentinel":
	default:
		return cfg, fmt.Errorf("redislayer: URL scheme %q is not redis, rediss, unix or redis+sentinel", u.Scheme)
	}
	q := u.Query()
	errs := parseLayerParams(q, &cfg)
	others := q[paramHost]
	for _, p := range []string{paramCapacity, paramChannelCapacity, paramExpiry, paramGroupExpiry, paramPrefix,
		paramHost, paramEncryptionKey, paramCallTimeout, paramBlockTimeout, paramAutoPipelining} {
		q.Del(p)
	}
	u.RawQuery = q.Encode()
	cfg.Hosts = append([]string{u.String()}, others...)
	for _, h := range cfg.Hosts {
		if err := checkHostURL(h); err != nil {
			errs = append(errs, fmt.Errorf("host %s: %v", redactURL(h), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("redislayer: bad layer URL %s: %w", redactURL(rawURL), err)
	}
	return cfg, nil
}

// parseLayerParams sets the fields of cfg that the layer parameters of q
// give, and returns what is wrong with them.
func parseLayerParams(q url.Values, cfg *Config) []error {
	var errs []error
	intParam := func(name string, dst *int) {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				errs = append(errs, fmt.Errorf("%s=%q is not a positive integer", name, v))
			}
			*dst = n
		}
	}
	durParam := func(name string, dst *time.Duration) {
		if v := q.Get(name); v != "" {
			d, err := parseSeconds(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", name, v, err))
			}
			*dst = d
		}
	}
	intParam(paramCapacity, &cfg.Capacity)
	durParam(paramExpiry, &cfg.Expiry)
	durParam(paramGroupExpiry, &cfg.GroupExpiry)
	durParam(paramCallTimeout, &cfg.CallTimeout)
	durParam(paramBlockTimeout, &cfg.BlockTimeout)
	if q.Has(paramPrefix) {
		cfg.Prefix = q.Get(paramPrefix)
	}
	for _, v := range q[paramChannelCapacity] {
		glob, n, ok := strings.Cut(v, ":")
		c, err := strconv.Atoi(n)
		if !ok || glob == "" || err != nil || c <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q is not GLOB:N", paramChannelCapacity, v))
			continue
		}
		cfg.ChannelCapacity = append(cfg.ChannelCapacity, channels.CapacityRule{Pattern: glob, Capacity: c})
	}
	cfg.SymmetricEncryptionKeys = q[paramEncryptionKey]
	if v := q.Get(paramAutoPipelining); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not true or false", paramAutoPipelining, v))
		}
		cfg.NoAutoPipelining = !on
	}
	return errs
}

// parseSeconds reads a whole number of seconds or a Go duration.
func parseSeconds(v string) (time.Duration, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 || n > int64(time.Duration(1<<62)/time.Second) {
			return 0, errors.New("out of range")
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("neither seconds nor a duration")
	}
	if d <= 0 {
		return 0, errors.New("not positive")
	}
	return d, nil
}

// RedactURL hides the secrets of a layer URL, for errors and logs: the
// password of its user info, the password, sentinel_password and
// symmetric_encryption_key parameters, and those of the host= URLs in it.
func RedactURL(raw string) string { return redactURL(raw) }

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	q := u.Query()
	for _, p := range []string{paramEncryptionKey, "password", paramSentinelPassword} {
		if q.Has(p) {
			vs := q[p]
			for i := range vs {
				vs[i] = "xxxxx"
			}
		}
	}
	for i, h := range q[paramHost] {
		q[paramHost][i] = redactURL(h)
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}

// Open returns a layer configured by a URL in ParseURL's format.
func Open(rawURL string) (*Layer, error) {
	cfg, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return New(cfg)
}
