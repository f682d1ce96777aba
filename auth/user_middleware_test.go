package auth_test

import (
	"errors"
	"testing"

	"github.com/gochannels/channels-jsonrpc/auth"
	"github.com/gochannels/channels-jsonrpc/channels"
)

// HTTPUser and ChannelSessionUser, and the channel session the user
// middlewares need.
func TestUserMiddlewareNeedsChannelSession(t *testing.T) {
	for name, mw := range map[string]channels.Middleware{
		"ChannelSessionUser":         auth.ChannelSessionUser(nil),
		"ChannelSessionUserFromHTTP": auth.ChannelSessionUserFromHTTP(newRecStore(), nil),
	} {
		c := &capture{}
		if err := run(t, mw(c), connectMsg("", "")); !errors.Is(err, auth.ErrNoChannelSession) {
			t.Errorf("%s: err = %v, want ErrNoChannelSession", name, err)
		}
		if c.seen != nil {
			t.Errorf("%s: consumer ran", name)
		}
	}
}

func TestHTTPUser(t *testing.T) {
	bob := &testUser{id: "8", name: "bob"}
	store := channels.NewMemorySessionStore()
	store.Save(t.Context(), "bob", channels.Content{auth.UserIDKey: "8"})
	store.Save(t.Context(), "ghost", channels.Content{auth.UserIDKey: "9"})
	store.Save(t.Context(), "nobody", channels.Content{"cart": "x"})
	store.Save(t.Context(), "numeric", channels.Content{auth.UserIDKey: 8.0}) // as JSON decodes it

	tests := []struct {
		cookie string
		loader auth.UserLoader
		want   channels.User
	}{
		{"sessionid=bob", newUserDB(bob), bob},
		{"sessionid=numeric", newUserDB(bob), bob},
		{"sessionid=ghost", newUserDB(bob), auth.Anonymous},
		{"sessionid=nobody", newUserDB(bob), auth.Anonymous},
		{"", newUserDB(bob), auth.Anonymous},
		{"sessionid=bob", nil, auth.UserID("8")},
	}
	for _, tt := range tests {
		c := &capture{}
		h := channels.Chain(c, auth.HTTPSession(store), auth.HTTPUser(tt.loader))
		if err := run(t, h, connectMsg("", tt.cookie)); err != nil {
			t.Fatalf("cookie %q: %v", tt.cookie, err)
		}
		if c.seen.User != tt.want {
			t.Errorf("cookie %q: m.User = %#v, want %#v", tt.cookie, c.seen.User, tt.want)
		}
	}
}

func TestHTTPUserLoaderError(t *testing.T) {
	store := channels.NewMemorySessionStore()
	store.Save(t.Context(), "k", channels.Content{auth.UserIDKey: "8"})
	db := newUserDB()
	db.err = errors.New("db down")
	c := &capture{}
	err := run(t, channels.Chain(c, auth.HTTPSession(store), auth.HTTPUser(db)), connectMsg("", "sessionid=k"))
	if !errors.Is(err, db.err) || c.seen != nil {
		t.Errorf("err = %v, consumer ran = %v; want the loader's error and no consumer", err, c.seen != nil)
	}
}

func TestChannelSessionUser(t *testing.T) {
	store := channels.NewMemorySessionStore()
	chKey := channels.ChannelSessionKey(testReply)
	c := &capture{}
	h := channels.Chain(c, channels.ChannelSession(store), auth.ChannelSessionUser(nil))
	if err := run(t, h, receiveMsg("x")); err != nil {
		t.Fatal(err)
	}
	if c.seen.User != auth.Anonymous {
		t.Errorf("empty channel session: m.User = %#v, want Anonymous", c.seen.User)
	}
	store.Save(t.Context(), chKey, channels.Content{auth.UserIDKey: "3"})
	if err := run(t, h, receiveMsg("x")); err != nil {
		t.Fatal(err)
	}
	if c.seen.User != auth.UserID("3") {
		t.Errorf("m.User = %#v, want UserID(3)", c.seen.User)
	}
}

func TestChannelSessionUserLoaderError(t *testing.T) {
	store := channels.NewMemorySessionStore()
	store.Save(t.Context(), channels.ChannelSessionKey(testReply), channels.Content{auth.UserIDKey: "3"})
	db := newUserDB()
	db.err = errors.New("db down")
	c := &capture{}
	err := run(t, channels.Chain(c, channels.ChannelSession(store), auth.ChannelSessionUser(db)), receiveMsg("x"))
	if !errors.Is(err, db.err) || c.seen != nil {
		t.Errorf("err = %v, consumer ran = %v; want the loader's error and no consumer", err, c.seen != nil)
	}
}
