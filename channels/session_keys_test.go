package channels

import "testing"

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
