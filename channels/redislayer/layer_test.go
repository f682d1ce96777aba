package redislayer_test

import (
	"context"
	"encoding/hex"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	"github.com/redis/go-redis/v9"
)

// onlyMember returns the one member of a sorted set, without its 12-byte
// prefix, as hex.
func onlyMember(t *testing.T, m *miniredis.Miniredis, key string) (string, float64) {
	t.Helper()
	set := members(t, m, key)
	if len(set) != 1 {
		t.Fatalf("%q has %d members, want 1", key, len(set))
	}
	for member, score := range set {
		if len(member) < 12 {
			t.Fatalf("member %x is shorter than its 12-byte prefix", member)
		}
		return hex.EncodeToString([]byte(member[12:])), score
	}
	panic("unreachable")
}

func TestWireFormatSend(t *testing.T) {
	l, clock := newMiniLayer(t, 1, redislayer.Config{Logger: quiet})
	m := clock.servers[0]
	ctx := t.Context()
	before := float64(clock.Now().UnixNano()) / 1e9
	if err := l.Send(ctx, "test.channel", channels.Content{"type": "x.y"}); err != nil {
		t.Fatal(err)
	}
	after := float64(clock.Now().UnixNano()) / 1e9
	body, score := onlyMember(t, m, "asgitest.channel")
	if body != "81a474797065a3782e79" { // {"type": "x.y"}
		t.Errorf("member body %s, want msgpack of {type: x.y}", body)
	}
	if score < before || score > after {
		t.Errorf("score %f is not the send time (%f..%f)", score, before, after)
	}
	if ttl := m.TTL("asgitest.channel"); ttl != 60*time.Second {
		t.Errorf("TTL %v, want 60s", ttl)
	}

	if err := l.Send(ctx, "specific.abc!def", channels.Content{"type": "x.y"}); err != nil {
		t.Fatal(err)
	}
	body, _ = onlyMember(t, m, "asgispecific.abc!")
	// {"type": "x.y", "__asgi_channel__": "specific.abc!def"}
	if want := "82a474797065a3782e79b05f5f617367695f6368616e6e656c5f5fb0" + hex.EncodeToString([]byte("specific.abc!def")); body != want {
		t.Errorf("member body %s, want %s", body, want)
	}
}

// TestWireFormatSendText: SendText writes the member Send writes for
// {"text": text}, to a normal and to a process-local channel, and refuses
// to send once the layer is closed.
func TestWireFormatSendText(t *testing.T) {
	l, clock := newMiniLayer(t, 1, redislayer.Config{Logger: quiet})
	m := clock.servers[0]
	ctx := t.Context()
	for _, ch := range []string{"text.a", "reply.abc!def"} {
		if err := l.Send(ctx, ch, channels.Content{"text": "héllo"}); err != nil {
			t.Fatal(err)
		}
		key := "asgi" + channels.NonLocalName(ch)
		sent, _ := onlyMember(t, m, key)
		m.Del(key)
		if err := l.SendText(ctx, ch, "héllo"); err != nil {
			t.Fatal(err)
		}
		if text, _ := onlyMember(t, m, key); text != sent {
			t.Errorf("SendText to %s wrote %s; Send of the same content wrote %s", ch, text, sent)
		}
		if got, c := receiveWithin(t, l, time.Second, channels.NonLocalName(ch)); got != ch || !maps.Equal(c, channels.Content{"text": "héllo"}) {
			t.Errorf("received %v on %s; want {text: héllo} on %s", c, got, ch)
		}
	}
	l.Close()
	if err := l.SendText(ctx, "text.a", "x"); !errors.Is(err, channels.ErrClosed) {
		t.Errorf("SendText after Close = %v; want ErrClosed", err)
	}
}

