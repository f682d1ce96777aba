package jsonrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// testAPI is a consumer type as users write them: it embeds
// jsonrpc.Consumer and defines its own hooks.
type testAPI struct {
	jsonrpc.Consumer
	mu         sync.Mutex
	connects   int
	disconnect []int
}

func (a *testAPI) Connect(ctx context.Context, m *channels.Message) error {
	a.mu.Lock()
	a.connects++
	a.mu.Unlock()
	if m.QueryString() == "closed=1" {
		return m.Reject(ctx)
	}
	return m.Accept(ctx)
}

func (a *testAPI) Disconnect(ctx context.Context, m *channels.Message) error {
	a.mu.Lock()
	a.disconnect = append(a.disconnect, m.Code())
	a.mu.Unlock()
	return nil
}

func (a *testAPI) ConnectionGroups(m *channels.Message) []string { return []string{"everyone"} }

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	api := &testAPI{}
	must(t, api.Register(func() string { return "pong" }, jsonrpc.Name("ping")))
	must(t, api.Register(func(a, b int) int { return a + b }, jsonrpc.Name("add"), jsonrpc.Params("a", "b")))
	must(t, api.Register(func() string { return "ws" }, jsonrpc.Name("ws_only"), jsonrpc.OnlyWebsocket()))
	must(t, api.Register(func() string { return "http" }, jsonrpc.Name("http_only"), jsonrpc.OnlyHTTP()))
	must(t, api.Register(func(ctx context.Context) (string, error) {
		m := jsonrpc.MessageFrom(ctx)
		if err := api.NotifyChannel(ctx, m.Layer, m.ReplyChannel(), "before", []any{1}); err != nil {
			return "", err
		}
		return "after", nil
	}, jsonrpc.Name("notify_first")))
	must(t, api.Register(func(ctx context.Context) string {
		c := jsonrpc.CallFrom(ctx)
		return string(c.Transport) + " " + c.Message.Path() + " " + c.Consumer.(*testAPI).name()
	}, jsonrpc.Name("whoami")))
	must(t, api.Register(func(ctx context.Context, key string, v any) bool {
		jsonrpc.MessageFrom(ctx).ChannelSession.Set(key, v)
		return true
	}, jsonrpc.Name("session.set"), jsonrpc.Params("key", "value")))
	must(t, api.Register(func(ctx context.Context, key string) any {
		v, _ := jsonrpc.MessageFrom(ctx).ChannelSession.Get(key)
		return v
	}, jsonrpc.Name("session.get"), jsonrpc.Params("key")))
	return api
}

func (a *testAPI) name() string { return "testAPI" }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wsEnv(t *testing.T) (*channelstest.Env, *testAPI) {
	env := channelstest.New(t)
	api := newTestAPI(t)
	api.Sessions = env.Sessions
	env.ApplyRoutes(jsonrpc.WebsocketRoute(api, channels.Path(`^/ws/$`)), jsonrpc.HTTPRoute(api, channels.Path(`^/rpc/$`)))
	return env, api
}

// call sends one WebSocket frame and returns the frames that came back.
func call(c *channelstest.Client, frame string) []string {
	c.SendTextAndConsume("websocket.receive", frame)
	var out []string
	for {
		content := c.ReceiveContent()
		if content == nil {
			return out
		}
		out = append(out, content.String("text"))
	}
}

