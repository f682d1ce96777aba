package auth

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// The session keys of a logged-in user, Django's SESSION_KEY,
// BACKEND_SESSION_KEY and HASH_SESSION_KEY. Only UserIDKey is needed here;
// the other two are carried along when present, for Django-compatible
// sessions, and are not checked.
const (
	UserIDKey  = "_auth_user_id"
	BackendKey = "_auth_user_backend"
	HashKey    = "_auth_user_hash"
)

// userKeys are the keys ChannelSessionUserFromHTTP copies.
var userKeys = [...]string{UserIDKey, BackendKey, HashKey}

// UserLoader finds the user of an id stored in a session: Django's
// get_user. LoadUser returns nil and no error when there is no such user
// (any more); the message then gets Anonymous. An error fails the message.
// Implementations must be safe for concurrent use.
type UserLoader interface {
	LoadUser(ctx context.Context, id string) (channels.User, error)
}

// UserLoaderFunc adapts a function to a UserLoader.
type UserLoaderFunc func(ctx context.Context, id string) (channels.User, error)

// LoadUser calls f(ctx, id).
func (f UserLoaderFunc) LoadUser(ctx context.Context, id string) (channels.User, error) {
	return f(ctx, id)
}

// AnonymousUser is the user of a message without a logged-in user: Django's
// AnonymousUser. Its ID is empty and it is not authenticated.
type AnonymousUser struct{}

// ID returns "".
func (AnonymousUser) ID() string { return "" }

// IsAuthenticated returns false.
func (AnonymousUser) IsAuthenticated() bool { return false }

// Anonymous is the user middleware of this package sets when the session
// has no logged-in user.
var Anonymous channels.User = AnonymousUser{}

// UserID is a user known by its id alone; it is authenticated unless empty.
// It is the user the middleware sets when given a nil UserLoader, which
// trusts the session and looks nothing up.
type UserID string

// ID returns the id.
func (u UserID) ID() string { return string(u) }

// IsAuthenticated reports whether the id is not empty.
func (u UserID) IsAuthenticated() bool { return u != "" }

// ErrNotAuthenticated is returned by Login for a nil user, an anonymous one
// or one with an empty ID.
var ErrNotAuthenticated = errors.New("auth: user is not authenticated")

// HTTPUser returns middleware that sets m.User from the HTTP session:
// Django Channels' http_session_user. The user is the one loader returns
// for the session's UserIDKey, or Anonymous when there is no HTTP session,
// no id in it, or no such user. It reads m.HTTPSession, so HTTPSession (or
// ChannelAndHTTPSession) must run before it:
//
//	channels.Chain(c, auth.HTTPSession(store), auth.HTTPUser(loader))
//
// A nil loader gives UserID users.
func HTTPUser(loader UserLoader) channels.Middleware {
	return func(next channels.Consumer) channels.Consumer {
		return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			if err := setUser(ctx, m, m.HTTPSession, loader); err != nil {
				return err
			}
			return next.Consume(ctx, m)
		})
	}
}

// ChannelSessionUser returns middleware that sets m.User from the channel
// session, as HTTPUser does from the HTTP session: Django Channels'
// channel_session_user. channels.ChannelSession must run before it
// (ErrNoChannelSession).
func ChannelSessionUser(loader UserLoader) channels.Middleware {
	return func(next channels.Consumer) channels.Consumer {
		return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			cs, err := channelSession(m)
			if err != nil {
				return err
			}
			if err := setUser(ctx, m, cs, loader); err != nil {
				return err
			}
			return next.Consume(ctx, m)
		})
	}
}