func TestWireFormatGroups(t *testing.T) {
	l, clock := newMiniLayer(t, 1, redislayer.Config{Logger: quiet, GroupExpiry: time.Hour})
	m := clock.servers[0]
	ctx := t.Context()
	for _, ch := range []string{"x!a", "x!b", "plain"} {
		if err := l.GroupAdd(ctx, "grp", ch); err != nil {
			t.Fatal(err)
		}
	}
	group := members(t, m, "asgi:group:grp")
	if got := slices.Sorted(maps.Keys(group)); !slices.Equal(got, []string{"plain", "x!a", "x!b"}) {
		t.Errorf("group members %q", got)
	}
	if ttl := m.TTL("asgi:group:grp"); ttl != time.Hour {
		t.Errorf("group TTL %v, want 1h", ttl)
	}
	if err := l.GroupSend(ctx, "grp", channels.Content{"type": "x.y"}); err != nil {
		t.Fatal(err)
	}
	// One message per key, naming its members in a list.
	body, _ := onlyMember(t, m, "asgix!")
	list := "92a3" + hex.EncodeToString([]byte("x!a")) + "a3" + hex.EncodeToString([]byte("x!b"))
	if want := "82a474797065a3782e79b05f5f617367695f6368616e6e656c5f5f" + list; body != want {
		t.Errorf("group message on asgix!: %s, want %s", body, want)
	}
	body, _ = onlyMember(t, m, "asgiplain")
	if want := "82a474797065a3782e79b05f5f617367695f6368616e6e656c5f5f91a5" + hex.EncodeToString([]byte("plain")); body != want {
		t.Errorf("group message on asgiplain: %s, want %s", body, want)
	}
	// Both members of x! get it, under their own names.
	got := map[string]bool{}
	for range 2 {
		ch, c := receiveWithin(t, l, 5*time.Second, "x!")
		if c.String("type") != "x.y" {
			t.Errorf("received %v", c)
		}
		got[ch] = true
	}
	if !got["x!a"] || !got["x!b"] {
		t.Errorf("received on %v, want x!a and x!b", got)
	}
	if err := l.GroupDiscard(ctx, "grp", "x!a"); err != nil {
		t.Fatal(err)
	}
	if _, ok := members(t, m, "asgi:group:grp")["x!a"]; ok {
		t.Error("GroupDiscard left the member")
	}
}

func TestPrefix(t *testing.T) {
	l, clock := newMiniLayer(t, 1, redislayer.Config{Prefix: "myapp:", Logger: quiet})
	m := clock.servers[0]
	ctx := t.Context()
	if err := l.Send(ctx, "chan", channels.Content{}); err != nil {
		t.Fatal(err)
	}
	if err := l.GroupAdd(ctx, "g", "chan"); err != nil {
		t.Fatal(err)
	}
	if got := m.Keys(); !slices.Equal(got, []string{"myapp::group:g", "myapp:chan"}) {
		t.Errorf("keys %q", got)
	}
}

// TestReceivePythonMembers receives members written as channels_redis
// writes them, with values Go never writes.
func TestReceivePythonMembers(t *testing.T) {
	l, clock := newMiniLayer(t, 1, redislayer.Config{Logger: quiet})
	m := clock.servers[0]
	now := float64(clock.Now().UnixNano()) / 1e9
	add := func(key, hexBody string, score float64) {
		t.Helper()
		b, err := hex.DecodeString(hexBody)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.ZAdd(key, score, "0123456789ab"+string(b)); err != nil {
			t.Fatal(err)
		}
	}
	// {"t": float32(1.5), "__asgi_channel__": ["p!1"]} on a normal key: the
	// list names the channel itself.
	add("asgiplain", "82a174ca3fc00000b05f5f617367695f6368616e6e656c5f5f91a5"+hex.EncodeToString([]byte("plain")), now)
	ch, c := receiveWithin(t, l, 5*time.Second, "plain")
	if ch != "plain" || c["t"] != 1.5 || c.Has(channels.ReservedKey) {
		t.Errorf("received %q %#v", ch, c)
	}
	// A message that expired (score older than expiry) is dropped, as the
	// next send would drop it; the newer one is received.
	add("asgiplain", "81a17601", now-61)
	add("asgiplain", "81a17602", now)
	if _, c := receiveWithin(t, l, 5*time.Second, "plain"); c["v"] != int64(2) {
		t.Errorf("received %v, want v=2 after the expired message", c)
	}
	// Undecodable members and process-local messages without a channel
	// name are dropped, and do not stop the next message.
	add("asgip!", "c1", now)
	add("asgip!", "81a17601", now+0.001)
	add("asgip!", "82a17602b05f5f617367695f6368616e6e656c5f5fa3"+hex.EncodeToString([]byte("p!x")), now+0.002)
	ch, c = receiveWithin(t, l, 5*time.Second, "p!")
	if ch != "p!x" || c["v"] != int64(2) {
		t.Errorf("received %q %v, want p!x v=2", ch, c)
	}
}