func TestWebsocketGolden(t *testing.T) {
	env, _ := wsEnv(t)
	client := env.Client()
	client.Connect("/ws/")
	tests := []struct{ in, want string }{
		{`{"jsonrpc":"2.0","method":"ping","id":1}`, `{"jsonrpc":"2.0","id":1,"result":"pong"}`},
		{`{"jsonrpc":"2.0","method":"add","params":{"b":2,"a":1},"id":"x"}`, `{"jsonrpc":"2.0","id":"x","result":3}`},
		{`{"method":"add","params":[1,2],"id":7}`, `{"result":3,"error":null,"id":7}`},
		{`{"jsonrpc":"2.0","method":"ws_only","id":1}`, `{"jsonrpc":"2.0","id":1,"result":"ws"}`},
		{`{"jsonrpc":"2.0","method":"http_only","id":1}`, `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
		{`{"jsonrpc":"2.0","method":"ping"}`, ``},
		{`[]`, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}`},
		{`{"jsonrpc":"2.0","method":"whoami","id":1}`, `{"jsonrpc":"2.0","id":1,"result":"websocket /ws/ testAPI"}`},
		{`{"jsonrpc":"2.0","method":"notify_first","id":1}`, `{"jsonrpc":"2.0","method":"before","params":[1]}` + "\n" + `{"jsonrpc":"2.0","id":1,"result":"after"}`},
		{`not json`, `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
	}
	for _, tt := range tests {
		if got := strings.Join(call(client, tt.in), "\n"); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestWebsocketBinaryFrameIsReadAsJSON(t *testing.T) {
	env, _ := wsEnv(t)
	client := env.Client()
	client.Connect("/ws/")
	client.SendAndConsume("websocket.receive", channels.Content{"bytes": []byte(`{"jsonrpc":"2.0","method":"ping","id":1}`)})
	if got := client.ReceiveContent().String("text"); got != `{"jsonrpc":"2.0","id":1,"result":"pong"}` {
		t.Errorf("binary frame answered %s", got)
	}
	client.SendAndConsume("websocket.receive", channels.Content{"bytes": []byte{0xff, 0}})
	if got := client.ReceiveContent().String("text"); !strings.Contains(got, "-32700") {
		t.Errorf("binary garbage answered %s, want a parse error", got)
	}
}

func TestUserHooksAndGroups(t *testing.T) {
	env, api := wsEnv(t)
	a, b := env.Client(), env.Client()
	a.Connect("/ws/")
	b.Connect("/ws/")
	if api.connects != 2 {
		t.Fatalf("the consumer's own Connect ran %d times, want 2", api.connects)
	}
	must(t, api.NotifyGroup(context.Background(), env.Layer, "everyone", "hello", map[string]any{"n": 1}))
	for _, c := range []*channelstest.Client{a, b} {
		got, _ := json.Marshal(c.Receive())
		if string(got) != `{"jsonrpc":"2.0","method":"hello","params":{"n":1}}` {
			t.Errorf("group member got %s", got)
		}
	}
	a.SendAndConsume("websocket.disconnect", channels.Content{"code": 1001})
	if len(api.disconnect) != 1 || api.disconnect[0] != 1001 {
		t.Errorf("the consumer's own Disconnect saw %v, want [1001]", api.disconnect)
	}
	must(t, api.NotifyGroup(context.Background(), env.Layer, "everyone", "again", nil))
	if got := a.Receive(); got != nil {
		t.Errorf("a left the group on disconnect but got %v", got)
	}
	if got, _ := json.Marshal(b.Receive()); string(got) != `{"jsonrpc":"2.0","method":"again"}` {
		t.Errorf("b got %s", got)
	}

	rejected := env.Client()
	rejected.CheckAccept = false
	rejected.Connect("/ws/?closed=1")
	if got := rejected.ReceiveContent(); got["accept"] != false {
		t.Errorf("the consumer's Connect rejected, but the reply was %v", got)
	}
}

func TestNotificationParamsMustBeStructured(t *testing.T) {
	api := &testAPI{}
	layer := channels.NewMemoryLayer(channels.MemoryConfig{})
	for _, params := range []any{1, "x", true} {
		err := api.NotifyChannel(context.Background(), layer, "somebody", "m", params)
		if !errors.Is(err, jsonrpc.ErrNotificationParams) {
			t.Errorf("params %v: err = %v, want ErrNotificationParams", params, err)
		}
	}
}

func TestChannelSession(t *testing.T) {
	env, _ := wsEnv(t)
	client := env.Client()
	client.Connect("/ws/")
	call(client, `{"jsonrpc":"2.0","method":"session.set","params":["color","blue"],"id":1}`)
	if got := call(client, `{"jsonrpc":"2.0","method":"session.get","params":{"key":"color"},"id":2}`); got[0] != `{"jsonrpc":"2.0","id":2,"result":"blue"}` {
		t.Errorf("session.get = %v", got)
	}
	if got := client.ChannelSession().String("color"); got != "blue" {
		t.Errorf("stored channel session color = %q", got)
	}
}

func TestHTTP(t *testing.T) {
	env, api := wsEnv(t)
	post := func(contentType, body string) *channelstest.Response {
		c := env.Client()
		c.Path = "/rpc/"
		if contentType != "" {
			c.SetHeader("Content-Type", contentType)
		}
		return c.Request("POST", []byte(body))
	}
	tests := []struct {
		contentType, body string
		status            int
		want              string
	}{
		{"application/json", `{"jsonrpc":"2.0","method":"ping","id":1}`, 200, `{"jsonrpc":"2.0","id":1,"result":"pong"}`},
		{"application/json; charset=utf-8", `{"jsonrpc":"2.0","method":"http_only","id":1}`, 200, `{"jsonrpc":"2.0","id":1,"result":"http"}`},
		{"Application/JSON", `{"jsonrpc":"2.0","method":"ping","id":1}`, 200, `{"jsonrpc":"2.0","id":1,"result":"pong"}`},
		{"application/vnd.api+json", `{"jsonrpc":"2.0","method":"ping","id":1}`, 200, `{"jsonrpc":"2.0","id":1,"result":"pong"}`},
		{"application/json", `{"jsonrpc":"2.0","method":"ws_only","id":1}`, 200, `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`},
		{"application/json", `{"jsonrpc":"2.0","method":"ping"}`, 204, ``},
		{"application/json", `[{"jsonrpc":"2.0","method":"ping"}]`, 204, ``},
		{"application/json", `{"jsonrpc":"2.0","method":"whoami","id":1}`, 200, `{"jsonrpc":"2.0","id":1,"result":"http /rpc/ testAPI"}`},
		{"application/json", `[1,2]`, 200, `[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}},{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}]`},
		{"text/plain", `{"jsonrpc":"2.0","method":"ping","id":1}`, 415, "JSON-RPC needs Content-Type: application/json\n"},
		{"", `{"jsonrpc":"2.0","method":"ping","id":1}`, 415, "JSON-RPC needs Content-Type: application/json\n"},
	}
	for _, tt := range tests {
		r := post(tt.contentType, tt.body)
		if r.Status != tt.status || string(r.Body) != tt.want {
			t.Errorf("POST %s (%s)\n got %d %s\nwant %d %s", tt.body, tt.contentType, r.Status, r.Body, tt.status, tt.want)
		}
		if r.Status == 200 && r.Header("content-type") != "application/json" {
			t.Errorf("POST %s: Content-Type %q", tt.body, r.Header("content-type"))
		}
	}

	c := env.Client()
	c.Path = "/rpc/"
	if r := c.Request("GET", nil); r.Status != 405 || r.Header("allow") != "POST" {
		t.Errorf("GET = %d, Allow %q; want 405, POST", r.Status, r.Header("allow"))
	}

	api.HTTPStatusCodes = true
	for body, status := range map[string]int{
		`{"jsonrpc":"2.0","method":"nope","id":1}`: 404,
		`{"jsonrpc":"2.0","method":1,"id":1}`:      400,
		`{"jsonrpc":"2.0","method":"add","id":1}`:  500,
		`{`: 500,
		`{"jsonrpc":"2.0","method":"ping","id":1}`: 200,
	} {
		if r := post("application/json", body); r.Status != status {
			t.Errorf("with HTTPStatusCodes, POST %s = %d, want %d", body, r.Status, status)
		}
	}
}

func TestDiscover(t *testing.T) {
	env, api := wsEnv(t)
	api.Discover = jsonrpc.OpenRPCInfo{Title: "test", Version: "0.1"}
	client := env.Client()
	client.Connect("/ws/")
	client.SendTextAndConsume("websocket.receive", `{"jsonrpc":"2.0","method":"rpc.discover","id":1}`)
	resp := client.Receive().(map[string]any)
	doc := resp["result"].(map[string]any)
	if doc["openrpc"] != jsonrpc.OpenRPCVersion || doc["info"].(map[string]any)["title"] != "test" {
		t.Fatalf("rpc.discover = %v", doc)
	}
	var names []string
	for _, m := range doc["methods"].([]any) {
		names = append(names, m.(map[string]any)["name"].(string))
	}
	if !strings.Contains(strings.Join(names, ","), "add") {
		t.Errorf("methods = %v, want add among them", names)
	}
}

func TestConcurrentCallsOverALiveServer(t *testing.T) {
	api := &testAPI{}
	release := make(chan struct{})
	must(t, api.Register(func() string { <-release; return "slow" }, jsonrpc.Name("slow")))
	must(t, api.Register(func() string { return "fast" }, jsonrpc.Name("fast")))
	api.ConcurrentCalls = 2
	live := channelstest.NewLiveServer(t, jsonrpc.WebsocketRoute(api))
	conn := live.Dial("/")
	conn.SendText(`{"jsonrpc":"2.0","method":"slow","id":1}`)
	conn.SendText(`{"jsonrpc":"2.0","method":"fast","id":2}`)
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","id":2,"result":"fast"}` {
		t.Errorf("first response = %s, want the fast call's", got)
	}
	close(release)
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","id":1,"result":"slow"}` {
		t.Errorf("second response = %s, want the slow call's", got)
	}
}

