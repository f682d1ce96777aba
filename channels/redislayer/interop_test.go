package redislayer_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
)

var (
	pythonOnce sync.Once
	pythonBin  string
	pythonWhy  string
)

// pythonPath returns a python3 that imports channels_redis, or skips t.
func pythonPath(t testing.TB) string {
	t.Helper()
	pythonOnce.Do(func() {
		var candidates []string
		if p, ok := os.LookupEnv(envPython); ok {
			candidates = []string{p}
		} else {
			if p, err := exec.LookPath("python3"); err == nil {
				candidates = append(candidates, p)
			}
			candidates = append(candidates, "/usr/bin/python3")
		}
		pythonWhy = "python3 with channels_redis 4 is not installed (Debian package python3-channels-redis)"
		for _, p := range candidates {
			out, err := exec.Command(p, "-c", "import channels_redis.core, msgpack, cryptography; print(channels_redis.__version__)").CombinedOutput()
			if err == nil {
				pythonBin = p
				return
			}
			pythonWhy += fmt.Sprintf("; %s: %v", p, err)
			if out = bytes.TrimSpace(out); len(out) > 0 {
				pythonWhy += ": " + string(out[bytes.LastIndexByte(out, '\n')+1:])
			}
		}
	})
	if pythonBin == "" {
		missing(t, pythonWhy)
	}
	return pythonBin
}

// interopScript is the Django side of TestDjangoInterop: a channels_redis
// RedisChannelLayer that makes a channel, joins it to a group, sends to the
// Go side when told to, then prints what it receives.
const interopScript = `
from channels_redis.core import RedisChannelLayer

async def main():
    layer = RedisChannelLayer(hosts=cfg["hosts"], prefix=cfg["prefix"],
                              symmetric_encryption_keys=cfg["keys"] or None)
    name = await layer.new_channel("py")
    await layer.group_add(cfg["to_python"], name)
    say(channel=name)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    message = {
        "type": "py.hello", "text": "from Django \u00a3", "bytes": b"\x00\xff",
        "n": 42, "big": 2**40, "neg": -5, "f": 1.5, "nothing": None, "yes": True,
        "list": [1, "a", b"b", None, [2.5]], "map": {"k": "v", "b": b""},
    }
    await layer.group_send(cfg["to_go"], message)
    if cfg["direct"]:
        await layer.send(cfg["go_channel"], dict(message, type="py.direct"))
    say(sent=True)
    for _ in range(2):
        got = await asyncio.wait_for(layer.receive(name), 10)
        say(received=tag(got))
    await layer.flush()

asyncio.run(main())
`

// tag gives content the JSON form interopScript prints: bytes and floats
// tagged, so that they stay apart from text and integers.
func tag(v any) any {
	switch v := v.(type) {
	case []byte:
		return map[string]any{"$bytes": hex.EncodeToString(v)}
	case float64:
		return map[string]any{"$float": v}
	case channels.Content:
		return tag(map[string]any(v))
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			out[k] = tag(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = tag(x)
		}
		return out
	}
	return v
}

func sameJSON(t *testing.T, got, want any) bool {
	t.Helper()
	norm := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		b, _ = json.Marshal(back)
		return string(b)
	}
	return norm(got) == norm(want)
}

// TestDjangoInterop runs Django's channels_redis 4 next to the Go layer on
// real Redis: group sends and sends in both directions, with and without
// encryption, on one host and on two.
func TestDjangoInterop(t *testing.T) {
	python := pythonPath(t)
	servers := []*redisServer{startRedis(t), startRedis(t)}
	for _, hosts := range []int{1, 2} {
		for _, encrypted := range []bool{false, true} {
			name := fmt.Sprintf("hosts=%d,encrypted=%v", hosts, encrypted)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				cfg := redislayer.Config{Prefix: fmt.Sprintf("interop%d%v", hosts, encrypted), Logger: quiet}
				for _, s := range servers[:hosts] {
					cfg.Hosts = append(cfg.Hosts, s.url())
				}
				var pyKeys []string
				if encrypted {
					pyKeys = []string{"interop-secret"}
					cfg.SymmetricEncryptionKeys = []string{"interop-secret", "retired-secret"}
				}
				runInterop(t, python, cfg, pyKeys)
			})
		}
	}
}