func TestNewChannelNames(t *testing.T) {
	l, _ := newMiniLayer(t, 1, redislayer.Config{Logger: quiet})
	name, err := l.NewChannel(t.Context(), "specific")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^specific\.[0-9a-f]{32}![0-9a-f]{32}$`).MatchString(name) {
		t.Errorf("NewChannel(specific) = %q, want channels_redis's specific.<hex32>!<hex32>", name)
	}
	if !strings.HasPrefix(name, "specific."+l.ClientPrefix()+"!") {
		t.Errorf("NewChannel(specific) = %q does not use ClientPrefix %q", name, l.ClientPrefix())
	}
	if _, err := l.NewChannel(t.Context(), strings.Repeat("a", 34)); !errors.Is(err, channels.ErrInvalidName) {
		t.Errorf("NewChannel of a 34-character pattern: %v, want a name error (74 + 34 > 99)", err)
	}
	single, err := l.NewChannel(t.Context(), "reply?")
	if err != nil || !regexp.MustCompile(`^reply\?[a-zA-Z]{12}$`).MatchString(single) {
		t.Errorf("NewChannel(reply?) = %q, %v", single, err)
	}
}

func TestFlushKeepsOtherKeys(t *testing.T) {
	l, clock := newMiniLayer(t, 1, redislayer.Config{Logger: quiet, Prefix: "a*b"})
	m := clock.servers[0]
	ctx := t.Context()
	m.Set("other", "1")
	m.Set("axb-not-ours", "1")
	if err := l.Send(ctx, "c", channels.Content{}); err != nil {
		t.Fatal(err)
	}
	if err := l.GroupAdd(ctx, "g", "c"); err != nil {
		t.Fatal(err)
	}
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := m.Keys(); !slices.Equal(got, []string{"axb-not-ours", "other"}) {
		t.Errorf("keys after Flush: %q", got)
	}
}

func TestEncryption(t *testing.T) {
	enc := redislayer.Config{Logger: quiet, SymmetricEncryptionKeys: []string{"new", "old"}}
	l, clock := newMiniLayer(t, 1, enc)
	m := clock.servers[0]
	ctx := t.Context()
	content := channels.Content{"type": "secret", "b": []byte{0, 1}}
	if err := l.Send(ctx, "enc", content); err != nil {
		t.Fatal(err)
	}
	for member := range members(t, m, "asgienc") {
		if !strings.HasPrefix(member[12:], "gAAAAA") {
			t.Errorf("member %q is not a Fernet token after its prefix", member)
		}
	}
	if _, c := receiveWithin(t, l, 5*time.Second, "enc"); c.String("type") != "secret" {
		t.Errorf("received %v", c)
	}

	// Layers on the same Redis: one with the old key only reads what was
	// encrypted with it; one with a different key drops what it cannot read.
	client := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { client.Close() })
	newOn := func(keys ...string) *redislayer.Layer {
		o, err := redislayer.NewWithClients([]redis.UniversalClient{client},
			redislayer.Config{Logger: quiet, SymmetricEncryptionKeys: keys, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { o.Close() })
		return o
	}
	old, other := newOn("old"), newOn("other")
	if err := old.Send(ctx, "enc", content); err != nil {
		t.Fatal(err)
	}
	if _, c := receiveWithin(t, l, 5*time.Second, "enc"); c.String("type") != "secret" {
		t.Errorf("a ring did not read its second key's message: %v", c)
	}
	if err := l.Send(ctx, "enc", content); err != nil {
		t.Fatal(err)
	}
	now, cancel := context.WithCancel(ctx)
	cancel()
	if ch, c, err := other.Receive(now, "enc"); !errors.Is(err, context.Canceled) {
		t.Errorf("a layer with another key received %q %v, %v", ch, c, err)
	}
	// Encrypted messages expire with the token's TTL, expiry + 10 s, even
	// when Redis still holds them.
	if err := l.Send(ctx, "enc", content); err != nil {
		t.Fatal(err)
	}
	clock.mu.Lock()
	clock.offset += 71 * time.Second // the layer's clock only
	clock.mu.Unlock()
	if ch, c, err := l.Receive(now, "enc"); !errors.Is(err, context.Canceled) {
		t.Errorf("received an expired token: %q %v, %v", ch, c, err)
	}
}
