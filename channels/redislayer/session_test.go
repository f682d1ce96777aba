package redislayer_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	"github.com/redis/go-redis/v9"
)

// newSessionStore returns a store with a MaxAge of an hour on a new
// miniredis server, and the key of a channel's session.
func newSessionStore(t *testing.T) (*redislayer.SessionStore, *miniredis.Miniredis, string) {
	t.Helper()
	m := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { client.Close() })
	store, err := redislayer.NewSessionStore([]redis.UniversalClient{client}, redislayer.SessionConfig{MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return store, m, channels.ChannelSessionKey("daphne.response.AbCdEfGhIj!xyz")
}

func TestSessionStore(t *testing.T) {
	store, m, key := newSessionStore(t)
	ctx := t.Context()

	if v, err := store.Load(ctx, key); v != nil || err != nil {
		t.Fatalf("Load of a missing session = %v, %v; want nil, nil", v, err)
	}
	values := channels.Content{"_auth_user_id": "42", "n": 7, "raw": []byte{0, 1}, "list": []any{"a", 1.5}}
	if err := store.Save(ctx, key, values); err != nil {
		t.Fatal(err)
	}
	values["n"] = 8 // the store keeps its own copy
	got, err := store.Load(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	want := channels.Content{"_auth_user_id": "42", "n": int64(7), "raw": []byte{0, 1}, "list": []any{"a", 1.5}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %#v, want %#v", got, want)
	}
	rkey := redislayer.DefaultSessionPrefix + key
	if ttl := m.TTL(rkey); ttl != time.Hour {
		t.Errorf("TTL of %q = %v, want 1h", rkey, ttl)
	}

	m.FastForward(30 * time.Minute)
	if err := store.Save(ctx, key, channels.Content{"n": 9}); err != nil { // Save restarts MaxAge
		t.Fatal(err)
	}
	m.FastForward(45 * time.Minute)
	if got, _ := store.Load(ctx, key); got["n"] != int64(9) {
		t.Errorf("after a second Save, Load = %v", got)
	}
	m.FastForward(16 * time.Minute)
	if got, err := store.Load(ctx, key); got != nil || err != nil {
		t.Errorf("Load of an expired session = %v, %v", got, err)
	}
}

// Delete, and what the store refuses to save or cannot load.
func TestSessionStoreDeleteAndErrors(t *testing.T) {
	store, m, key := newSessionStore(t)
	ctx := t.Context()
	rkey := redislayer.DefaultSessionPrefix + key
	if err := store.Save(ctx, key, channels.Content{"n": 1}); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, key); err != nil {
		t.Errorf("Delete of a missing session: %v", err)
	}
	if got, _ := store.Load(ctx, key); got != nil {
		t.Errorf("Load after Delete = %v", got)
	}
	if err := store.Save(ctx, key, channels.Content{"f": func() {}}); !errors.Is(err, channels.ErrInvalidMessage) {
		t.Errorf("Save of a func: %v", err)
	}
	m.Set(rkey, "not msgpack")
	if _, err := store.Load(ctx, key); err == nil {
		t.Error("Load of a corrupt session: no error")
	}
}

// The layer's store shares its hosts, spreads sessions over them, and is
// left alone by Flush.
func TestLayerSessionStore(t *testing.T) {
	l, clock := newMiniLayer(t, 2, redislayer.Config{Logger: quiet})
	store := l.SessionStore(redislayer.SessionConfig{})
	ctx := t.Context()
	for i := range 20 {
		if err := store.Save(ctx, channels.ChannelSessionKey(string(rune('a'+i))+"!x"), channels.Content{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i, m := range clock.servers {
		n := len(m.Keys())
		if n == 0 || n == 20 {
			t.Errorf("shard %d holds %d of 20 sessions", i, n)
		}
		for _, k := range m.Keys() {
			if ttl := m.TTL(k); ttl != channels.DefaultSessionAge {
				t.Errorf("TTL of %q = %v, want two weeks", k, ttl)
			}
		}
	}
	for i := range 20 {
		got, err := store.Load(ctx, channels.ChannelSessionKey(string(rune('a'+i))+"!x"))
		if err != nil || got["i"] != int64(i) {
			t.Errorf("session %d: %v, %v", i, got, err)
		}
	}
}
