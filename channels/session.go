package channels

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Session is a set of key/value pairs kept between messages: the channel
// session of a connection, or the HTTP session of a browser. Values are in
// the ASGI value set (see Content). A Session belongs to the message being
// consumed and is not safe for concurrent use.
//
// A session from OpenSession is read from its store when first used, as
// Django's sessions are: a message whose consumer never looks at its
// session costs the store nothing. If that read fails, the session reads as
// empty and Load returns the error; the middleware that opened it then
// returns the error too and does not store the session.
type Session struct {
	key      string
	values   Content
	modified bool

	store   SessionStore    // until the values are read from it
	ctx     context.Context // the context of that read
	loadErr error
}

// NewSession returns a session with the given key and values (taken, not
// copied).
func NewSession(key string, values Content) *Session {
	return &Session{key: key, values: values}
}

// OpenSession returns the session stored under key in store, read when one
// of its methods first needs its values (with ctx, which must last until
// then: the consumption of the message it belongs to).
func OpenSession(ctx context.Context, store SessionStore, key string) *Session {
	return &Session{key: key, store: store, ctx: ctx}
}

// openChannelSession is OpenSession in the message's own room for it: a
// message and its channel session are one allocation.
func (m *Message) openChannelSession(ctx context.Context, store SessionStore, key string) *Session {
	m.sessionRoom = Session{key: key, store: store, ctx: ctx}
	return &m.sessionRoom
}

// Load reads the session from its store now, if it was opened and not read
// yet, and returns the error of that read, now or earlier. Consumers that
// must not go on with a session they could not read call it first.
func (s *Session) Load() error {
	if s.store != nil {
		values, err := s.store.Load(s.ctx, s.key)
		if err != nil {
			s.loadErr = fmt.Errorf("channels: load session %s: %w", s.key, err)
			values = nil
		}
		s.values, s.store, s.ctx = values, nil, nil
	}
	return s.loadErr
}

// loaded returns the values, read from the store first if need be.
func (s *Session) loaded() Content {
	s.Load()
	return s.values
}

// Key is the session's key in its store.
func (s *Session) Key() string { return s.key }

// Get returns the value of key and whether it is set.
func (s *Session) Get(key string) (any, bool) {
	v, ok := s.loaded()[key]
	return v, ok
}

// String returns the string value of key, or "".
func (s *Session) String(key string) string { return s.loaded().String(key) }

// Int returns the integer value of key (see Content.Int) and whether there
// was one.
func (s *Session) Int(key string) (int64, bool) { return s.loaded().Int(key) }

// Set sets key to value and marks the session modified.
func (s *Session) Set(key string, value any) {
	s.Values()[key] = value
	s.modified = true
}

// Delete removes key and marks the session modified if it was set.
func (s *Session) Delete(key string) {
	if _, ok := s.loaded()[key]; ok {
		delete(s.values, key)
		s.modified = true
	}
}

// Clear removes every key (Django's flush of a session's data).
func (s *Session) Clear() {
	if len(s.loaded()) > 0 {
		clear(s.values)
		s.modified = true
	}
}

// Keys returns the keys set, sorted.
func (s *Session) Keys() []string { return slices.Sorted(maps.Keys(s.loaded())) }

// Len is the number of keys set.
func (s *Session) Len() int { return len(s.loaded()) }

// Modified reports whether the session changed since it was loaded or last
// stored by the middleware that loaded it.
func (s *Session) Modified() bool { return s.modified }

// Values returns the session's values; the map is the session's own.
func (s *Session) Values() Content {
	if s.loaded() == nil {
		s.values = Content{}
	}
	return s.values
}

// SessionStore keeps sessions by key. Load of a missing key returns nil
// values and no error. Implementations are safe for concurrent use.
type SessionStore interface {
	Load(ctx context.Context, key string) (Content, error)
	Save(ctx context.Context, key string, values Content) error
	Delete(ctx context.Context, key string) error
}

// ChannelSessionKey is the session key of a reply channel, derived as Django
// Channels derives it: "chn" followed by the first 29 hex digits of the
// SHA-1 of the channel name.
func ChannelSessionKey(replyChannel string) string {
	var name [64]byte // on the stack for the names servers make
	sum := sha1.Sum(append(name[:0], replyChannel...))
	var key [3 + 30]byte
	copy(key[:], "chn")
	hex.Encode(key[3:], sum[:15])
	return string(key[:3+29])
}

// DefaultSessionAge is how long a stored session lives without being saved
// again: two weeks, Django's SESSION_COOKIE_AGE.
const DefaultSessionAge = 14 * 24 * time.Hour

// MemorySessionStore is a SessionStore in process memory.
type MemorySessionStore struct {
	// MaxAge is the lifetime of a session after its last Save
	// (DefaultSessionAge when zero).
	MaxAge time.Duration

	mu       sync.Mutex
	sessions map[string]memSession
}

type memSession struct {
	values  Content
	expires time.Time
}

var _ SessionStore = (*MemorySessionStore)(nil)

// NewMemorySessionStore returns an empty store.
func NewMemorySessionStore() *MemorySessionStore { return &MemorySessionStore{} }

// Load implements SessionStore; it returns a copy of the stored values.
func (s *MemorySessionStore) Load(ctx context.Context, key string) (Content, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.sessions[key]
	if !ok {
		return nil, nil
	}
	if !time.Now().Before(e.expires) {
		delete(s.sessions, key)
		return nil, nil
	}
	return e.values.Clone()
}

// Save implements SessionStore; it stores a copy of values.
func (s *MemorySessionStore) Save(ctx context.Context, key string, values Content) error {
	c, err := values.Clone()
	if err != nil {
		return err
	}
	age := s.MaxAge
	if age <= 0 {
		age = DefaultSessionAge
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions == nil {
		s.sessions = make(map[string]memSession)
	}
	s.sessions[key] = memSession{c, time.Now().Add(age)}
	return nil
}

// Delete implements SessionStore.
func (s *MemorySessionStore) Delete(ctx context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, key)
	return nil
}
