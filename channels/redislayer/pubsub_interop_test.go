package redislayer_test

import (
	"context"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// pubsubInteropScript is the Django side of TestPubSubDjangoInterop: a
// channels_redis RedisPubSubChannelLayer with a channel in a group, which
// sends to Go when told to and prints what it receives.
const pubsubInteropScript = `
from channels_redis.pubsub import RedisPubSubChannelLayer

async def main():
    layer = RedisPubSubChannelLayer(hosts=cfg["hosts"], prefix=cfg["prefix"])
    name = await layer.new_channel()
    await layer.group_add("to_python", name)
    say(channel=name)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    message = {"type": "chat.message", "text": "from Django \u00a3", "bytes": b"\x00\xff", "n": 42,
               "f": 1.5, "nothing": None, "list": [1, "a", b"b"], "map": {"k": "v"}}
    await layer.group_send("to_go", message)
    await layer.send(cfg["go_channel"], dict(message, type="py.direct"))
    say(sent=True)
    for _ in range(2):
        got = await asyncio.wait_for(layer.receive(name), 10)
        say(received=tag(got))

asyncio.run(main())
`

// TestPubSubDjangoInterop runs channels_redis's pub/sub layer next to the
// Go one on a real Redis: a group send and a send in each direction.
func TestPubSubDjangoInterop(t *testing.T) {
	python := pythonPath(t)
	srv := startRedis(t)
	l := newPubSub(t, srv.url())
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	goChannel, err := l.NewChannel(ctx, "go")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Listen(ctx, goChannel); err != nil {
		t.Fatal(err)
	}
	if err := l.GroupAdd(ctx, "to_go", goChannel); err != nil {
		t.Fatal(err)
	}
	py := startPython(t, python, pubsubInteropScript,
		map[string]any{"hosts": []string{srv.url()}, "prefix": "asgi", "go_channel": goChannel})
	pyChannel, _ := py.next("its channel name")["channel"].(string)
	py.goOn()
	py.next("its sends")

	// Django -> Go: the group message and the direct one.
	want := map[string]any{"text": "from Django \u00a3", "bytes": []byte{0, 0xff}, "n": int64(42), "f": 1.5,
		"nothing": nil, "list": []any{int64(1), "a", []byte("b")}, "map": map[string]any{"k": "v"}}
	got := map[string]bool{}
	for range 2 {
		ch, c := receiveWithin(t, l, 5*time.Second, channels.NonLocalName(goChannel))
		typ := c.String("type")
		want["type"] = typ
		if ch != goChannel || !sameJSON(t, tag(c), tag(want)) {
			t.Errorf("on %s: received %#v", ch, c)
		}
		got[typ] = true
	}
	if !got["chat.message"] || !got["py.direct"] {
		t.Errorf("received types %v, want chat.message and py.direct", got)
	}

	// Go -> Django: a group send and a send.
	goMsg := channels.Content{"type": "group.message", "text": "from Go \u00e9", "bytes": []byte{1}, "n": 7,
		"list": []any{"x", 3}, "map": map[string]any{"nested": []any{}}}
	if err := l.GroupSend(ctx, "to_python", goMsg); err != nil {
		t.Fatal(err)
	}
	direct := goMsg.ShallowCopy()
	direct["type"] = "go.direct"
	if err := l.Send(ctx, pyChannel, direct); err != nil {
		t.Fatal(err)
	}
	for _, wantMsg := range []channels.Content{goMsg, direct} {
		m := py.next("receiving Go's messages")
		if !sameJSON(t, m["received"], tag(wantMsg)) {
			t.Errorf("Django received\n%v\nwant\n%v", m["received"], tag(wantMsg))
		}
	}
}
