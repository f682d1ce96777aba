package redislayer_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	"github.com/redis/go-redis/v9"
)

var quiet = slog.New(slog.DiscardHandler)

// members returns the members of a sorted set with their scores.
func members(t *testing.T, m *miniredis.Miniredis, key string) map[string]float64 {
	t.Helper()
	set, err := m.SortedSet(key)
	if err != nil {
		t.Fatalf("sorted set %q: %v (keys: %q)", key, err, m.Keys())
	}
	return set
}

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

func receiveWithin(t *testing.T, l channels.Layer, d time.Duration, chans ...string) (string, channels.Content) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	ch, c, err := l.Receive(ctx, chans...)
	if err != nil {
		t.Fatalf("Receive(%q): %v", chans, err)
	}
	return ch, c
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

func TestCapacityRules(t *testing.T) {
	l, _ := newMiniLayer(t, 1, redislayer.Config{Logger: quiet, Capacity: 3,
		ChannelCapacity: []channels.CapacityRule{{Pattern: "small.*", Capacity: 1}, {Pattern: "small.big", Capacity: 5}}})
	ctx := t.Context()
	for _, tc := range []struct {
		channel string
		want    int
	}{{"small.big", 1}, {"small!x", 3}, {"other", 3}} {
		n := 0
		for ; n < 10; n++ {
			if err := l.Send(ctx, tc.channel, channels.Content{}); err != nil {
				var full *channels.ChannelFullError
				if !errors.As(err, &full) || full.Capacity != tc.want || full.Channel != tc.channel {
					t.Errorf("Send(%q): %v", tc.channel, err)
				}
				break
			}
		}
		if n != tc.want {
			t.Errorf("%q took %d messages, want %d", tc.channel, n, tc.want)
		}
	}
	if _, err := redislayer.New(redislayer.Config{ChannelCapacity: []channels.CapacityRule{{Pattern: "[", Capacity: 1}}}); err == nil {
		t.Error("a bad glob is accepted")
	}
}

// With two hosts, as with channels_redis, a normal channel holds Capacity
// messages on each host (sends go round-robin), while a process-local
// channel, always on one host, holds Capacity.
func TestCapacityTwoHosts(t *testing.T) {
	l, _ := newMiniLayer(t, 2, redislayer.Config{Logger: quiet, Capacity: 5})
	ctx := t.Context()
	count := func(channel func(n int) string) int {
		for n := 0; ; n++ {
			err := l.Send(ctx, channel(n), channels.Content{})
			if errors.Is(err, channels.ErrChannelFull) {
				return n
			}
			if err != nil || n > 100 {
				t.Fatalf("Send: %v after %d", err, n)
			}
		}
	}
	if n := count(func(int) string { return "normal" }); n != 10 {
		t.Errorf("a normal channel took %d messages on two hosts, want 10", n)
	}
	if n := count(func(n int) string { return fmt.Sprintf("local!%d", n) }); n != 5 {
		t.Errorf("a process-local channel took %d messages, want 5", n)
	}
}

