package auth_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/gochannels/channels-jsonrpc/auth"
	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// testUser is an application's user.
type testUser struct{ id, name string }

func (u *testUser) ID() string            { return u.id }
func (u *testUser) IsAuthenticated() bool { return true }

// userDB is a UserLoader over a map that counts its lookups.
type userDB struct {
	mu      sync.Mutex
	users   map[string]*testUser
	lookups int
	err     error
}

func newUserDB(users ...*testUser) *userDB {
	db := &userDB{users: map[string]*testUser{}}
	for _, u := range users {
		db.users[u.id] = u
	}
	return db
}

func (db *userDB) LoadUser(ctx context.Context, id string) (channels.User, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.lookups++
	if db.err != nil {
		return nil, db.err
	}
	if u, ok := db.users[id]; ok {
		return u, nil
	}
	return nil, nil // no such user
}

// userSeen records, per channel, the user the consumer saw last.
type userSeen struct {
	mu   sync.Mutex
	user map[string]channels.User
}

func (s *userSeen) consumer() channels.Consumer {
	s.user = map[string]channels.User{}
	return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		var err error
		text, _ := m.Text()
		switch {
		case m.Channel == "websocket.connect":
			err = m.Accept(ctx)
		case text == "logout":
			err = auth.Logout(ctx, m)
		case text == "login 2":
			err = auth.Login(ctx, m, &testUser{id: "2"})
		}
		s.mu.Lock()
		s.user[m.Channel] = m.User // after Login or Logout
		s.mu.Unlock()
		return err
	})
}

func (s *userSeen) on(channel string) channels.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.user[channel]
}

// wsEnv returns an environment whose WebSocket routes run the consumer of
// seen behind ChannelSession and ChannelSessionUserFromHTTP.
func wsEnv(t *testing.T, seen *userSeen, loader auth.UserLoader) *channelstest.Env {
	env := channelstest.New(t)
	env.ApplyRoutes(wsRoutes(`^/ws/$`, channels.Chain(seen.consumer(),
		channels.ChannelSession(env.Sessions),
		auth.ChannelSessionUserFromHTTP(env.Sessions, loader),
	))...)
	return env
}

func TestChannelSessionUserFromHTTPLoggedIn(t *testing.T) {
	alice := &testUser{id: "17", name: "alice"}
	seen := &userSeen{}
	env := wsEnv(t, seen, newUserDB(alice))
	client := env.Client()
	client.Login(alice)
	client.Connect("/ws/")

	if u := seen.on("websocket.connect"); u != alice {
		t.Fatalf("connect: m.User = %v, want alice", u)
	}
	if got := client.ChannelSession().String(auth.UserIDKey); got != "17" {
		t.Fatalf("channel session %s = %q, want 17", auth.UserIDKey, got)
	}

	// The web session ends, but the connection keeps its user.
	client.Logout()
	client.SendTextAndConsume("websocket.receive", "hi")
	if u := seen.on("websocket.receive"); u == nil || u.ID() != "17" {
		t.Fatalf("receive: m.User = %v, want user 17", u)
	}
	client.SendAndConsume("websocket.disconnect", channels.Content{"code": int64(1000)})
	if u := seen.on("websocket.disconnect"); u == nil || u.ID() != "17" {
		t.Fatalf("disconnect: m.User = %v, want user 17", u)
	}
}

func TestChannelSessionUserFromHTTPAnonymous(t *testing.T) {
	seen := &userSeen{}
	env := wsEnv(t, seen, newUserDB())
	client := env.Client()
	client.Connect("/ws/")
	client.SendTextAndConsume("websocket.receive", "hi")
	for _, ch := range []string{"websocket.connect", "websocket.receive"} {
		if u := seen.on(ch); u != auth.Anonymous {
			t.Errorf("%s: m.User = %#v, want Anonymous", ch, u)
		}
	}
	if got := client.ChannelSession().Len(); got != 0 {
		t.Errorf("channel session has %d keys, want none", got)
	}
}

func TestChannelSessionUserFromHTTPDeletedUser(t *testing.T) {
	seen := &userSeen{}
	env := wsEnv(t, seen, newUserDB()) // nobody exists
	client := env.Client()
	client.Login(auth.UserID("99"))
	client.Connect("/ws/")
	if u := seen.on("websocket.connect"); u != auth.Anonymous {
		t.Errorf("m.User = %#v, want Anonymous for an unknown id", u)
	}
}

func TestChannelSessionUserFromHTTPLoaderError(t *testing.T) {
	db := newUserDB()
	db.err = errors.New("db down")
	store := channels.NewMemorySessionStore()
	store.Save(t.Context(), "web", channels.Content{auth.UserIDKey: "1"})
	c := &capture{}
	h := channels.Chain(c, channels.ChannelSession(store), auth.ChannelSessionUserFromHTTP(store, db))
	err := run(t, h, connectMsg("", "sessionid=web"))
	if !errors.Is(err, db.err) {
		t.Errorf("err = %v, want the loader's", err)
	}
	if c.seen != nil {
		t.Error("consumer ran after the loader failed")
	}
}

