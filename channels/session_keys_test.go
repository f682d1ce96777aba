package channels

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"testing"
)

func TestSessionKeysRemembered(t *testing.T) {
	var k sessionKeys
	const reply = "server.response.a!b"
	for _, ch := range []string{"websocket.connect", "websocket.receive", "websocket.receive"} {
		if got, want := k.of(&Message{Channel: ch}, reply), ChannelSessionKey(reply); got != want {
			t.Fatalf("%s: key %q, want %q", ch, got, want)
		}
	}
	if len(k.keys) != 1 {
		t.Fatalf("%d keys remembered, want 1", len(k.keys))
	}
	if got := k.of(&Message{Channel: "websocket.disconnect"}, reply); got != ChannelSessionKey(reply) {
		t.Fatalf("disconnect: key %q", got)
	}
	if len(k.keys) != 0 {
		t.Errorf("the disconnect left %d keys", len(k.keys))
	}
	k.of(&Message{Channel: "http.request"}, "http.response!x")
	if len(k.keys) != 0 {
		t.Errorf("an http.request's key was remembered")
	}
}

// ChannelSessionKey is Django Channels' derivation, for names of any
// length, and allocates only the key.
func TestChannelSessionKey(t *testing.T) {
	if got, want := ChannelSessionKey("defaultAbCdE"), "chnc23a5eb3fd93060a041bd33b310e4"; got != want {
		t.Errorf("ChannelSessionKey(defaultAbCdE) = %s, want %s", got, want)
	}
	for _, name := range []string{"", "server.response.AnoQduwtco!rUkUjIQIbdwu", strings.Repeat("x", 200)} {
		sum := sha1.Sum([]byte(name))
		if got, want := ChannelSessionKey(name), "chn"+hex.EncodeToString(sum[:])[:29]; got != want {
			t.Errorf("ChannelSessionKey(%q) = %s, want %s", name, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { ChannelSessionKey("server.response.AnoQduwtco!rUkUjIQIbdwu") }); n != 1 {
		t.Errorf("ChannelSessionKey allocates %v times, want 1", n)
	}
}
