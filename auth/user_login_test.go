package auth_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/gochannels/channels-jsonrpc/auth"
	"github.com/gochannels/channels-jsonrpc/channels"
)

// Login and Logout, on a connection and on a message, and the User values
// (Anonymous, UserID, UserLoaderFunc).
func TestLogoutDeletesChannelSession(t *testing.T) {
	alice := &testUser{id: "17"}
	seen := &userSeen{}
	env := wsEnv(t, seen, newUserDB(alice))
	client := env.Client()
	client.Login(alice)
	client.Connect("/ws/")
	chKey := channels.ChannelSessionKey(client.ReplyChannel)
	if stored(t, env.Sessions, chKey) == nil {
		t.Fatal("no channel session after a logged-in connect")
	}

	client.SendTextAndConsume("websocket.receive", "logout")
	if u := seen.on("websocket.receive"); u != auth.Anonymous {
		t.Errorf("m.User after Logout = %#v, want Anonymous", u)
	}
	if got := stored(t, env.Sessions, chKey); got != nil {
		t.Errorf("channel session after Logout = %v, want it deleted", got)
	}
	client.SendTextAndConsume("websocket.receive", "hi")
	if u := seen.on("websocket.receive"); u != auth.Anonymous {
		t.Errorf("m.User on the next frame = %#v, want Anonymous", u)
	}
}

func TestLoginOnConnection(t *testing.T) {
	two := &testUser{id: "2"}
	seen := &userSeen{}
	env := wsEnv(t, seen, newUserDB(two))
	client := env.Client()
	client.Connect("/ws/")
	client.SendTextAndConsume("websocket.receive", "login 2")
	if u := seen.on("websocket.receive"); u == nil || u.ID() != "2" {
		t.Fatalf("m.User after Login = %v, want user 2", u)
	}
	client.SendTextAndConsume("websocket.receive", "hi")
	if u := seen.on("websocket.receive"); u != two {
		t.Errorf("m.User on the next frame = %#v, want the loaded user 2", u)
	}
}

func TestLogin(t *testing.T) {
	newMsg := func(values channels.Content) *channels.Message {
		return &channels.Message{ChannelSession: channels.NewSession("chn", values)}
	}
	t.Run("same user keeps the session", func(t *testing.T) {
		m := newMsg(channels.Content{auth.UserIDKey: "1", "n": int64(3)})
		if err := auth.Login(t.Context(), m, auth.UserID("1")); err != nil {
			t.Fatal(err)
		}
		if m.ChannelSession.Modified() || m.ChannelSession.Len() != 2 {
			t.Errorf("session = %v (modified %v), want it unchanged", m.ChannelSession.Values(), m.ChannelSession.Modified())
		}
		if m.User != auth.UserID("1") {
			t.Errorf("m.User = %#v", m.User)
		}
	})
	t.Run("another user flushes", func(t *testing.T) {
		m := newMsg(channels.Content{auth.UserIDKey: "1", auth.HashKey: "h", "n": int64(3)})
		if err := auth.Login(t.Context(), m, auth.UserID("2")); err != nil {
			t.Fatal(err)
		}
		want := channels.Content{auth.UserIDKey: "2"}
		if got := m.ChannelSession.Values(); !maps.Equal(got, want) {
			t.Errorf("session = %v, want %v", got, want)
		}
	})
	t.Run("anonymous session keeps its data", func(t *testing.T) {
		m := newMsg(channels.Content{"n": int64(3)})
		if err := auth.Login(t.Context(), m, auth.UserID("2")); err != nil {
			t.Fatal(err)
		}
		want := channels.Content{auth.UserIDKey: "2", "n": int64(3)}
		if got := m.ChannelSession.Values(); !maps.Equal(got, want) {
			t.Errorf("session = %v, want %v", got, want)
		}
	})
	for name, u := range map[string]channels.User{"nil": nil, "anonymous": auth.Anonymous, "empty id": auth.UserID("")} {
		t.Run(name, func(t *testing.T) {
			m := newMsg(nil)
			if err := auth.Login(t.Context(), m, u); !errors.Is(err, auth.ErrNotAuthenticated) {
				t.Errorf("err = %v, want ErrNotAuthenticated", err)
			}
			if m.ChannelSession.Modified() {
				t.Error("session modified")
			}
		})
	}
	t.Run("no channel session", func(t *testing.T) {
		err := auth.Login(t.Context(), &channels.Message{}, auth.UserID("1"))
		if !errors.Is(err, auth.ErrNoChannelSession) {
			t.Errorf("err = %v, want ErrNoChannelSession", err)
		}
	})
}

func TestLogout(t *testing.T) {
	m := &channels.Message{ChannelSession: channels.NewSession("chn", channels.Content{auth.UserIDKey: "1", "n": "x"}), User: auth.UserID("1")}
	if err := auth.Logout(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if m.ChannelSession.Len() != 0 || !m.ChannelSession.Modified() || m.User != auth.Anonymous {
		t.Errorf("after Logout: session %v modified %v, user %#v", m.ChannelSession.Values(), m.ChannelSession.Modified(), m.User)
	}
	if err := auth.Logout(t.Context(), &channels.Message{}); !errors.Is(err, auth.ErrNoChannelSession) {
		t.Errorf("err = %v, want ErrNoChannelSession", err)
	}
}

func TestUsers(t *testing.T) {
	if auth.Anonymous.ID() != "" || auth.Anonymous.IsAuthenticated() {
		t.Error("Anonymous has an id or is authenticated")
	}
	if u := auth.UserID("4"); u.ID() != "4" || !u.IsAuthenticated() {
		t.Errorf("UserID(4) = %q, authenticated %v", u.ID(), u.IsAuthenticated())
	}
	if auth.UserID("").IsAuthenticated() {
		t.Error(`UserID("") is authenticated`)
	}
	f := auth.UserLoaderFunc(func(ctx context.Context, id string) (channels.User, error) { return auth.UserID("f" + id), nil })
	if u, err := f.LoadUser(t.Context(), "1"); err != nil || u != auth.UserID("f1") {
		t.Errorf("UserLoaderFunc.LoadUser = %v, %v", u, err)
	}
}
