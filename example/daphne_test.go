package main

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The Django side of TestDjangoChannels4UnderDaphne: a Channels 4
// consumer in the group "room", with a handler for its own chat.message
// events and for the group.message events Go's NotifyGroup sends.
var djangoProject = map[string]string{
	"settings.py": `import os
SECRET_KEY = "test"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["channels"]
ASGI_APPLICATION = "asgi.application"
CHANNEL_LAYERS = {"default": {"BACKEND": os.environ["LAYER_BACKEND"],
                              "CONFIG": {"hosts": [os.environ["REDIS_URL"]]}}}
`,
	"asgi.py": `import os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
django.setup()
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path
from consumers import ChatConsumer
application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/", ChatConsumer.as_asgi())])})
`,
	"consumers.py": `from channels.generic.websocket import AsyncJsonWebsocketConsumer

class ChatConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add("room", self.channel_name)
        await self.accept()

    async def receive_json(self, content):
        await self.channel_layer.group_send("room", {"type": "chat.message", "text": content["text"]})

    async def chat_message(self, event):
        await self.send_json({"text": event["text"]})

    async def group_message(self, event):
        await self.send_json({"group_message": event["payload"]})
`,
}

// daphnePython finds a python3 with Daphne, Django Channels 4 and
// channels_redis, or skips (fails with CHANNELS_TEST_STRICT=1).
func daphnePython(t *testing.T) string {
	t.Helper()
	const pkgs = "Debian packages python3-daphne, python3-django-channels and python3-channels-redis"
	candidates := []string{"/usr/bin/python3"}
	if p := os.Getenv("CHANNELS_TEST_PYTHON"); p != "" {
		candidates = []string{p}
	} else if p, err := exec.LookPath("python3"); err == nil {
		candidates = append([]string{p}, candidates...)
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import daphne, channels, channels_redis, django").Run() == nil {
			return p
		}
	}
	msg := "python3 with Daphne and Channels 4 not found (install the " + pkgs + ")"
	if os.Getenv("CHANNELS_TEST_STRICT") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startDaphne writes the Django project and serves it with Daphne on a
// free port until the test ends; it returns the WebSocket URL.
func startDaphne(t *testing.T, python, redisURL, backend string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range djangoProject {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	cmd := exec.Command(python, "-m", "daphne", "-b", "127.0.0.1", "-p", strconv.Itoa(port), "asgi:application")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REDIS_URL="+redisURL, "LAYER_BACKEND="+backend, "DJANGO_SETTINGS_MODULE=settings")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("daphne:\n%s", logs.String())
		}
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "ws://" + addr + "/ws/"
		}
		if time.Now().After(deadline) {
			t.Fatalf("daphne did not listen on %s", addr)
		}
	}
}

// TestDjangoChannels4UnderDaphne shares a group between a Django Channels 4
// app under Daphne and the example in split mode, on one redis-server, with
// a client on each side: Django's chat.message reaches the Go client as a
// notification, Go's group.send reaches the Django consumer's
// group_message handler, and the Django socket stays open. Over the core
// Redis layer and over the pub/sub layer.
func TestDjangoChannels4UnderDaphne(t *testing.T) {
	redisBin := scaleLookup(t, "CHANNELS_TEST_REDIS_SERVER", "redis-server", "/usr/bin/redis-server", "Debian package redis-server")
	python := daphnePython(t)
	bin := filepath.Join(t.TempDir(), "example")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, layer := range []struct{ name, scheme, backend string }{
		{"core", "redis", "channels_redis.core.RedisChannelLayer"},
		{"pubsub", "redis+pubsub", "channels_redis.pubsub.RedisPubSubChannelLayer"},
	} {
		t.Run(layer.name, func(t *testing.T) {
			redisURL := scaleRedis(t, redisBin)
			goLayer := layer.scheme + strings.TrimPrefix(redisURL, "redis")
			base := scaleStart(t, bin, "-mode", "server", "-layer", goLayer, "-addr", "127.0.0.1:0")
			scaleStart(t, bin, "-mode", "worker", "-layer", goLayer)
			djangoURL := startDaphne(t, python, redisURL, layer.backend)
			shareGroupWithDjango(t, "ws"+strings.TrimPrefix(base, "http")+"/ws/", djangoURL)
		})
	}
}

func shareGroupWithDjango(t *testing.T, goURL, djangoURL string) {
	goConn := dialWithin(t, goURL)
	scaleCall(t, goConn, `{"jsonrpc":"2.0","method":"group.join","params":["room"],"id":1}`, `{"jsonrpc":"2.0","id":1,"result":true}`)
	djConn := dialWithin(t, djangoURL)

	// Django -> Go.
	sendJSON(t, djConn, map[string]any{"text": "hi"})
	expectFrame(t, djConn, `{"text": "hi"}`)
	expectFrame(t, goConn, `{"jsonrpc":"2.0","method":"chat.message","params":{"text":"hi"}}`)

	// Go -> Django.
	goConn.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","method":"group.send","params":["room","yo"],"id":2}`))
	// The sender gets the notification and its result; over pub/sub the
	// group message takes a detour through the worker that added the
	// member, so the two may come in either order.
	want := map[string]bool{
		`{"jsonrpc":"2.0","method":"group.message","params":{"group":"room","payload":"yo"}}`: true,
		`{"jsonrpc":"2.0","id":2,"result":true}`:                                              true,
	}
	for range 2 {
		_, data, err := goConn.ReadMessage()
		if err != nil || !want[string(data)] {
			t.Fatalf("the Go client got %s, %v; want one of %v", data, err, want)
		}
		delete(want, string(data))
	}
	expectFrame(t, djConn, `{"group_message": "yo"}`)

	// The Django socket is still open and served.
	sendJSON(t, djConn, map[string]any{"text": "again"})
	expectFrame(t, djConn, `{"text": "again"}`)
}

func dialWithin(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	var conn *websocket.Conn
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if conn, _, err = websocket.DefaultDialer.Dial(url, nil); err == nil {
			t.Cleanup(func() { conn.Close() })
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			return conn
		}
	}
	t.Fatalf("dial %s: %v", url, err)
	return nil
}

func sendJSON(t *testing.T, conn *websocket.Conn, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := conn.WriteMessage(websocket.TextMessage, b); err != nil {
		t.Fatal(err)
	}
}

func expectFrame(t *testing.T, conn *websocket.Conn, want string) {
	t.Helper()
	_, data, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	if string(data) != want {
		t.Fatalf("got %s, want %s", data, want)
	}
}
