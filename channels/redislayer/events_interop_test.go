package redislayer_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
import asyncio, json, sys
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

cfg = json.loads(sys.argv[1])

async def main():
    if cfg["pubsub"]:
        layer = RedisPubSubChannelLayer(hosts=cfg["hosts"], prefix=cfg["prefix"])
        name = await layer.new_channel()
    else:
        layer = RedisChannelLayer(hosts=cfg["hosts"], prefix=cfg["prefix"])
        name = await layer.new_channel("py")
    await layer.group_add("room", name)
    print(json.dumps({"channel": name}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await layer.group_send("room", {"type": "chat.message", "text": "hi"})
    for _ in range(2):  # its own chat.message, then Go's event
        got = await asyncio.wait_for(layer.receive(name), 10)
        print(json.dumps({"received": got}), flush=True)

asyncio.run(main())
`

type roomAPI struct{ jsonrpc.Consumer }

// TestTypedEventsWithDjango shares a group between a Go JSON-RPC client
// and a Django process over Redis: Django's chat.message event reaches the
// Go client as a notification, and Go's NotifyGroup reaches Django as a
// typed event its handler would take (type group.message).
func TestTypedEventsWithDjango(t *testing.T) {
	python := pythonPath(t)
	script := filepath.Join(t.TempDir(), "events_interop.py")
	if err := os.WriteFile(script, []byte(eventsInteropScript), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startRedis(t)
	t.Run("core", func(t *testing.T) {
		layer, err := redislayer.New(redislayer.Config{Hosts: []string{srv.url()}, Prefix: "events", Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { layer.Close() })
		runEventsInterop(t, python, script, srv.url(), layer, false)
	})
	t.Run("pubsub", func(t *testing.T) {
		layer, err := redislayer.NewPubSub(redislayer.PubSubConfig{Hosts: []string{srv.url()}, Prefix: "events", Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { layer.Close() })
		runEventsInterop(t, python, script, srv.url(), layer, true)
	})
}

func runEventsInterop(t *testing.T, python, script, url string, layer channels.Layer, pubsub bool) {
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
	args, _ := json.Marshal(map[string]any{"hosts": []string{url}, "prefix": "events", "pubsub": pubsub})
	cmd := exec.CommandContext(ctx, python, script, string(args))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	next := func(what string) map[string]any {
		t.Helper()
		if !lines.Scan() {
			cmd.Wait()
			t.Fatalf("python exited before %s:\n%s", what, stderr.String())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("python printed %q: %v", lines.Text(), err)
		}
		return m
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil && !t.Failed() {
			t.Errorf("python: %v\n%s", err, stderr.String())
		}
	}()
	next("its channel name")
	fmt.Fprintln(stdin, "go")

	// Django -> Go.
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","method":"chat.message","params":{"text":"hi"}}` {
		t.Errorf("the Go client got %s for Django's chat.message", got)
	}
	// Go -> Django, and the Go client's own notification.
	if err := api.NotifyGroup(ctx, layer, "room", "group.message", map[string]any{"group": "room", "payload": 7}); err != nil {
		t.Fatal(err)
	}
	next("receiving its own event")
	got, _ := next("receiving Go's event")["received"].(map[string]any)
	if got["type"] != "group.message" || got["group"] != "room" || got["payload"] != float64(7) {
		t.Errorf("Django received %v, want a group.message event with group and payload", got)
	}
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","method":"group.message","params":{"group":"room","payload":7}}` {
		t.Errorf("the Go client got %s for NotifyGroup", got)
	}
}
