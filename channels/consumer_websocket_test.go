package channels_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

const (
	wsTestReply  = "daphne.response.AbCdEfGhIj!KlMnOpQrSt"
	wsTestServer = "daphne.response.AbCdEfGhIj!"
)

// wsTestLog records the calls made to a test consumer.
type wsTestLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *wsTestLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf(format, args...))
}

func (l *wsTestLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// wsTestRoom embeds WebsocketConsumer and defines its own Connect, which
// rejects connections to the room "closed".
type wsTestRoom struct {
	channels.WebsocketConsumer
	log *wsTestLog
}

func (c *wsTestRoom) Connect(ctx context.Context, m *channels.Message) error {
	c.log.add("connect %s", m.Kwargs["room"])
	if m.Kwargs["room"] == "closed" {
		return m.Reject(ctx)
	}
	if m.Kwargs["room"] == "denied" {
		return channels.ErrDenyConnection
	}
	return m.Accept(ctx)
}

func (c *wsTestRoom) ConnectionGroups(m *channels.Message) []string {
	return append(slices.Clone(c.Groups), "room-"+m.Kwargs["room"])
}

func (c *wsTestRoom) Disconnect(ctx context.Context, m *channels.Message) error {
	c.log.add("disconnect %d", m.Code())
	return nil
}

// wsTestEcho defines only Receive.
type wsTestEcho struct {
	channels.WebsocketConsumer
}

func (wsTestEcho) Receive(ctx context.Context, m *channels.Message) error {
	if text, ok := m.Text(); ok {
		return m.SendText(ctx, "echo "+text)
	}
	b, _ := m.Bytes()
	return m.SendBytes(ctx, append([]byte("echo "), b...))
}

// wsTestJSON answers each JSON frame with the frame it got.
type wsTestJSON struct {
	channels.JSONWebsocketConsumer
}

func (c wsTestJSON) ReceiveJSON(ctx context.Context, m *channels.Message, content any) error {
	return c.SendJSON(ctx, m, map[string]any{"got": content})
}

// wsTestJSONAndBytes takes JSON text frames and raw binary frames.
type wsTestJSONAndBytes struct {
	wsTestJSON
}

func (wsTestJSONAndBytes) Receive(ctx context.Context, m *channels.Message) error {
	b, _ := m.Bytes()
	return m.SendText(ctx, fmt.Sprintf("%d bytes", len(b)))
}

func wsTestRouter(t *testing.T, consumer any) *channels.Router {
	t.Helper()
	return routerTestNew(t, channels.AsRoute(consumer, channels.Path(`^/rooms/(?P<room>\w+)/$`)))
}

func wsTestMessage(l channels.Layer, channel, path string, extra channels.Content) *channels.Message {
	c := channels.Content{"reply_channel": wsTestReply, "path": path}
	for k, v := range extra {
		c[k] = v
	}
	m := channels.NewMessage(channel, c)
	m.Layer = l
	return m
}

// wsTestReplies takes every reply waiting for the test connection.
func wsTestReplies(t *testing.T, l channels.Layer) []channels.Content {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out []channels.Content
	for {
		ch, c, err := l.Receive(ctx, wsTestServer)
		if errors.Is(err, context.Canceled) {
			return out
		}
		if err != nil {
			t.Fatalf("Receive replies: %v", err)
		}
		if ch != wsTestReply {
			t.Fatalf("reply on %q; want it on %q", ch, wsTestReply)
		}
		out = append(out, c)
	}
}

func wsTestGroups(t *testing.T, l *channels.MemoryLayer, groups ...string) map[string][]string {
	t.Helper()
	out := make(map[string][]string)
	for _, g := range groups {
		members, err := l.GroupChannels(context.Background(), g)
		if err != nil {
			t.Fatalf("GroupChannels(%q): %v", g, err)
		}
		if len(members) > 0 {
			out[g] = members
		}
	}
	return out
}

// websocketConnectCase is a consumer routed by wsTestRouter, the path of a
// websocket.connect it consumes, and what it answers, calls and joins.
type websocketConnectCase struct {
	name     string
	consumer func(*wsTestLog) any
	path     string
	wantErr  error
	replies  []channels.Content
	calls    []string
	groups   map[string][]string
}

// websocketConnectCases are consumers with their own Connect and without:
// accepting, rejecting and denying, and joining their groups.
var websocketConnectCases = []websocketConnectCase{
	{
		name:     "own Connect accepts",
		consumer: func(l *wsTestLog) any { return &wsTestRoom{channels.WebsocketConsumer{Groups: []string{"all"}}, l} },
		path:     "/rooms/lobby/",
		replies:  []channels.Content{{"accept": true}},
		calls:    []string{"connect lobby"},
		groups:   map[string][]string{"all": {wsTestReply}, "room-lobby": {wsTestReply}},
	},
	{
		name:     "own Connect rejects",
		consumer: func(l *wsTestLog) any { return &wsTestRoom{log: l} },
		path:     "/rooms/closed/",
		replies:  []channels.Content{{"accept": false}},
		calls:    []string{"connect closed"},
		groups:   map[string][]string{"room-closed": {wsTestReply}},
	},
	{
		name:     "own Connect denies",
		consumer: func(l *wsTestLog) any { return &wsTestRoom{log: l} },
		path:     "/rooms/denied/",
		wantErr:  channels.ErrDenyConnection,
		calls:    []string{"connect denied"},
		groups:   map[string][]string{"room-denied": {wsTestReply}},
	},
	{
		name:     "only Receive: accepted by default",
		consumer: func(*wsTestLog) any { return wsTestEcho{channels.WebsocketConsumer{Groups: []string{"all"}}} },
		path:     "/rooms/lobby/",
		replies:  []channels.Content{{"accept": true}},
		groups:   map[string][]string{"all": {wsTestReply}},
	},
	{
		name:     "no methods at all",
		consumer: func(*wsTestLog) any { return struct{}{} },
		path:     "/rooms/lobby/",
		replies:  []channels.Content{{"accept": true}},
	},
}

func TestWebsocketConnect(t *testing.T) {
	for _, tt := range websocketConnectCases {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			l := channels.NewMemoryLayer(channels.MemoryConfig{})
			log := &wsTestLog{}
			r := wsTestRouter(t, tt.consumer(log))
			m := wsTestMessage(l, "websocket.connect", tt.path, channels.Content{"order": 0})
			if err := r.Consume(ctx, m); !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Consume(connect) = %v; want %v", err, tt.wantErr)
			}
			if got := wsTestReplies(t, l); !reflect.DeepEqual(got, tt.replies) {
				t.Errorf("replies = %v; want %v", got, tt.replies)
			}
			if got := log.get(); !slices.Equal(got, tt.calls) {
				t.Errorf("calls = %q; want %q", got, tt.calls)
			}
			got := wsTestGroups(t, l, "all", "room-lobby", "room-closed", "room-denied")
			if len(got) != 0 || len(tt.groups) != 0 {
				if !reflect.DeepEqual(got, tt.groups) {
					t.Errorf("groups = %v; want %v", got, tt.groups)
				}
			}
		})
	}
}