func TestChannelSessionUserFromHTTPTransfer(t *testing.T) {
	full := channels.Content{auth.UserIDKey: "5", auth.BackendKey: "app.Backend", auth.HashKey: "abc"}
	tests := []struct {
		name    string
		http    channels.Content // nil: no HTTP session
		channel channels.Content // the channel session before connect
		want    channels.Content // the channel session after
	}{
		{"all keys", full, nil, full},
		{"id only", channels.Content{auth.UserIDKey: "5", "cart": "x"}, nil, channels.Content{auth.UserIDKey: "5"}},
		{"integer id", channels.Content{auth.UserIDKey: int64(5)}, nil, channels.Content{auth.UserIDKey: int64(5)}},
		{"stale keys removed", channels.Content{auth.UserIDKey: "5"},
			channels.Content{auth.UserIDKey: "4", auth.HashKey: "old", "n": "1"},
			channels.Content{auth.UserIDKey: "5", "n": "1"}},
		{"no user keeps channel user", channels.Content{"cart": "x"}, channels.Content{auth.UserIDKey: "4"}, channels.Content{auth.UserIDKey: "4"}},
		{"no http session", nil, channels.Content{auth.UserIDKey: "4"}, channels.Content{auth.UserIDKey: "4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := channels.NewMemorySessionStore()
			cookie := ""
			if tt.http != nil {
				store.Save(t.Context(), "web", tt.http)
				cookie = "sessionid=web"
			}
			chKey := channels.ChannelSessionKey(testReply)
			if tt.channel != nil {
				store.Save(t.Context(), chKey, tt.channel)
			}
			c := &capture{}
			h := channels.Chain(c, channels.ChannelSession(store), auth.ChannelSessionUserFromHTTP(store, nil))
			if err := run(t, h, connectMsg("", cookie)); err != nil {
				t.Fatal(err)
			}
			if got := stored(t, store, chKey); !maps.Equal(got, tt.want) {
				t.Errorf("channel session = %v, want %v", got, tt.want)
			}
			wantID := tt.want.String(auth.UserIDKey)
			if wantID == "" {
				wantID = "5"
			}
			if got := c.seen.User; got != auth.UserID(wantID) {
				t.Errorf("m.User = %#v, want UserID(%q)", got, wantID)
			}
		})
	}
}

func TestChannelSessionUserFromHTTPUnchangedNotSaved(t *testing.T) {
	store := newRecStore()
	chKey := channels.ChannelSessionKey(testReply)
	store.put(t, "web", channels.Content{auth.UserIDKey: "5"})
	store.put(t, chKey, channels.Content{auth.UserIDKey: "5"})
	h := channels.Chain(&capture{}, channels.ChannelSession(store), auth.ChannelSessionUserFromHTTP(store, nil))
	if err := run(t, h, connectMsg("", "sessionid=web")); err != nil {
		t.Fatal(err)
	}
	want := []string{"load " + chKey, "load web"}
	if got := store.takeCalls(); !equalCalls(got, want) {
		t.Errorf("store calls = %q, want %q (no save)", got, want)
	}
}

// Many connections of logged-in users at once, under the race detector.
func TestChannelSessionUserFromHTTPConcurrent(t *testing.T) {
	store := channels.NewMemorySessionStore()
	db := newUserDB()
	h := channels.Chain(channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		if want := m.ChannelSession.String("want"); m.User.ID() != want {
			return errors.New("user " + m.User.ID() + ", want " + want)
		}
		return nil
	}), channels.ChannelSession(store), auth.ChannelSessionUserFromHTTP(store, auth.UserLoaderFunc(
		func(ctx context.Context, id string) (channels.User, error) {
			db.LoadUser(ctx, id) // count, concurrently
			return auth.UserID(id), nil
		})))
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			id := string(rune('a' + i))
			reply := "daphne.response.conn!" + id
			store.Save(context.Background(), "web"+id, channels.Content{auth.UserIDKey: id})
			store.Save(context.Background(), channels.ChannelSessionKey(reply), channels.Content{"want": id})
			m := connectMsg("", "sessionid=web"+id)
			m.Content()["reply_channel"] = reply
			if err := h.Consume(context.Background(), m); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if db.lookups != 20 {
		t.Errorf("lookups = %d, want 20", db.lookups)
	}
}

func TestSessionKeyParamWinsOverCookie(t *testing.T) {
	alice, bob := &testUser{id: "1"}, &testUser{id: "2"}
	seen := &userSeen{}
	env := wsEnv(t, seen, newUserDB(alice, bob))
	bobsBrowser := env.Client()
	bobsBrowser.Login(bob)
	bobsKey := bobsBrowser.Session().Key()

	client := env.Client()
	client.Login(alice) // sends alice's cookie
	client.Connect("/ws/?session_key=" + bobsKey)
	client.SendTextAndConsume("websocket.receive", "hi")
	for _, ch := range []string{"websocket.connect", "websocket.receive"} {
		if u := seen.on(ch); u != bob {
			t.Errorf("%s: m.User = %#v, want bob, whose key is in the query", ch, u)
		}
	}
}

// Django Channels' channel_and_http_session_user_from_http: the user and
// the HTTP session for every message.
func TestChannelAndHTTPSessionWithUser(t *testing.T) {
	alice := &testUser{id: "1"}
	env := channelstest.New(t)
	var cart []string
	consumer := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		if m.Channel == "websocket.connect" {
			return m.Accept(ctx)
		}
		cart = append(cart, m.User.ID()+":"+m.HTTPSession.String("cart"))
		return nil
	})
	env.ApplyRoutes(wsRoutes(`^/ws/$`, channels.Chain(consumer,
		channels.ChannelSession(env.Sessions),
		auth.ChannelAndHTTPSession(env.Sessions),
		auth.ChannelSessionUserFromHTTP(env.Sessions, newUserDB(alice)),
	))...)
	client := env.Client()
	client.Login(alice)
	s := client.Session()
	s.Set("cart", "3 items")
	client.SaveSession(s)
	client.Connect("/ws/")
	client.SendTextAndConsume("websocket.receive", "hi")
	client.SendTextAndConsume("websocket.receive", "hi")
	if want := []string{"1:3 items", "1:3 items"}; !slices.Equal(cart, want) {
		t.Errorf("seen %q, want %q", cart, want)
	}
}
