package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// DefaultCookieName is the cookie that carries the HTTP session key unless
// configured otherwise: Django's default SESSION_COOKIE_NAME.
const DefaultCookieName = "sessionid"

// SessionKeyParam is the query parameter that, when present and non-empty,
// names the HTTP session instead of the cookie, as in Django Channels. It
// lets clients that cannot send cookies (a WebSocket opened from another
// domain) pass their session.
const SessionKeyParam = "session_key"

// ErrNoChannelSession is matched by the error of middleware and helpers of
// this package that need the channel session when the message has none:
// channels.ChannelSession (or channels.EnforceOrdering, which includes it)
// must run before them.
var ErrNoChannelSession = errors.New("auth: message has no channel session (put channels.ChannelSession first)")

// channelSession returns the channel session of m, read from its store:
// what auth decides from it must not rest on a session that could not be
// read.
func channelSession(m *channels.Message) (*channels.Session, error) {
	if m.ChannelSession == nil {
		return nil, ErrNoChannelSession
	}
	if err := m.ChannelSession.Load(); err != nil {
		return nil, err
	}
	return m.ChannelSession, nil
}

// Option configures the session middleware of this package.
type Option func(*options)

type options struct {
	cookieName string
}

// CookieName sets the name of the session cookie. It is also the key under
// which ChannelAndHTTPSession keeps the HTTP session key in the channel
// session.
func CookieName(name string) Option {
	return func(o *options) { o.cookieName = name }
}

// cookieNamer is implemented by stores that know their cookie, such as
// GorillaStore.
type cookieNamer interface{ SessionCookieName() string }

// newOptions returns the options for store: the cookie name is
// DefaultCookieName, or the store's own when it has a SessionCookieName
// method, unless an Option sets it.
func newOptions(store channels.SessionStore, opts []Option) options {
	o := options{cookieName: DefaultCookieName}
	if n, ok := store.(cookieNamer); ok && n.SessionCookieName() != "" {
		o.cookieName = n.SessionCookieName()
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// HTTPSession returns middleware that gives messages carrying HTTP headers
// (websocket.connect, http.request) the session of their HTTP session key in
// m.HTTPSession: Django Channels' http_session. The key is the non-empty
// SessionKeyParam query parameter if there is one, else the value of the
// session cookie (DefaultCookieName; see CookieName). m.HTTPSession is nil
// when there is no key or store holds nothing under it: the middleware never
// creates a session. Messages without headers (websocket.receive,
// websocket.disconnect) get nil; ChannelAndHTTPSession brings the session
// back for them. A session key in a URL may end up in access logs: prefer
// the cookie where the client can send it.
//
// After the consumer returns (with an error or not) the session is saved if
// it was modified, or deleted from store if it was emptied. A consumer may
// set m.HTTPSession to a new session of its own, which is saved the same
// way. A message that already has an HTTP session keeps it, and the
// middleware that loaded it saves it. Errors of store are returned wrapped;
// when loading fails the consumer does not run.
func HTTPSession(store channels.SessionStore, opts ...Option) channels.Middleware {
	o := newOptions(store, opts)
	return func(next channels.Consumer) channels.Consumer {
		return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			if m.HTTPSession != nil {
				return next.Consume(ctx, m)
			}
			s, err := loadSession(ctx, store, requestSessionKey(m, o.cookieName))
			if err != nil {
				return err
			}
			m.HTTPSession = s
			err = next.Consume(ctx, m)
			return errors.Join(err, persist(ctx, store, m.HTTPSession))
		})
	}
}

// ChannelAndHTTPSession returns middleware that keeps the HTTP session of a
// connection for all its messages: Django Channels'
// channel_and_http_session. It loads m.HTTPSession as HTTPSession does and
// records its key in the channel session, under the cookie name; on later
// messages, which carry no headers, it loads the HTTP session of the
// recorded key. It needs the channel session (ErrNoChannelSession), so
// channels.ChannelSession must run before it:
//
//	channels.Chain(c, channels.ChannelSession(store), auth.ChannelAndHTTPSession(store))
//
// The recorded key is replaced when a message names another session; it is
// never removed, so a session deleted from store afterwards gives nil. The
// HTTP session is saved after the consumer as HTTPSession saves it.
func ChannelAndHTTPSession(store channels.SessionStore, opts ...Option) channels.Middleware {
	o := newOptions(store, opts)
	return func(next channels.Consumer) channels.Consumer {
		return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			cs, err := channelSession(m)
			if err != nil {
				return err
			}
			owned := m.HTTPSession == nil
			if owned {
				s, err := loadSession(ctx, store, requestSessionKey(m, o.cookieName))
				if err == nil && s == nil {
					s, err = loadSession(ctx, store, cs.String(o.cookieName))
				}
				if err != nil {
					return err
				}
				m.HTTPSession = s
			}
			if s := m.HTTPSession; s != nil && cs.String(o.cookieName) != s.Key() {
				cs.Set(o.cookieName, s.Key())
			}
			err = next.Consume(ctx, m)
			if owned {
				err = errors.Join(err, persist(ctx, store, m.HTTPSession))
			}
			return err
		})
	}
}

// requestSessionKey returns the HTTP session key a message names: the
// session_key query parameter, else the session cookie; "" for messages
// without either.
func requestSessionKey(m *channels.Message, cookieName string) string {
	if q := m.QueryString(); q != "" {
		values, _ := url.ParseQuery(q) // keep what parses, as Django does
		if k := values.Get(SessionKeyParam); k != "" {
			return k
		}
	}
	var cookies []string
	for _, h := range m.Headers() {
		if h.Name == "cookie" {
			cookies = append(cookies, h.Value)
		}
	}
	if len(cookies) == 0 {
		return ""
	}
	r := http.Request{Header: http.Header{"Cookie": cookies}}
	if c, err := r.Cookie(cookieName); err == nil {
		return c.Value
	}
	return ""
}

// loadSession returns the session stored under key, or nil when key is
// empty or nothing is stored under it.
func loadSession(ctx context.Context, store channels.SessionStore, key string) (*channels.Session, error) {
	if key == "" {
		return nil, nil
	}
	values, err := store.Load(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("auth: load http session: %w", err)
	}
	if values == nil {
		return nil, nil
	}
	return channels.NewSession(key, values), nil
}

// persist saves s if it was modified, or deletes it if it was also
// emptied; nil and unmodified sessions are left alone.
func persist(ctx context.Context, store channels.SessionStore, s *channels.Session) error {
	switch {
	case s == nil || !s.Modified():
		return nil
	case s.Len() == 0:
		if err := store.Delete(ctx, s.Key()); err != nil {
			return fmt.Errorf("auth: delete http session: %w", err)
		}
	default:
		if err := store.Save(ctx, s.Key(), s.Values()); err != nil {
			return fmt.Errorf("auth: save http session: %w", err)
		}
	}
	return nil
}