func runInterop(t *testing.T, python string, cfg redislayer.Config, pyKeys []string) {
	l, err := redislayer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	goLocal, err := l.NewChannel(ctx, "go")
	if err != nil {
		t.Fatal(err)
	}
	goLocal2, _ := l.NewChannel(ctx, "go")
	const goWorker = "interop.worker"
	// Python's own send() hashes the full name of a process-local channel,
	// so with several hosts it misses the host the receiver reads: only the
	// one-host run sends directly from Python.
	direct := len(cfg.Hosts) == 1
	py := startPython(t, python, interopScript, map[string]any{
		"hosts": cfg.Hosts, "prefix": cfg.Prefix, "keys": pyKeys,
		"to_go": "to_go", "to_python": "to_python", "go_channel": goLocal, "direct": direct,
	})

	pyChannel, _ := py.next("its channel name")["channel"].(string)
	if channels.ValidateChannel(pyChannel) != nil || !channels.IsProcessLocal(pyChannel) {
		t.Fatalf("python's channel %q", pyChannel)
	}
	for _, ch := range []string{goLocal, goLocal2, goWorker} {
		if err := l.GroupAdd(ctx, "to_go", ch); err != nil {
			t.Fatal(err)
		}
	}
	py.goOn()
	py.next("its sends")

	checkDjangoToGo(t, ctx, l, direct, goLocal, goLocal2, goWorker)
	checkGoToDjango(t, ctx, l, py, pyChannel)
}

// checkDjangoToGo receives what interopScript sent: its group message on
// the process-local members goLocal and goLocal2 and on the worker channel
// goWorker, and its message to goLocal when it sent directly.
func checkDjangoToGo(t *testing.T, ctx context.Context, l *redislayer.Layer, direct bool, goLocal, goLocal2, goWorker string) {
	t.Helper()
	// Django -> Go: the group send reaches both process-local members
	// through one message, and the worker channel.
	want := map[string]any{
		"type": "py.hello", "text": "from Django \u00a3", "bytes": []byte{0, 0xff},
		"n": int64(42), "big": int64(1 << 40), "neg": int64(-5), "f": 1.5, "nothing": nil, "yes": true,
		"list": []any{int64(1), "a", []byte("b"), nil, []any{2.5}}, "map": map[string]any{"k": "v", "b": []byte{}},
	}
	expect := map[string]string{goLocal: "py.hello", goLocal2: "py.hello"}
	if direct {
		expect[goLocal] += ",py.direct"
	}
	got := map[string]string{}
	for range len(expect) + map[bool]int{true: 1}[direct] {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ch, c, err := l.Receive(rctx, channels.NonLocalName(goLocal))
		cancel()
		if err != nil {
			t.Fatalf("receiving Django's messages: %v (so far %v)", err, got)
		}
		typ := c.String("type")
		if got[ch] != "" {
			got[ch] += ","
		}
		got[ch] += typ
		want["type"] = typ
		if !sameJSON(t, tag(c), tag(want)) {
			t.Errorf("on %s: received\n%#v\nwant\n%#v", ch, c, want)
		}
	}
	if got[goLocal] == "py.direct,py.hello" {
		got[goLocal] = "py.hello,py.direct"
	}
	if !sameJSON(t, got, expect) {
		t.Errorf("received %v, want %v", got, expect)
	}
	ch, c := receiveWithin(t, l, 5*time.Second, goWorker)
	want["type"] = "py.hello"
	if ch != goWorker || !sameJSON(t, tag(c), tag(want)) {
		t.Errorf("on %s: received %#v", ch, c)
	}
}

// checkGoToDjango sends interopScript, on pyChannel, a group message and a
// message, and checks what it prints it received.
func checkGoToDjango(t *testing.T, ctx context.Context, l *redislayer.Layer, py *pythonRun, pyChannel string) {
	t.Helper()
	// Go -> Django: a group send and a send.
	goMsg := channels.Content{
		"type": "go.hello", "text": "from Go \u00e9", "bytes": []byte("\x00\x01"), "n": 7, "big": int64(-1 << 40),
		"f": 0.25, "nothing": nil, "no": false, "list": []any{"x", []byte("y"), 3}, "map": map[string]any{"nested": []any{}},
	}
	if err := l.GroupSend(ctx, "to_python", goMsg); err != nil {
		t.Fatal(err)
	}
	direct2 := goMsg.ShallowCopy()
	direct2["type"] = "go.direct"
	if err := l.Send(ctx, pyChannel, direct2); err != nil {
		t.Fatal(err)
	}
	for _, wantMsg := range []channels.Content{goMsg, direct2} {
		m := py.next("receiving Go's messages")
		if !sameJSON(t, m["received"], tag(wantMsg)) {
			t.Errorf("Django received\n%v\nwant\n%v", m["received"], tag(wantMsg))
		}
	}
}
