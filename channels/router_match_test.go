package channels_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// routerMatchCase is a message and the routes a router is made of; want is
// the consumer that must match it, with kwargs.
type routerMatchCase struct {
	name    string
	routes  []channels.Routing
	channel string
	content channels.Content
	want    channels.Consumer // nil: no match
	kwargs  map[string]string
}

// routerMatchPathCases match on the channel alone or on a path pattern.
func routerMatchPathCases() []routerMatchCase {
	a := routerTestConsumer("a")
	return []routerMatchCase{
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
	}
}

// routerMatchKeyCases match on keys other than the path, on several keys,
// and among several routes.
func routerMatchKeyCases() []routerMatchCase {
	a, b := routerTestConsumer("a"), routerTestConsumer("b")
	return []routerMatchCase{
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
	}
}

// routerMatchChat is the routes the include cases include: a consumes
// websocket.receive and b websocket.connect, both on /chat/<room>/.
func routerMatchChat() []channels.Routing {
	a, b := routerTestConsumer("a"), routerTestConsumer("b")
	return []channels.Routing{
		channels.Route("websocket.receive", a, channels.Path(`^/chat/(?P<room>\w+)/$`)),
		channels.Route("websocket.connect", b, channels.Path(`^/chat/(?P<room>\w+)/$`)),
	}
}

// routerMatchIncludeCases match through an Include of the chat routes.
func routerMatchIncludeCases() []routerMatchCase {
	a, b := routerTestConsumer("a"), routerTestConsumer("b")
	chat := routerMatchChat()
	return []routerMatchCase{
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
			name:    "include of another key",
			routes:  []channels.Routing{channels.Include(chat, channels.Match("method", `^WS$`))},
			channel: "websocket.receive",
			content: channels.Content{"path": "/chat/x/", "method": "WS"},
			want:    a, kwargs: map[string]string{"room": "x"},
		},
	}
}

// routerMatchNestedIncludeCases match through includes in includes, whose
// kwargs are merged, and past an include that does not match.
func routerMatchNestedIncludeCases() []routerMatchCase {
	a, c := routerTestConsumer("a"), routerTestConsumer("c")
	chat := routerMatchChat()
	return []routerMatchCase{
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
	}
}

func TestRouterMatch(t *testing.T) {
	tests := slices.Concat(routerMatchPathCases(), routerMatchKeyCases(),
		routerMatchIncludeCases(), routerMatchNestedIncludeCases())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := routerTestNew(t, tt.routes...)
			m := channels.NewMessage(tt.channel, tt.content)
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
			if !maps.EqualFunc(m.Content(), before, func(x, y any) bool { return routerTestSame(x, y) }) {
				t.Errorf("Match changed the content to %v; want %v", m.Content(), before)
			}
		})
	}
}

// routerTestSame reports whether x and y are equal, byte slices by their
// bytes.
func routerTestSame(x, y any) bool {
	if xb, ok := x.([]byte); ok {
		yb, ok := y.([]byte)
		return ok && string(xb) == string(yb)
	}
	return x == y
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
		m := channels.NewMessage("websocket.receive", channels.Content{"path": "/chat/lobby/"})
		c, kw, ok := r.Match(m)
		if !ok || c != a || kw["room"] != "lobby" {
			t.Fatalf("match %d = %v, %v, %v; want a, room=lobby", i, c, kw, ok)
		}
		kw["room"] = "changed by a consumer"
		miss := channels.NewMessage("websocket.receive", channels.Content{"path": "/none/"})
		if _, _, ok := r.Match(miss); ok {
			t.Fatalf("match %d of /none/ succeeded", i)
		}
	}
	m := channels.NewMessage("websocket.receive", channels.Content{"path": "/other/"})
	if c, _, ok := r.Match(m); !ok || c != b {
		t.Errorf("match of /other/ = %v, %v; want b", c, ok)
	}
}
