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

// newRouterErrorCase is routes NewRouter refuses, and what its error says.
type newRouterErrorCase struct {
	name   string
	routes []channels.Routing
	want   string // in the error
}

// newRouterErrorCases are routes NewRouter refuses: bad patterns, channels
// and consumers, and duplicate routes, at the top or in an include.
func newRouterErrorCases() []newRouterErrorCase {
	a := routerTestConsumer("a")
	var nilFunc channels.ConsumerFunc
	var nilRouter *channels.Router
	return []newRouterErrorCase{
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
}

func TestNewRouterErrors(t *testing.T) {
	for _, tt := range newRouterErrorCases() {
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

	m := channels.NewMessage("websocket.receive", channels.Content{"path": "/api/chat/lobby/", "text": "hi"})
	m.Kwargs = map[string]string{"set": "before", "room": "old"}
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
		m := channels.NewMessage(tt.channel, tt.content)
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
	m := channels.NewMessage("http.request", channels.Content{"path": "/docs/intro"})
	if err := outer.Consume(context.Background(), m); err != nil {
		t.Fatalf("Consume: %v", err)
	}
	if want := map[string]string{"section": "docs", "page": "intro"}; !maps.Equal(kw, want) {
		t.Errorf("kwargs of the inner consumer = %v; want %v", kw, want)
	}
}
