package redislayer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/redis/go-redis/v9"
)

// DefaultSessionPrefix starts the keys of a SessionStore by default. It
// does not start with the layer's default prefix, so that Flush leaves the
// sessions alone.
const DefaultSessionPrefix = "channels:session:"

// SessionConfig configures a SessionStore. The zero value gives the
// defaults.
type SessionConfig struct {
	// Prefix starts every session key (default DefaultSessionPrefix).
	Prefix string
	// MaxAge is how long a session lives after its last Save (default
	// channels.DefaultSessionAge, two weeks), rounded up to whole seconds.
	MaxAge time.Duration
	// CallTimeout bounds every Redis call (default 5 s).
	CallTimeout time.Duration
}

// SessionStore is a channels.SessionStore in Redis: each session is one
// string key, Prefix + session key, holding the msgpack encoding of its
// values (which keeps bytes and text apart, as the layer does) and
// expiring MaxAge after its last Save. With several clients, sessions are
// spread over them by the consistent hash of their key.
//
// The encoding is the layer's, not Django's session format: Django's
// session backends cannot read these sessions, nor the store theirs.
type SessionStore struct {
	cmds    []commands // the clients, through their pipeliners (pipelining.go)
	untimed bool       // cmds need no context deadline (see Layer.pipedCtx)
	cfg     SessionConfig
}

var _ channels.SessionStore = (*SessionStore)(nil)

// NewSessionStore returns a store on clients, which it does not close. Its
// commands go through the clients' automatic pipeliners, as the layer's
// do.
func NewSessionStore(clients []redis.UniversalClient, cfg SessionConfig) (*SessionStore, error) {
	if len(clients) == 0 {
		return nil, errors.New("redislayer: NewSessionStore needs at least one client")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultSessionPrefix
	}
	cfg.MaxAge = wholeSeconds(cfg.MaxAge, channels.DefaultSessionAge)
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	return &SessionStore{cmds: pipelinedAll(clients, false), cfg: cfg}, nil
}

// SessionStore returns a store on the layer's Redis hosts. It stays usable
// until the layer is closed.
func (l *Layer) SessionStore(cfg SessionConfig) *SessionStore {
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = l.cfg.CallTimeout
	}
	s, _ := NewSessionStore(l.clients, cfg) // l.clients is never empty
	s.cmds, s.untimed = l.cmds, l.untimedPipes()
	return s
}

// callCtx bounds a call by CallTimeout, unless the pipeliner's connection
// does.
func (s *SessionStore) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return boundedCtx(ctx, s.cfg.CallTimeout, s.untimed)
}

// Load implements channels.SessionStore. A missing or expired session
// gives nil values and no error.
func (s *SessionStore) Load(ctx context.Context, key string) (channels.Content, error) {
	c := s.cmds[consistentHash(key, len(s.cmds))]
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	// MGET of one key, not GET: a connection without a session is the
	// common case, and GET answers it with the error redis.Nil, whose
	// handling costs go-redis a dozen allocations; MGET answers [nil].
	found, err := c.MGet(cctx, s.cfg.Prefix+key).Result()
	if err != nil {
		return nil, fmt.Errorf("redislayer: loading session: %w", err)
	}
	if len(found) != 1 || found[0] == nil {
		return nil, nil
	}
	data, ok := found[0].(string)
	if !ok {
		return nil, fmt.Errorf("redislayer: loading session: a %T, not a string", found[0])
	}
	values, err := decodeString(data)
	if err != nil {
		return nil, fmt.Errorf("redislayer: loading session: %w", err)
	}
	return values, nil
}

// Save implements channels.SessionStore: it replaces the session's values
// and restarts its MaxAge.
func (s *SessionStore) Save(ctx context.Context, key string, values channels.Content) error {
	v, err := values.Clone()
	if err != nil {
		return err
	}
	b, err := encodeBody(v)
	if err != nil {
		return err
	}
	c := s.cmds[consistentHash(key, len(s.cmds))]
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	if err := c.Set(cctx, s.cfg.Prefix+key, b.payload(0, nil), s.cfg.MaxAge).Err(); err != nil {
		return fmt.Errorf("redislayer: saving session: %w", err)
	}
	return nil
}

// Delete implements channels.SessionStore.
func (s *SessionStore) Delete(ctx context.Context, key string) error {
	c := s.cmds[consistentHash(key, len(s.cmds))]
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	if err := c.Del(cctx, s.cfg.Prefix+key).Err(); err != nil {
		return fmt.Errorf("redislayer: deleting session: %w", err)
	}
	return nil
}
