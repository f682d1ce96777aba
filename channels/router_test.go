package channels_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// routerTestConsumer is a consumer known by its name.
type routerTestConsumer string

func (routerTestConsumer) Consume(context.Context, *channels.Message) error { return nil }

func routerTestNew(t *testing.T, routes ...channels.Routing) *channels.Router {
	t.Helper()
	r, err := channels.NewRouter(routes...)
	if err != nil {
		t.Fatalf("NewRouter: %v", err)
	}
	return r
}

func TestRouterMatch(t *testing.T) {
	a, b, c := routerTestConsumer("a"), routerTestConsumer("b"), routerTestConsumer("c")
	chat := []channels.Routing{
		channels.Route("websocket.receive", a, channels.Path(`^/chat/(?P<room>\w+)/$`)),
		channels.Route("websocket.connect", b, channels.Path(`^/chat/(?P<room>\w+)/$`)),
	}
	tests := []struct {
		name    string
		routes  []channels.Routing
		channel string
		content channels.Content
		want    channels.Consumer // nil: no match
		kwargs  map[string]string
	}{
		{
			name:    "channel only",
			routes:  []channels.Routing{channels.Route("http.request", a)},
			channel: "http.request",
			content: channels.Content{"path": "/anything"},
			want:    a, kwargs: map[string]string{},
		},
		{
			name:    "other channel",
			routes:  []channels.Routing{channels.Route("http.request", a)},
			channel: "websocket.connect",
			content: channels.Content{"path": "/"},
		},
		{
			name:    "named group",
			routes:  []channels.Routing{channels.Route("websocket.connect", a, channels.Path(`^/chat/(?P<room>\w+)/$`))},
			channel: "websocket.connect",
			content: channels.Content{"path": "/chat/lobby/"},
			want:    a, kwargs: map[string]string{"room": "lobby"},
		},
		{
			name:    "pattern matches at the start only",
			routes:  []channels.Routing{channels.Route("websocket.connect", a, channels.Path(`/chat/`))},
			channel: "websocket.connect",
			content: channels.Content{"path": "/x/chat/"},
		},
		{
			name:    "pattern need not match to the end",
			routes:  []channels.Routing{channels.Route("websocket.connect", a, channels.Path(`/chat/`))},
			channel: "websocket.connect",
			content: channels.Content{"path": "/chat/lobby/"},
			want:    a, kwargs: map[string]string{},
		},
		{
			name:    "bytes value",
			routes:  []channels.Routing{channels.Route("http.request", a, channels.Path(`^/(?P<page>\w+)$`))},
			channel: "http.request",
			content: channels.Content{"path": []byte("/about")},
			want:    a, kwargs: map[string]string{"page": "about"},
		},
		{
			name:    "missing key",
			routes:  []channels.Routing{channels.Route("http.request", a, channels.Match("method", `^GET$`))},
			channel: "http.request",
			content: channels.Content{"path": "/"},
		},
		{
			name:    "value not a string",
			routes:  []channels.Routing{channels.Route("websocket.receive", a, channels.Match("order", `^1$`))},
			channel: "websocket.receive",
			content: channels.Content{"order": int64(1)},
		},
		{
			name: "other key and path together",
			routes: []channels.Routing{
				channels.Route("http.request", a, channels.Match("method", `^POST$`), channels.Path(`^/form/$`)),
				channels.Route("http.request", b, channels.Path(`^/form/$`)),
			},
			channel: "http.request",
			content: channels.Content{"path": "/form/", "method": "GET"},
			want:    b, kwargs: map[string]string{},
		},
		{
			name: "first route in order wins",
			routes: []channels.Routing{
				channels.Route("websocket.receive", a, channels.Path(`^/(?P<x>a)`)),
				channels.Route("websocket.receive", b, channels.Path(`^/(?P<y>a)b`)),
			},
			channel: "websocket.receive",
			content: channels.Content{"path": "/ab"},
			want:    a, kwargs: map[string]string{"x": "a"},
		},
		{
			name:    "group that took no part is left out",
			routes:  []channels.Routing{channels.Route("http.request", a, channels.Path(`^/p(?:/(?P<id>\d+))?$`))},
			channel: "http.request",
			content: channels.Content{"path": "/p"},
			want:    a, kwargs: map[string]string{},
		},
		{
			name:    "include strips its prefix",
			routes:  []channels.Routing{channels.Include(chat, channels.Path(`^/api`))},
			channel: "websocket.receive",
			content: channels.Content{"path": "/api/chat/lobby/"},
			want:    a, kwargs: map[string]string{"room": "lobby"},
		},
		{
			name:    "include needs its prefix",
			routes:  []channels.Routing{channels.Include(chat, channels.Path(`^/api`))},
			channel: "websocket.receive",
			content: channels.Content{"path": "/chat/lobby/"},
		},
		{
			name:    "include picks the route of the channel",
			routes:  []channels.Routing{channels.Include(chat, channels.Path(`^/api`))},
			channel: "websocket.connect",
			content: channels.Content{"path": "/api/chat/lobby/"},
			want:    b, kwargs: map[string]string{"room": "lobby"},
		},
		{
			name: "kwargs of include and route are merged",
			routes: []channels.Routing{channels.Include(
				[]channels.Routing{channels.Include(chat, channels.Path(`^/(?P<tenant>\w+)`))},
				channels.Path(`^/api/(?P<version>v\d+)`),
			)},
			channel: "websocket.receive",
			content: channels.Content{"path": "/api/v2/acme/chat/lobby/"},
			want:    a, kwargs: map[string]string{"version": "v2", "tenant": "acme", "room": "lobby"},
		},
		{
			name: "inner route overrides a kwarg of its include",
			routes: []channels.Routing{channels.Include(
				[]channels.Routing{channels.Route("http.request", a, channels.Path(`^/(?P<x>\w+)`))},
				channels.Path(`^/(?P<x>\w+)`),
			)},
			channel: "http.request",
			content: channels.Content{"path": "/outer/inner"},
			want:    a, kwargs: map[string]string{"x": "inner"},
		},
		{
			name: "include without a match falls through",
			routes: []channels.Routing{
				channels.Include(chat, channels.Path(`^/api`)),
				channels.Route("websocket.receive", c, channels.Path(`^/api/`)),
			},
			channel: "websocket.receive",
			content: channels.Content{"path": "/api/other/"},
			want:    c, kwargs: map[string]string{},
		},
		{
			name:    "include of another key",
			routes:  []channels.Routing{channels.Include(chat, channels.Match("method", `^WS$`))},
			channel: "websocket.receive",
			content: channels.Content{"path": "/chat/x/", "method": "WS"},
			want:    a, kwargs: map[string]string{"room": "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := routerTestNew(t, tt.routes...)
			m := &channels.Message{Channel: tt.channel, Content: tt.content}
			before := maps.Clone(tt.content)
			got, kw, ok := r.Match(m)
			if tt.want == nil {
				if ok {
					t.Fatalf("Match(%s %v) = %v, %v; want no match", tt.channel, tt.content, got, kw)
				}
				return
			}
			if !ok || got != tt.want {
				t.Fatalf("Match(%s %v) = %v, %v, %v; want %v", tt.channel, tt.content, got, kw, ok, tt.want)
			}
			if !maps.Equal(kw, tt.kwargs) {
				t.Errorf("Match(%s %v) kwargs = %v; want %v", tt.channel, tt.content, kw, tt.kwargs)
			}
			if m.Kwargs != nil {
				t.Errorf("Match set m.Kwargs to %v; want it untouched", m.Kwargs)
			}
			if !maps.EqualFunc(m.Content, before, func(x, y any) bool { return routerTestSame(x, y) }) {
				t.Errorf("Match changed the content to %v; want %v", m.Content, before)
			}
		})
	}
}