func TestWebsocketDisconnectLeavesGroups(t *testing.T) {
	ctx := context.Background()
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	log := &wsTestLog{}
	r := wsTestRouter(t, &wsTestRoom{channels.WebsocketConsumer{Groups: []string{"all"}}, log})

	if err := r.Consume(ctx, wsTestMessage(l, "websocket.connect", "/rooms/lobby/", nil)); err != nil {
		t.Fatalf("Consume(connect): %v", err)
	}
	if got := wsTestGroups(t, l, "all", "room-lobby"); len(got) != 2 {
		t.Fatalf("groups after connect = %v; want the connection in all and room-lobby", got)
	}
	if err := r.Consume(ctx, wsTestMessage(l, "websocket.disconnect", "/rooms/lobby/", channels.Content{"code": 1001})); err != nil {
		t.Fatalf("Consume(disconnect): %v", err)
	}
	if got := wsTestGroups(t, l, "all", "room-lobby"); len(got) != 0 {
		t.Errorf("groups after disconnect = %v; want none", got)
	}
	if got, want := log.get(), []string{"connect lobby", "disconnect 1001"}; !slices.Equal(got, want) {
		t.Errorf("calls = %q; want %q", got, want)
	}
}

// wsTestNoGroupsLayer is a layer without the groups extension.
type wsTestNoGroupsLayer struct{ channels.Layer }

func TestWebsocketGroupErrors(t *testing.T) {
	ctx := context.Background()
	l := wsTestNoGroupsLayer{channels.NewMemoryLayer(channels.MemoryConfig{})}
	log := &wsTestLog{}
	r := wsTestRouter(t, &wsTestRoom{log: log})

	err := r.Consume(ctx, wsTestMessage(l, "websocket.connect", "/rooms/lobby/", nil))
	if !errors.Is(err, channels.ErrNoGroups) {
		t.Errorf("Consume(connect) = %v; want an error matching ErrNoGroups", err)
	}
	err = r.Consume(ctx, wsTestMessage(l, "websocket.disconnect", "/rooms/lobby/", channels.Content{"code": 1000}))
	if !errors.Is(err, channels.ErrNoGroups) {
		t.Errorf("Consume(disconnect) = %v; want an error matching ErrNoGroups", err)
	}
	// Connect is not reached when joining fails; Disconnect still runs.
	if got, want := log.get(), []string{"disconnect 1000"}; !slices.Equal(got, want) {
		t.Errorf("calls = %q; want %q", got, want)
	}
}

