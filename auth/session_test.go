package auth_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/gochannels/channels-jsonrpc/auth"
	"github.com/gochannels/channels-jsonrpc/channels"
)

func TestHTTPSessionKey(t *testing.T) {
	store := newRecStore()
	store.put(t, "cookiekey", channels.Content{"from": "cookie"})
	store.put(t, "querykey", channels.Content{"from": "query"})
	store.put(t, "otherkey", channels.Content{"from": "other cookie"})

	tests := []struct {
		name   string
		m      *channels.Message
		opts   []auth.Option
		want   string // the session's "from", "" for no session
		loaded []string
	}{
		{"cookie", connectMsg("", "sessionid=cookiekey"), nil, "cookie", []string{"load cookiekey"}},
		{"cookie among others", connectMsg("a=1", "x=y; sessionid=cookiekey; z=w"), nil, "cookie", []string{"load cookiekey"}},
		{"query wins over cookie", connectMsg("a=1&session_key=querykey", "sessionid=cookiekey"), nil, "query", []string{"load querykey"}},
		{"empty query param", connectMsg("session_key=", "sessionid=cookiekey"), nil, "cookie", []string{"load cookiekey"}},
		{"no cookie", connectMsg("", ""), nil, "", nil},
		{"other cookie only", connectMsg("", "csrftoken=abc"), nil, "", nil},
		{"unknown key", connectMsg("", "sessionid=nosuchkey"), nil, "", []string{"load nosuchkey"}},
		{"custom cookie name", connectMsg("", "sessionid=cookiekey; app=otherkey"), []auth.Option{auth.CookieName("app")}, "other cookie", []string{"load otherkey"}},
		{"receive has no headers", receiveMsg("hi"), nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store.takeCalls()
			c := &capture{}
			if err := run(t, channels.Chain(c, auth.HTTPSession(store, tt.opts...)), tt.m); err != nil {
				t.Fatal(err)
			}
			s := c.seen.HTTPSession
			switch {
			case tt.want == "" && s != nil:
				t.Errorf("HTTPSession = %v, want nil", s.Values())
			case tt.want != "" && s == nil:
				t.Errorf("HTTPSession = nil, want the %s session", tt.want)
			case tt.want != "" && s.String("from") != tt.want:
				t.Errorf("HTTPSession from %q, want %q", s.String("from"), tt.want)
			}
			if got := store.takeCalls(); !equalCalls(got, tt.loaded) {
				t.Errorf("store calls = %q, want %q", got, tt.loaded)
			}
		})
	}
}

func TestHTTPSessionHeadersAsMap(t *testing.T) {
	store := newRecStore()
	store.put(t, "k", channels.Content{"a": "b"})
	m := connectMsg("", "")
	m.Content()["headers"] = map[string]any{"Cookie": "sessionid=k"}
	c := &capture{}
	if err := run(t, channels.Chain(c, auth.HTTPSession(store)), m); err != nil {
		t.Fatal(err)
	}
	if c.seen.HTTPSession == nil || c.seen.HTTPSession.Key() != "k" {
		t.Fatalf("HTTPSession = %v, want session k", c.seen.HTTPSession)
	}
}