// ChannelSessionUserFromHTTP returns the middleware to put on every message
// of a WebSocket connection: Django Channels' channel_session_user_from_http
// on websocket.connect and channel_session_user on the rest, in one. It
// includes HTTPSession(httpStore, opts...). When a message has an HTTP
// session with a user in it (websocket.connect, whose cookie names the
// session), the user's keys are copied into the channel session; then, on
// every message, m.User is set from the channel session as
// ChannelSessionUser does. The user logged in at connect thus stays for the
// life of the connection, whatever happens to the HTTP session afterwards.
//
// Django Channels copies only when UserIDKey, BackendKey and HashKey are
// all present. This middleware copies when UserIDKey is present (Go
// applications and channelstest's Client.Login set only that key) and makes
// BackendKey and HashKey in the channel session match the HTTP session's,
// removing them when the HTTP session lacks them. An HTTP session without a
// user leaves the channel session as it is.
//
// channels.ChannelSession must run before it (ErrNoChannelSession):
//
//	channels.Chain(c,
//		channels.ChannelSession(store),
//		auth.ChannelSessionUserFromHTTP(store, loader),
//	)
func ChannelSessionUserFromHTTP(httpStore channels.SessionStore, loader UserLoader, opts ...Option) channels.Middleware {
	return func(next channels.Consumer) channels.Consumer {
		withUser := HTTPSession(httpStore, opts...)(channels.ConsumerFunc(
			func(ctx context.Context, m *channels.Message) error {
				transferUser(m.HTTPSession, m.ChannelSession)
				if err := setUser(ctx, m, m.ChannelSession, loader); err != nil {
					return err
				}
				return next.Consume(ctx, m)
			}))
		return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			if _, err := channelSession(m); err != nil {
				return err
			}
			return withUser.Consume(ctx, m)
		})
	}
}

// transferUser copies the user keys of from into to when from has a user,
// leaving to unmodified if it already holds the same values.
func transferUser(from, to *channels.Session) {
	if sessionUserID(from) == "" {
		return
	}
	for _, k := range userKeys {
		v, ok := from.Get(k)
		if !ok {
			to.Delete(k)
			continue
		}
		if cur, has := to.Get(k); !has || !reflect.DeepEqual(cur, v) {
			to.Set(k, v)
		}
	}
}

// setUser sets m.User to the user of s (which may be nil).
func setUser(ctx context.Context, m *channels.Message, s *channels.Session, loader UserLoader) error {
	id := sessionUserID(s)
	if id == "" {
		m.User = Anonymous
		return nil
	}
	if loader == nil {
		m.User = UserID(id)
		return nil
	}
	u, err := loader.LoadUser(ctx, id)
	if err != nil {
		return fmt.Errorf("auth: load user %q: %w", id, err)
	}
	if u == nil {
		u = Anonymous
	}
	m.User = u
	return nil
}

// sessionUserID returns the user id in s: a string, or an integer (a Go
// application may store a numeric id), as a decimal string; "" when there
// is none.
func sessionUserID(s *channels.Session) string {
	if s == nil {
		return ""
	}
	if id := s.String(UserIDKey); id != "" {
		return id
	}
	if n, ok := s.Int(UserIDKey); ok {
		return strconv.FormatInt(n, 10)
	}
	return ""
}

// Login logs user in on the connection of m: it stores the user's ID in the
// channel session under UserIDKey and sets m.User. If another user was
// logged in, the channel session is cleared first, as Django's login flushes
// the session. The channel session middleware saves the change after the
// consumer returns. Login does not touch the HTTP session: the browser's
// login is the web application's business. The error matches
// ErrNoChannelSession or ErrNotAuthenticated. ctx is not used yet.
func Login(ctx context.Context, m *channels.Message, user channels.User) error {
	cs, err := channelSession(m)
	if err != nil {
		return err
	}
	if user == nil || !user.IsAuthenticated() || user.ID() == "" {
		return ErrNotAuthenticated
	}
	if cur := sessionUserID(cs); cur != "" && cur != user.ID() {
		cs.Clear()
	}
	if cs.String(UserIDKey) != user.ID() {
		cs.Set(UserIDKey, user.ID())
	}
	m.User = user
	return nil
}

// Logout logs the connection of m out: it empties the channel session and
// sets m.User to Anonymous. An emptied session is deleted from its store by
// the channel session middleware after the consumer returns, as in Django
// Channels. Like Login, it leaves the HTTP session alone. The error matches
// ErrNoChannelSession. ctx is not used yet.
func Logout(ctx context.Context, m *channels.Message) error {
	cs, err := channelSession(m)
	if err != nil {
		return err
	}
	cs.Clear()
	m.User = Anonymous
	return nil
}