func TestCallsOfOneConnectionAnswerInOrder(t *testing.T) {
	api := &testAPI{}
	must(t, api.Register(func(ms int) int { time.Sleep(time.Duration(ms) * time.Millisecond); return ms }, jsonrpc.Name("sleep")))
	live := channelstest.NewLiveServerConfig(t, channelstest.LiveConfig{Worker: channels.WorkerConfig{Concurrency: 4}}, jsonrpc.WebsocketRoute(api))
	conn := live.Dial("/")
	for i, ms := range []int{30, 1, 20, 0} {
		conn.SendText(map[string]any{"jsonrpc": "2.0", "method": "sleep", "params": []int{ms}, "id": i})
	}
	for i := range 4 {
		resp := conn.ReceiveJSON().(map[string]any)
		if resp["id"] != float64(i) {
			t.Fatalf("response %d has id %v: responses are out of request order", i, resp["id"])
		}
	}
}

func TestLayerUnavailableIsAnInternalError(t *testing.T) {
	var r jsonrpc.Registry
	down := fmt.Errorf("redislayer: send on 10.0.0.9:6379: %w: dial tcp: connection refused", channels.ErrLayerUnavailable)
	must(t, r.Register(func() error { return down }, jsonrpc.Name("join")))
	got := string(r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"join","id":1}`), nil).Body)
	if want := `{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}`; got != want {
		t.Errorf("got %s, want %s (no layer details)", got, want)
	}
}

// countingStore counts the calls that reach the store.
type countingStore struct {
	*channels.MemorySessionStore
	mu           sync.Mutex
	loads, saves int
}

func (s *countingStore) Load(ctx context.Context, key string) (channels.Content, error) {
	s.mu.Lock()
	s.loads++
	s.mu.Unlock()
	return s.MemorySessionStore.Load(ctx, key)
}

func (s *countingStore) Save(ctx context.Context, key string, v channels.Content) error {
	s.mu.Lock()
	s.saves++
	s.mu.Unlock()
	return s.MemorySessionStore.Save(ctx, key, v)
}

func TestHTTPRequestsLeaveTheSessionStoreAlone(t *testing.T) {
	store := &countingStore{MemorySessionStore: channels.NewMemorySessionStore()}
	api := newTestAPI(t)
	api.Sessions = store
	env := channelstest.New(t, jsonrpc.HTTPRoute(api))
	c := env.Client()
	c.SetHeader("Content-Type", "application/json")
	r := c.Request("POST", []byte(`{"jsonrpc":"2.0","method":"session.set","params":["k","v"],"id":1}`))
	if string(r.Body) != `{"jsonrpc":"2.0","id":1,"result":true}` {
		t.Fatalf("session.set over HTTP = %d %s", r.Status, r.Body)
	}
	if store.loads+store.saves != 0 {
		t.Errorf("an HTTP request loaded %d and saved %d sessions, want none", store.loads, store.saves)
	}
}

func TestConcurrentCallsSaveTheirSessionChanges(t *testing.T) {
	store := channels.NewMemorySessionStore()
	api := newTestAPI(t)
	api.Sessions = store
	api.ConcurrentCalls = 2
	live := channelstest.NewLiveServer(t, jsonrpc.WebsocketRoute(api))
	conn := live.Dial("/")
	conn.SendText(`{"jsonrpc":"2.0","method":"session.set","params":["k","v"],"id":1}`)
	conn.ReceiveText()
	conn.SendText(`{"jsonrpc":"2.0","method":"session.get","params":["k"],"id":2}`)
	if got := conn.ReceiveText(); got != `{"jsonrpc":"2.0","id":2,"result":"v"}` {
		t.Errorf("session.get after a concurrent session.set = %s", got)
	}
}

// eventLog records what a test's store and layer did, in order.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) add(e string) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

type loggingStore struct {
	*channels.MemorySessionStore
	log *eventLog
}

func (s loggingStore) Save(ctx context.Context, key string, v channels.Content) error {
	s.log.add("save")
	return s.MemorySessionStore.Save(ctx, key, v)
}

type loggingLayer struct {
	channels.Layer
	log *eventLog
}

func (l loggingLayer) Send(ctx context.Context, channel string, content channels.Content) error {
	l.log.add("send")
	return l.Layer.Send(ctx, channel, content)
}

// The answer to a call waits for the session the call changed to be
// saved: the client that has its answer finds the change, whichever worker
// runs its next call.
func TestAnswerWaitsForTheSession(t *testing.T) {
	log := &eventLog{}
	api := newTestAPI(t)
	api.Sessions = loggingStore{channels.NewMemorySessionStore(), log}
	h := jsonrpc.Handler(api)
	logged := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		if m.Channel == "websocket.receive" {
			m.Layer = loggingLayer{m.Layer, log}
		}
		return h.Consume(ctx, m)
	})
	env := channelstest.New(t, channels.Route("websocket.connect", logged), channels.Route("websocket.receive", logged))
	checkSavedBeforeAnswer(t, env, log)
}

// checkSavedBeforeAnswer calls session.set over a WebSocket of env and
// checks that log saw the session saved before the answer was sent.
func checkSavedBeforeAnswer(t *testing.T, env *channelstest.Env, log *eventLog) {
	t.Helper()
	c := env.Client()
	c.SendAndConsume("websocket.connect", nil)
	c.ReceiveContent()
	got := call(c, `{"jsonrpc":"2.0","method":"session.set","params":["k","v"],"id":1}`)
	if len(got) != 1 || got[0] != `{"jsonrpc":"2.0","id":1,"result":true}` {
		t.Fatalf("session.set answered %q", got)
	}
	if strings.Join(log.events, " ") != "save send" {
		t.Errorf("the store and the layer saw %q, want the save before the answer's send", log.events)
	}
}

// A Middleware that wraps the context still has the answer wait for the
// session to be saved: the client that has its answer finds the change.
func TestAnswerWaitsForTheSessionBehindAMiddleware(t *testing.T) {
	log := &eventLog{}
	api := newTestAPI(t)
	api.Sessions = loggingStore{channels.NewMemorySessionStore(), log}
	type key struct{}
	api.Middleware = func(next channels.Consumer) channels.Consumer {
		return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			if m.Channel == "websocket.receive" {
				m.Layer = loggingLayer{m.Layer, log}
			}
			return next.Consume(context.WithValue(ctx, key{}, true), m)
		})
	}
	env := channelstest.New(t, jsonrpc.WebsocketRoute(api))
	checkSavedBeforeAnswer(t, env, log)
}