func TestHTTPSessionSave(t *testing.T) {
	tests := []struct {
		name  string
		do    func(m *channels.Message)
		calls []string
		want  channels.Content
	}{
		{"unmodified", func(m *channels.Message) {}, nil, channels.Content{"a": "1"}},
		{"modified", func(m *channels.Message) { m.HTTPSession.Set("b", "2") }, []string{"save k"}, channels.Content{"a": "1", "b": "2"}},
		{"emptied", func(m *channels.Message) { m.HTTPSession.Clear() }, []string{"delete k"}, nil},
		{"replaced by consumer", func(m *channels.Message) {
			m.HTTPSession = channels.NewSession("new", nil)
			m.HTTPSession.Set("c", "3")
		}, []string{"save new"}, channels.Content{"a": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newRecStore()
			store.put(t, "k", channels.Content{"a": "1"})
			c := &capture{do: tt.do}
			if err := run(t, channels.Chain(c, auth.HTTPSession(store)), connectMsg("", "sessionid=k")); err != nil {
				t.Fatal(err)
			}
			if got := store.takeCalls()[1:]; !equalCalls(got, tt.calls) {
				t.Errorf("calls after load = %q, want %q", got, tt.calls)
			}
			if got := stored(t, store, "k"); !maps.Equal(got, tt.want) {
				t.Errorf("stored = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHTTPSessionSavedWhenConsumerFails(t *testing.T) {
	store := newRecStore()
	store.put(t, "k", channels.Content{"a": "1"})
	boom := errors.New("boom")
	c := &capture{do: func(m *channels.Message) { m.HTTPSession.Set("a", "2") }, err: boom}
	err := run(t, channels.Chain(c, auth.HTTPSession(store)), connectMsg("", "sessionid=k"))
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if got := stored(t, store, "k").String("a"); got != "2" {
		t.Errorf("stored a = %q, want 2", got)
	}
}

func TestHTTPSessionStoreErrors(t *testing.T) {
	boom := errors.New("store down")
	t.Run("load", func(t *testing.T) {
		store := newRecStore()
		store.fail["load"] = boom
		c := &capture{}
		err := run(t, channels.Chain(c, auth.HTTPSession(store)), connectMsg("", "sessionid=k"))
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want the store's", err)
		}
		if c.seen != nil {
			t.Error("consumer ran after a failed load")
		}
	})
	t.Run("save", func(t *testing.T) {
		store := newRecStore()
		store.put(t, "k", channels.Content{"a": "1"})
		store.fail["save"] = boom
		consumerErr := errors.New("consumer")
		c := &capture{do: func(m *channels.Message) { m.HTTPSession.Set("a", "2") }, err: consumerErr}
		err := run(t, channels.Chain(c, auth.HTTPSession(store)), connectMsg("", "sessionid=k"))
		if !errors.Is(err, boom) || !errors.Is(err, consumerErr) {
			t.Errorf("err = %v, want both the consumer's and the store's", err)
		}
	})
}

func TestHTTPSessionKeepsExisting(t *testing.T) {
	outer, inner := newRecStore(), newRecStore()
	outer.put(t, "k", channels.Content{"a": "1"})
	c := &capture{do: func(m *channels.Message) { m.HTTPSession.Set("a", "2") }}
	h := channels.Chain(c, auth.HTTPSession(outer), auth.HTTPSession(inner))
	if err := run(t, h, connectMsg("", "sessionid=k")); err != nil {
		t.Fatal(err)
	}
	if got := inner.takeCalls(); len(got) != 0 {
		t.Errorf("inner store calls = %q, want none", got)
	}
	if got := outer.takeCalls(); !equalCalls(got, []string{"load k", "save k"}) {
		t.Errorf("outer store calls = %q, want one load and one save", got)
	}
}

func TestChannelAndHTTPSession(t *testing.T) {
	store := newRecStore()
	store.put(t, "webkey", channels.Content{"cart": "3 items"})
	c := &capture{}
	h := channels.Chain(c, channels.ChannelSession(store), auth.ChannelAndHTTPSession(store))

	if err := run(t, h, connectMsg("", "sessionid=webkey")); err != nil {
		t.Fatal(err)
	}
	if s := c.seen.HTTPSession; s == nil || s.String("cart") != "3 items" {
		t.Fatalf("connect: HTTPSession = %v, want the web session", s)
	}
	chKey := channels.ChannelSessionKey(testReply)
	if got := stored(t, store, chKey).String("sessionid"); got != "webkey" {
		t.Fatalf("channel session sessionid = %q, want webkey", got)
	}

	// A frame carries no cookie: the session comes from the channel session.
	c.do = func(m *channels.Message) { m.HTTPSession.Set("cart", "4 items") }
	if err := run(t, h, receiveMsg("add")); err != nil {
		t.Fatal(err)
	}
	if s := c.seen.HTTPSession; s == nil || s.Key() != "webkey" {
		t.Fatalf("receive: HTTPSession = %v, want webkey", s)
	}
	if got := stored(t, store, "webkey").String("cart"); got != "4 items" {
		t.Errorf("web session cart = %q, want the consumer's change saved", got)
	}

	// A connect naming another session replaces the recorded key.
	store.put(t, "otherkey", channels.Content{"cart": "empty"})
	c.do = nil
	if err := run(t, h, connectMsg("", "sessionid=otherkey")); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, store, chKey).String("sessionid"); got != "otherkey" {
		t.Errorf("channel session sessionid = %q, want otherkey", got)
	}

	// A session deleted from the store afterwards is gone.
	store.MemorySessionStore.Delete(t.Context(), "otherkey")
	if err := run(t, h, receiveMsg("again")); err != nil {
		t.Fatal(err)
	}
	if s := c.seen.HTTPSession; s != nil {
		t.Errorf("receive after delete: HTTPSession = %v, want nil", s.Values())
	}
}

func TestChannelAndHTTPSessionAnonymous(t *testing.T) {
	store := newRecStore()
	c := &capture{}
	h := channels.Chain(c, channels.ChannelSession(store), auth.ChannelAndHTTPSession(store))
	if err := run(t, h, connectMsg("", "")); err != nil {
		t.Fatal(err)
	}
	if c.seen.HTTPSession != nil {
		t.Error("HTTPSession != nil without a cookie")
	}
	if got := stored(t, store, channels.ChannelSessionKey(testReply)); got != nil {
		t.Errorf("channel session stored = %v, want nothing", got)
	}
}

func TestChannelAndHTTPSessionNeedsChannelSession(t *testing.T) {
	c := &capture{}
	err := run(t, channels.Chain(c, auth.ChannelAndHTTPSession(newRecStore())), connectMsg("", ""))
	if !errors.Is(err, auth.ErrNoChannelSession) {
		t.Errorf("err = %v, want ErrNoChannelSession", err)
	}
}

func TestChannelAndHTTPSessionLoadError(t *testing.T) {
	store := newRecStore()
	store.put(t, channels.ChannelSessionKey(testReply), channels.Content{"sessionid": "webkey"})
	boom := errors.New("store down")
	c := &capture{}
	h := channels.Chain(c, channels.ChannelSession(store), channels.Middleware(func(next channels.Consumer) channels.Consumer {
		return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			store.fail["load"] = boom // after the channel session loaded
			return next.Consume(ctx, m)
		})
	}), auth.ChannelAndHTTPSession(store))
	if err := run(t, h, receiveMsg("x")); !errors.Is(err, boom) || c.seen != nil {
		t.Errorf("err = %v, consumer ran = %v; want the store's error and no consumer", err, c.seen != nil)
	}
}
