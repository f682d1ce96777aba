package channels

import (
	"context"
	"testing"
)

type memoTestConsumer string

func (memoTestConsumer) Consume(context.Context, *Message) error { return nil }

// The frames of one connection share a route memo. Two routers matching
// them in turns each find their own consumer, a consumer that changes its
// kwargs does not change the next frame's, and a frame whose content was
// built (and may have been changed) is matched on that content.
func TestRouteMemoPerConnection(t *testing.T) {
	a, b, other := memoTestConsumer("a"), memoTestConsumer("b"), memoTestConsumer("other")
	newRouter := func(c Consumer) *Router {
		r, err := NewRouter(
			Route("websocket.receive", c, Path(`^/chat/(?P<room>\w+)/$`)),
			Route("websocket.receive", other, Path(`^/other/$`)),
		)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ra, rb := newRouter(a), newRouter(b)
	var memo routeMemo
	frame := func() *Message {
		return newTextMessage(&receiveFrame{reply: "r.x!y", path: "/chat/lobby/", route: &memo}, []byte("{}"))
	}
	for i := range 3 {
		for _, want := range []struct {
			r *Router
			c Consumer
		}{{ra, a}, {rb, b}, {rb, b}, {ra, a}} {
			c, kw, ok := want.r.Match(frame())
			if !ok || c != want.c || kw["room"] != "lobby" {
				t.Fatalf("turn %d: match = %v, %v, %v; want %v, room=lobby", i, c, kw, ok, want.c)
			}
			kw["room"] = "changed by a consumer"
		}
	}
	if memo.last.Load() == nil {
		t.Fatal("the connection's memo was never set")
	}
	m := frame()
	m.Content()["path"] = "/other/"
	if c, _, ok := ra.Match(m); !ok || c != other {
		t.Errorf("a frame whose path a consumer changed matched %v, %v; want other", c, ok)
	}
}
