package auth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// ErrReadOnly is matched by the error of saving or deleting a session of a
// GorillaStore.
var ErrReadOnly = errors.New("auth: gorilla sessions are read-only to consumers")

// GorillaStore shares the sessions of a web application built with
// gorilla/sessions with consumers. It is a channels.SessionStore whose keys
// are the values of the application's session cookie: Load builds an
// *http.Request carrying that cookie and calls the gorilla store's Get, as
// the application's handlers do. Give it to HTTPSession,
// ChannelAndHTTPSession or ChannelSessionUserFromHTTP, which then read the
// cookie of the gorilla session's name:
//
//	store := sessions.NewCookieStore(hashKey, blockKey)
//	users := auth.ChannelSessionUserFromHTTP(auth.GorillaSessions(store, "app"), loader)
//
// For the user to be found, the application stores the user's id (a string
// or an integer) under UserIDKey when it logs the user in:
//
//	session.Values[auth.UserIDKey] = user.ID
//
// Only the values with string keys that are ASGI values (see
// channels.Content; gob-registered structs are not) are exposed; the others
// are left out. Consumers may change the session they are given but the
// changes are not stored: Save and Delete fail with ErrReadOnly, so the
// middleware fails the message of a consumer that changed it. A
// CookieStore keeps the session in the browser's cookie, which a consumer
// cannot set; let the web application's HTTP handlers change sessions.
//
// A cookie that does not decode (forged, expired, signed with an old key)
// and a FilesystemStore session whose file is gone count as no session;
// other errors of the gorilla store are returned. A GorillaStore is safe
// for concurrent use if its gorilla store is, as CookieStore and
// FilesystemStore are.
type GorillaStore struct {
	store sessions.Store
	name  string
}

var _ channels.SessionStore = (*GorillaStore)(nil)

// GorillaSessions returns a store for the gorilla sessions named name (the
// name the application passes to store.Get, which is also the cookie's).
func GorillaSessions(store sessions.Store, name string) *GorillaStore {
	return &GorillaStore{store: store, name: name}
}

// SessionCookieName returns the session's name, the cookie the session
// middleware of this package reads for this store unless given CookieName.
func (g *GorillaStore) SessionCookieName() string { return g.name }

// Load returns the values of the session whose cookie value is key, or nil
// when there is no such session.
func (g *GorillaStore) Load(ctx context.Context, key string) (channels.Content, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	if err != nil {
		return nil, err
	}
	r.AddCookie(&http.Cookie{Name: g.name, Value: key})
	s, err := g.store.Get(r, g.name)
	if err != nil {
		if absentSession(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("auth: gorilla session %q: %w", g.name, err)
	}
	if s == nil || s.IsNew {
		return nil, nil
	}
	return gorillaValues(s.Values), nil
}

// Save implements channels.SessionStore; it fails with ErrReadOnly.
func (g *GorillaStore) Save(ctx context.Context, key string, values channels.Content) error {
	return fmt.Errorf("auth: save gorilla session %q: %w", g.name, ErrReadOnly)
}

// Delete implements channels.SessionStore; it fails with ErrReadOnly.
func (g *GorillaStore) Delete(ctx context.Context, key string) error {
	return fmt.Errorf("auth: delete gorilla session %q: %w", g.name, ErrReadOnly)
}

// absentSession reports errors that mean the cookie names no session.
func absentSession(err error) bool {
	var ce securecookie.Error
	if errors.As(err, &ce) && ce.IsDecode() {
		return true
	}
	return errors.Is(err, fs.ErrNotExist)
}

// gorillaValues returns the values with string keys that are ASGI values.
func gorillaValues(values map[any]any) channels.Content {
	out := make(channels.Content, len(values))
	for k, v := range values {
		ks, ok := k.(string)
		if !ok {
			continue
		}
		c, err := channels.Content{ks: v}.Clone()
		if err != nil {
			continue
		}
		out[ks] = c[ks]
	}
	return out
}
