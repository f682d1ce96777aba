package redislayer_test

import (
	"context"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// eventsInteropScript is a Channels 4-style Django process: its channel is
// in the group "room"; told to, it group_sends a chat.message event, then
// prints the two events it receives (its own, and Go's).
const eventsInteropScript = `
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

async def main():
    if cfg["pubsub"]:
        layer = RedisPubSubChannelLayer(hosts=cfg["hosts"], prefix=cfg["prefix"])
        name = await layer.new_channel()
    else:
        layer = RedisChannelLayer(hosts=cfg["hosts"], prefix=cfg["prefix"])
        name = await layer.new_channel("py")
    await layer.group_add("room", name)
    say(channel=name)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await layer.group_send("room", {"type": "chat.message", "text": "hi"})
    for _ in range(2):  # its own chat.message, then Go's event
        got = await asyncio.wait_for(layer.receive(name), 10)
        say(received=got)

asyncio.run(main())
`

type roomAPI struct{ jsonrpc.Consumer }

// TestTypedEventsWithDjango shares a group between a Go JSON-RPC client
// and a Django process over Redis: Django's chat.message event reaches the
// Go client as a notification, and Go's NotifyGroup reaches Django as a
// typed event its handler would take (type group.message).
func TestTypedEventsWithDjango(t *testing.T) {
	python := pythonPath(t)
	srv := startRedis(t)
	t.Run("core", func(t *testing.T) {
		layer, err := redislayer.New(redislayer.Config{Hosts: []string{srv.url()}, Prefix: "events", Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { layer.Close() })
		runEventsInterop(t, python, srv.url(), layer, false)
	})
	t.Run("pubsub", func(t *testing.T) {
		layer, err := redislayer.NewPubSub(redislayer.PubSubConfig{Hosts: []string{srv.url()}, Prefix: "events", Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { layer.Close() })
		runEventsInterop(t, python, srv.url(), layer, true)
	})
}

func runEventsInterop(t *testing.T, python, url string, layer channels.Layer, pubsub bool) {
	api := &roomAPI{}
	if err := api.Register(func(ctx context.Context) (bool, error) {
		return true, jsonrpc.MessageFrom(ctx).GroupAdd(ctx, "room")
	}, jsonrpc.Name("join")); err != nil {
		t.Fatal(err)
	}
	live := channelstest.NewLiveServerConfig(t, channelstest.LiveConfig{Layer: layer}, jsonrpc.WebsocketRoute(api))
	if l, ok := layer.(channels.Listener); ok { // the worker may not listen yet
		if err := l.Listen(t.Context(), append(channels.ServerChannels(), channels.EventChannel)...); err != nil {
			t.Fatal(err)
		}
	}
	conn := live.Dial("/")
	conn.SendText(`{"jsonrpc":"2.0","method":"join","id":1}`)
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","id":1,"result":true}` {
		t.Fatalf("join: %s", got)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	py := startPython(t, python, eventsInteropScript, map[string]any{"hosts": []string{url}, "prefix": "events", "pubsub": pubsub})
	py.next("its channel name")
	py.goOn()

	// Django -> Go.
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","method":"chat.message","params":{"text":"hi"}}` {
		t.Errorf("the Go client got %s for Django's chat.message", got)
	}
	// Go -> Django, and the Go client's own notification.
	if err := api.NotifyGroup(ctx, layer, "room", "group.message", map[string]any{"group": "room", "payload": 7}); err != nil {
		t.Fatal(err)
	}
	py.next("receiving its own event")
	got, _ := py.next("receiving Go's event")["received"].(map[string]any)
	if got["type"] != "group.message" || got["group"] != "room" || got["payload"] != float64(7) {
		t.Errorf("Django received %v, want a group.message event with group and payload", got)
	}
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","method":"group.message","params":{"group":"room","payload":7}}` {
		t.Errorf("the Go client got %s for NotifyGroup", got)
	}
}