// TestSharding checks where keys go with two hosts: process-local
// channels by the hash of their non-local name (unlike channels_redis's
// send, which hashes the full name), groups by the hash of the group, normal
// channels on both.
func TestSharding(t *testing.T) {
	l, clock := newMiniLayer(t, 2, redislayer.Config{Logger: quiet})
	ctx := t.Context()
	// crc32 & 0xFFF of "specific.abc!" is 3651 (shard 1 of 2) and of "grp"
	// 3839 (shard 1); "daphne.response.AbCdEfGhIj!" gives 682 (shard 0).
	for _, ch := range []string{"specific.abc!x", "specific.abc!y", "daphne.response.AbCdEfGhIj!z"} {
		if err := l.Send(ctx, ch, channels.Content{}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := l.Send(ctx, "test.channel", channels.Content{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.GroupAdd(ctx, "grp", "a"); err != nil {
		t.Fatal(err)
	}
	if err := l.GroupAdd(ctx, "chat_lobby", "a"); err != nil { // 2156: shard 1
		t.Fatal(err)
	}
	want := [][]string{
		{"asgidaphne.response.AbCdEfGhIj!", "asgitest.channel"},
		{"asgi:group:chat_lobby", "asgi:group:grp", "asgispecific.abc!", "asgitest.channel"},
	}
	for i, m := range clock.servers {
		if got := m.Keys(); !slices.Equal(got, want[i]) {
			t.Errorf("shard %d keys %q, want %q", i, got, want[i])
		}
	}
	seen := map[string]int{}
	for range 5 {
		ch, _ := receiveWithin(t, l, 5*time.Second, "test.channel", "specific.abc!", "daphne.response.AbCdEfGhIj!")
		seen[ch]++
	}
	if want := map[string]int{"test.channel": 2, "specific.abc!x": 1, "specific.abc!y": 1, "daphne.response.AbCdEfGhIj!z": 1}; !maps.Equal(seen, want) {
		t.Errorf("received %v, want %v", seen, want)
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

// A slow receiver of a process-local name does not make the layer buffer
// without bound: the queue of the name stops at its capacity, then Redis
// fills up and Send fails with ErrChannelFull.
func TestLocalBackpressure(t *testing.T) {
	const capacity = 3
	l, clock := newMiniLayer(t, 1, redislayer.Config{Logger: quiet, Capacity: capacity})
	m := clock.servers[0]
	ctx := t.Context()
	if err := l.Send(ctx, "bp!a", channels.Content{"n": 0}); err != nil {
		t.Fatal(err)
	}
	receiveWithin(t, l, 5*time.Second, "bp!") // the loop now fetches bp!
	inRedis := func() int {
		members, _ := m.ZMembers("asgibp!") // an error means no key: none
		return len(members)
	}
	sent := 0
	send := func() error {
		err := l.Send(ctx, "bp!a", channels.Content{"n": sent + 1})
		if err == nil {
			sent++
		}
		return err
	}
	// While the queue of bp! has room, the loop takes each message out of
	// Redis.
	for range capacity {
		if err := send(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); inRedis() > 0; runtime.Gosched() {
			if time.Now().After(deadline) {
				t.Fatalf("message %d stays in Redis while the local queue has room", sent)
			}
		}
	}
	// The queue is full: the loop stops fetching, Redis fills to its
	// capacity, and the next send fails.
	for range capacity {
		if err := send(); err != nil {
			t.Fatalf("send %d with Redis not full yet: %v", sent+1, err)
		}
	}
	if err := send(); !errors.Is(err, channels.ErrChannelFull) {
		t.Fatalf("send %d with the queue and Redis full: %v, want ErrChannelFull", sent+1, err)
	}
	if got := inRedis(); got != capacity {
		t.Errorf("%d messages in Redis, want %d: the loop fetched beyond the queue's capacity", got, capacity)
	}
	for i := 1; i <= sent; i++ {
		_, c := receiveWithin(t, l, 5*time.Second, "bp!")
		if n, _ := c.Int("n"); n != int64(i) {
			t.Fatalf("message %d has n=%v: lost or out of order", i, c["n"])
		}
	}
}

// A group message for more local members than the capacity reaches all of
// them: it is one Redis message, and the queue of the name does not drop.
func TestGroupFanOutBeyondCapacity(t *testing.T) {
	l, _ := newMiniLayer(t, 1, redislayer.Config{Logger: quiet, Capacity: 10})
	ctx := t.Context()
	const n = 250
	for i := range n {
		if err := l.GroupAdd(ctx, "room", fmt.Sprintf("srv!%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.GroupSend(ctx, "room", channels.Content{"text": "hi"}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range n {
		ch, c := receiveWithin(t, l, 5*time.Second, "srv!")
		if seen[ch] || c.String("text") != "hi" {
			t.Fatalf("received %q %v (twice: %v)", ch, c, seen[ch])
		}
		seen[ch] = true
	}
}

// checkNoLeak fails when goroutines started since before are still running.
func checkNoLeak(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCloseEndsEverything(t *testing.T) {
	m := miniredis.RunT(t)
	before := runtime.NumGoroutine()
	l, err := redislayer.New(redislayer.Config{Hosts: []string{"redis://" + m.Addr()}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	errs := make(chan error, 3)
	for _, chans := range [][]string{{"local!"}, {"normal"}, {"normal", "local!"}} {
		go func() {
			_, _, err := l.Receive(ctx, chans...)
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them block
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		select {
		case err := <-errs:
			if !errors.Is(err, channels.ErrClosed) {
				t.Errorf("blocked Receive after Close: %v, want ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a blocked Receive did not return after Close")
		}
	}
	if err := l.Send(ctx, "normal", channels.Content{}); !errors.Is(err, channels.ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
	if _, _, err := l.Receive(ctx, "normal"); !errors.Is(err, channels.ErrClosed) {
		t.Errorf("Receive after Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	checkNoLeak(t, before)
	// The wake keys a cancelled receive adds are removed.
	if keys := m.Keys(); len(keys) > 0 {
		t.Errorf("keys left behind: %q", keys)
	}
}

// TestRedisDown: with Redis gone, calls fail with an error naming the host
// instead of hanging, within CallTimeout.
func TestRedisDown(t *testing.T) {
	m := miniredis.RunT(t)
	l, err := redislayer.New(redislayer.Config{Hosts: []string{"redis://" + m.Addr()}, Logger: quiet,
		CallTimeout: 500 * time.Millisecond, BlockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	addr := m.Addr()
	m.Close()
	ctx := t.Context()
	start := time.Now()
	err = l.Send(ctx, "c", channels.Content{})
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Errorf("Send with Redis down: %v, want an error naming %s", err, addr)
	}
	for _, chans := range [][]string{{"c"}, {"c!"}, {"c", "c!"}} {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, _, err := l.Receive(rctx, chans...)
		cancel()
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Receive(%q) with Redis down: %v, want a Redis error", chans, err)
		}
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("calls with Redis down took %v", d)
	}
}