func routerTestSame(x, y any) bool {
	if xb, ok := x.([]byte); ok {
		yb, ok := y.([]byte)
		return ok && string(xb) == string(yb)
	}
	return x == y
}

func TestNewRouterErrors(t *testing.T) {
	a := routerTestConsumer("a")
	var nilFunc channels.ConsumerFunc
	var nilRouter *channels.Router
	tests := []struct {
		name   string
		routes []channels.Routing
		want   string // in the error
	}{
		{"bad regexp", []channels.Routing{channels.Route("http.request", a, channels.Path(`^/(`))}, "missing closing )"},
		{"unsupported syntax", []channels.Routing{channels.Route("http.request", a, channels.Path(`^/(?=x)`))}, "invalid or unsupported Perl syntax"},
		{"unnamed group", []channels.Routing{channels.Route("http.request", a, channels.Path(`^/(\d+)/$`))}, "unnamed group"},
		{"unnamed group in include", []channels.Routing{channels.Include(nil, channels.Path(`^/(api)`))}, "unnamed group"},
		{"invalid channel", []channels.Routing{channels.Route("http request", a)}, "invalid channel name"},
		{"empty channel", []channels.Routing{channels.Route("", a)}, "invalid channel name"},
		{"nil consumer", []channels.Routing{channels.Route("http.request", nil)}, "nil consumer"},
		{"nil ConsumerFunc", []channels.Routing{channels.Route("http.request", nilFunc)}, "nil consumer"},
		{"nil *Router", []channels.Routing{channels.Route("http.request", nilRouter)}, "nil consumer"},
		{"zero Routing", []channels.Routing{{}}, "empty Routing"},
		{"AsRoute of nil", []channels.Routing{channels.AsRoute(nil)}, "nil consumer"},
		{"empty key", []channels.Routing{channels.Route("http.request", a, channels.Match("", "x"))}, "empty content key"},
		{"key twice", []channels.Routing{channels.Route("http.request", a, channels.Path("a"), channels.Path("b"))}, `"path" filtered twice`},
		{
			"duplicate",
			[]channels.Routing{channels.Route("http.request", a), channels.Route("http.request", routerTestConsumer("b"))},
			`route 1: duplicate route for channel "http.request" with the filters of route 0`,
		},
		{
			"duplicate with filters in another order",
			[]channels.Routing{
				channels.Route("http.request", a, channels.Path("^/x"), channels.Match("method", "GET")),
				channels.Route("http.request", a, channels.Match("method", "GET"), channels.Path("^/x")),
			},
			"duplicate route",
		},
		{
			"duplicate in an include",
			[]channels.Routing{
				channels.Route("websocket.connect", a, channels.Path("^/x")),
				channels.Include([]channels.Routing{channels.Route("websocket.connect", a)}, channels.Path("^/x")),
			},
			`route 1 > 0: duplicate route`,
		},
		{
			"error deep in an include",
			[]channels.Routing{channels.Include([]channels.Routing{
				channels.Route("http.request", a),
				channels.Include([]channels.Routing{channels.Route("bad name", a)}),
			})},
			"route 0 > 1 > 0: channels: invalid channel name",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := channels.NewRouter(tt.routes...)
			if err == nil {
				t.Fatalf("NewRouter = %v, nil; want an error containing %q", r, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewRouter error = %q; want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNewRouterAllowsSameFiltersOnOtherChannels(t *testing.T) {
	_, err := channels.NewRouter(
		channels.Route("websocket.connect", routerTestConsumer("a"), channels.Path("^/x")),
		channels.Route("websocket.receive", routerTestConsumer("a"), channels.Path("^/x")),
		channels.Route("websocket.receive", routerTestConsumer("a"), channels.Path("^/y")),
	)
	if err != nil {
		t.Fatalf("NewRouter: %v; want no error", err)
	}
}

func TestRouterConsume(t *testing.T) {
	var got *channels.Message
	rec := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		got = m
		return errors.New("from consumer")
	})
	r := routerTestNew(t, channels.Include([]channels.Routing{
		channels.Route("websocket.receive", rec, channels.Path(`^/chat/(?P<room>\w+)/$`)),
	}, channels.Path(`^/api`)))

	m := &channels.Message{
		Channel: "websocket.receive",
		Content: channels.Content{"path": "/api/chat/lobby/", "text": "hi"},
		Kwargs:  map[string]string{"set": "before", "room": "old"},
	}
	err := r.Consume(context.Background(), m)
	if err == nil || err.Error() != "from consumer" {
		t.Errorf("Consume = %v; want the consumer's error", err)
	}
	if got != m {
		t.Fatalf("consumer got %p; want the message %p", got, m)
	}
	if want := map[string]string{"room": "lobby", "set": "before"}; !maps.Equal(m.Kwargs, want) {
		t.Errorf("m.Kwargs = %v; want %v", m.Kwargs, want)
	}
	if p := m.Path(); p != "/api/chat/lobby/" {
		t.Errorf("path seen by the consumer = %q; want it unchanged, %q", p, "/api/chat/lobby/")
	}
}

func TestRouterConsumeNoRoute(t *testing.T) {
	r := routerTestNew(t, channels.Route("websocket.receive", routerTestConsumer("a"), channels.Path(`^/chat/`)))
	tests := []struct {
		channel string
		content channels.Content
		want    string
	}{
		{"websocket.receive", channels.Content{"path": "/other/"}, `channels: no route for channel "websocket.receive", path "/other/"`},
		{"http.request", channels.Content{}, `channels: no route for channel "http.request"`},
	}
	for _, tt := range tests {
		m := &channels.Message{Channel: tt.channel, Content: tt.content}
		err := r.Consume(context.Background(), m)
		if !errors.Is(err, channels.ErrNoRoute) {
			t.Errorf("Consume(%s %v) = %v; want an error matching ErrNoRoute", tt.channel, tt.content, err)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Consume(%s %v) error = %q; want %q", tt.channel, tt.content, err, tt.want)
		}
	}
}

func TestRouterChannels(t *testing.T) {
	a := routerTestConsumer("a")
	r := routerTestNew(t,
		channels.Route("websocket.receive", a, channels.Path("^/a")),
		channels.Route("http.request", a),
		channels.Include([]channels.Routing{
			channels.Route("websocket.receive", a),
			channels.Include([]channels.Routing{channels.Route("http.disconnect", a)}),
		}, channels.Path("^/b")),
		channels.AsRoute(struct{}{}, channels.Path("^/c")),
		channels.Include(nil),
	)
	want := []string{"http.disconnect", "http.request", "websocket.connect", "websocket.disconnect", "websocket.receive"}
	got := r.Channels()
	if !slices.Equal(got, want) {
		t.Fatalf("Channels() = %v; want %v", got, want)
	}
	got[0] = "changed"
	if again := r.Channels(); !slices.Equal(again, want) {
		t.Errorf("Channels() after changing its result = %v; want %v", again, want)
	}
	if empty := routerTestNew(t).Channels(); len(empty) != 0 {
		t.Errorf("Channels() of an empty router = %v; want none", empty)
	}
}

func TestRouterAsConsumerOfRouter(t *testing.T) {
	var kw map[string]string
	inner := routerTestNew(t, channels.Route("http.request",
		channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			kw = m.Kwargs
			return nil
		}),
		channels.Path(`^/(?P<section>\w+)/(?P<page>\w+)$`)))
	outer := routerTestNew(t, channels.Route("http.request", inner, channels.Path(`^/(?P<section>\w+)`)))
	m := &channels.Message{Channel: "http.request", Content: channels.Content{"path": "/docs/intro"}}
	if err := outer.Consume(context.Background(), m); err != nil {
		t.Fatalf("Consume: %v", err)
	}
	if want := map[string]string{"section": "docs", "page": "intro"}; !maps.Equal(kw, want) {
		t.Errorf("kwargs of the inner consumer = %v; want %v", kw, want)
	}
}

// A router whose filters are all on the path remembers its matches: the
// second message of a path gets the same route, and kwargs of its own.
func TestRouterMatchRemembered(t *testing.T) {
	a, b := routerTestConsumer("a"), routerTestConsumer("b")
	r := routerTestNew(t,
		channels.Route("websocket.receive", a, channels.Path(`^/chat/(?P<room>\w+)/$`)),
		channels.Route("websocket.receive", b, channels.Path(`^/other/$`)),
	)
	for i := range 3 {
		m := &channels.Message{Channel: "websocket.receive", Content: channels.Content{"path": "/chat/lobby/"}}
		c, kw, ok := r.Match(m)
		if !ok || c != a || kw["room"] != "lobby" {
			t.Fatalf("match %d = %v, %v, %v; want a, room=lobby", i, c, kw, ok)
		}
		kw["room"] = "changed by a consumer"
		miss := &channels.Message{Channel: "websocket.receive", Content: channels.Content{"path": "/none/"}}
		if _, _, ok := r.Match(miss); ok {
			t.Fatalf("match %d of /none/ succeeded", i)
		}
	}
	m := &channels.Message{Channel: "websocket.receive", Content: channels.Content{"path": "/other/"}}
	if c, _, ok := r.Match(m); !ok || c != b {
		t.Errorf("match of /other/ = %v, %v; want b", c, ok)
	}
}