func TestWebsocketReceive(t *testing.T) {
	tests := []struct {
		name     string
		consumer any
		frame    channels.Content
		replies  []channels.Content
		wantErr  string // in the error; "" for none
	}{
		{"text", wsTestEcho{}, channels.Content{"text": "hi"}, []channels.Content{{"text": "echo hi"}}, ""},
		{"bytes", wsTestEcho{}, channels.Content{"bytes": []byte{1}}, []channels.Content{{"bytes": []byte("echo \x01")}}, ""},
		{"neither text nor bytes", wsTestEcho{}, channels.Content{}, nil, "neither text nor bytes"},
		{"no Receive drops frames", &wsTestRoom{}, channels.Content{"text": "hi"}, nil, ""},
		{
			"JSON object",
			wsTestJSON{},
			channels.Content{"text": `{"a": [1, "x", null, true]}`},
			[]channels.Content{{"text": `{"got":{"a":[1,"x",null,true]}}`}},
			"",
		},
		{"JSON string", wsTestJSON{}, channels.Content{"text": `"s"`}, []channels.Content{{"text": `{"got":"s"}`}}, ""},
		{"invalid JSON", wsTestJSON{}, channels.Content{"text": `{"a":`}, nil, "not JSON"},
		{"JSON consumer gets bytes", wsTestJSON{}, channels.Content{"bytes": []byte("{}")}, nil, "binary frame"},
		{"JSON and bytes: text", wsTestJSONAndBytes{}, channels.Content{"text": `1`}, []channels.Content{{"text": `{"got":1}`}}, ""},
		{"JSON and bytes: bytes", wsTestJSONAndBytes{}, channels.Content{"bytes": []byte("abc")}, []channels.Content{{"text": "3 bytes"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := channels.NewMemoryLayer(channels.MemoryConfig{})
			r := wsTestRouter(t, tt.consumer)
			err := r.Consume(context.Background(), wsTestMessage(l, "websocket.receive", "/rooms/lobby/", tt.frame))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Consume(%v) = %v; want no error", tt.frame, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Consume(%v) = %v; want an error containing %q", tt.frame, err, tt.wantErr)
			}
			if got := wsTestReplies(t, l); !reflect.DeepEqual(got, tt.replies) {
				t.Errorf("replies = %v; want %v", got, tt.replies)
			}
		})
	}
}

func TestJSONWebsocketConsumerGroupSendJSON(t *testing.T) {
	ctx := context.Background()
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	if err := l.GroupAdd(ctx, "room", wsTestReply); err != nil {
		t.Fatal(err)
	}
	var c channels.JSONWebsocketConsumer
	if err := c.GroupSendJSON(ctx, l, "room", []int{1, 2}); err != nil {
		t.Fatalf("GroupSendJSON: %v", err)
	}
	if got, want := wsTestReplies(t, l), []channels.Content{{"text": "[1,2]"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("replies = %v; want %v", got, want)
	}
	if err := c.GroupSendJSON(ctx, l, "room", func() {}); err == nil {
		t.Error("GroupSendJSON(a func) = nil; want an encoding error")
	}
}

func TestWebsocketHandlerWithMiddleware(t *testing.T) {
	ctx := context.Background()
	l := channels.NewMemoryLayer(channels.MemoryConfig{})
	var seen []string
	mw := func(next channels.Consumer) channels.Consumer {
		return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			seen = append(seen, m.Channel)
			return next.Consume(ctx, m)
		})
	}
	h := channels.Chain(channels.WebsocketHandler(wsTestEcho{}), mw)
	r := routerTestNew(t, channels.AsRoute(h))
	for _, ch := range []string{"websocket.connect", "websocket.receive", "websocket.disconnect"} {
		if err := r.Consume(ctx, wsTestMessage(l, ch, "/", channels.Content{"text": "x"})); err != nil {
			t.Fatalf("Consume(%s): %v", ch, err)
		}
	}
	if want := []string{"websocket.connect", "websocket.receive", "websocket.disconnect"}; !slices.Equal(seen, want) {
		t.Errorf("middleware saw %q; want %q", seen, want)
	}
	err := h.Consume(ctx, wsTestMessage(l, "http.request", "/", nil))
	if !errors.Is(err, channels.ErrNoRoute) {
		t.Errorf("Consume(http.request) = %v; want an error matching ErrNoRoute", err)
	}
}
