package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// The methods that keep state: groups and the channel session.

// group.join, group.leave and group.send: every member of the group gets
// the notification group.message, the sender before its own response; a
// connection that left, or is in another group, gets nothing. (The
// original library's group test checks the same sequence.)
func TestGroups(t *testing.T) {
	live := startExample(t)
	a, b, other := dialWS(live), dialWS(live), dialWS(live)
	ok := func(id int) string { return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":true}`, id) }
	msg := func(payload string) string {
		return `{"jsonrpc":"2.0","method":"group.message","params":{"group":"room","payload":` + payload + `}}`
	}

	a.call(t, `{"jsonrpc":"2.0","method":"group.join","params":{"group":"room"},"id":1}`, ok(1))
	b.call(t, `{"jsonrpc":"2.0","method":"group.join","params":["room"],"id":2}`, ok(2))
	other.call(t, `{"jsonrpc":"2.0","method":"group.join","params":["lobby"],"id":3}`, ok(3))
	checkFrames(t, "b before any send", b.pending(t), nil)

	a.call(t, `{"jsonrpc":"2.0","method":"group.send","params":{"group":"room","payload":{"text":"hi"}},"id":4}`,
		msg(`{"text":"hi"}`), ok(4))
	checkFrames(t, "b after a's send", b.pending(t), []string{msg(`{"text":"hi"}`)})
	checkFrames(t, "other group after a's send", other.pending(t), nil)

	// The sender need not be a member; a notification sends to the group too.
	other.call(t, `{"jsonrpc":"2.0","method":"group.send","params":["room", [1,2]]}`)
	checkFrames(t, "a after other's notification", a.pending(t), []string{msg(`[1,2]`)})
	checkFrames(t, "b after other's notification", b.pending(t), []string{msg(`[1,2]`)})

	b.call(t, `{"jsonrpc":"2.0","method":"group.leave","params":["room"],"id":5}`, ok(5))
	a.call(t, `{"jsonrpc":"2.0","method":"group.send","params":["room", null],"id":6}`, msg(`null`), ok(6))
	checkFrames(t, "b after leaving", b.pending(t), nil)
	checkFrames(t, "other group after leaving", other.pending(t), nil)

	// group.send is allowed over HTTP and reaches the WebSocket members.
	post(t, live, `{"jsonrpc":"2.0","method":"group.send","params":["room", "from http"],"id":7}`, ok(7))
	checkFrames(t, "a after an HTTP send", a.pending(t), []string{msg(`"from http"`)})
	checkFrames(t, "b after an HTTP send", b.pending(t), nil)
	// group.join and group.leave need a connection.
	post(t, live, `{"jsonrpc":"2.0","method":"group.join","params":["room"],"id":8}`, notFound("8"))
	post(t, live, `{"jsonrpc":"2.0","method":"group.leave","params":["room"],"id":9}`, notFound("9"))
	a.call(t, `{"jsonrpc":"2.0","method":"group.join","params":["bad name"],"id":10}`,
		invalidParams("10", `group "bad name": use letters, digits, '.', '-' and '_' (at most 99)`))
}

// savedKeys is a session store that records the keys it saves.
type savedKeys struct {
	*channels.MemorySessionStore
	mu   sync.Mutex
	keys []string
}

func (s *savedKeys) Save(ctx context.Context, key string, values channels.Content) error {
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return s.MemorySessionStore.Save(ctx, key, values)
}

// session.set and session.get use the channel session of the WebSocket:
// values persist between the calls of one connection and are not seen by
// another (the original library's session tests check both).
func TestSession(t *testing.T) {
	store := &savedKeys{MemorySessionStore: channels.NewMemorySessionStore()}
	live := startExampleWith(t, channelstest.LiveConfig{}, store)
	a, b := dialWS(live), dialWS(live)
	result := func(id int, v string) string { return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":%s}`, id, v) }

	a.call(t, `{"jsonrpc":"2.0","method":"session.get","params":["colour"],"id":1}`, result(1, "null"))
	a.call(t, `{"jsonrpc":"2.0","method":"session.set","params":{"key":"colour","value":{"rgb":[255,0,0],"name":"red"}},"id":2}`, result(2, "true"))
	a.call(t, `{"jsonrpc":"2.0","method":"session.get","params":{"key":"colour"},"id":3}`, result(3, `{"name":"red","rgb":[255,0,0]}`))
	a.call(t, `{"jsonrpc":"2.0","method":"session.set","params":["n", 42]}`) // a notification sets it too
	a.call(t, `{"jsonrpc":"2.0","method":"session.get","params":["n"],"id":4}`, result(4, "42"))
	b.call(t, `{"jsonrpc":"2.0","method":"session.get","params":["colour"],"id":5}`, result(5, "null"))

	store.mu.Lock()
	keys := slices.Compact(slices.Clone(store.keys))
	store.mu.Unlock()
	if len(keys) != 1 || len(keys[0]) != 32 || !strings.HasPrefix(keys[0], "chn") {
		t.Errorf("sessions saved under %q, want one channel session key (chn and 29 hex digits)", keys)
	}

	// Each HTTP request has a reply channel, hence a session, of its own.
	post(t, live, `{"jsonrpc":"2.0","method":"session.set","params":["colour","blue"],"id":6}`, result(6, "true"))
	post(t, live, `{"jsonrpc":"2.0","method":"session.get","params":["colour"],"id":7}`, result(7, "null"))
	a.call(t, `{"jsonrpc":"2.0","method":"session.get","params":["colour"],"id":8}`, result(8, `{"name":"red","rgb":[255,0,0]}`))
}

// TestClosedConnectionLeavesItsGroups: a connection that joined groups with
// group.join and then closed is no member of them any more.
func TestClosedConnectionLeavesItsGroups(t *testing.T) {
	layer := channels.NewMemoryLayer(channels.MemoryConfig{})
	routes, err := routes(channels.NewMemorySessionStore(), nil)
	if err != nil {
		t.Fatal(err)
	}
	live := channelstest.NewLiveServerConfig(t, channelstest.LiveConfig{Layer: layer}, routes...)
	conn := live.Dial("/ws/")
	for i, g := range []string{"room", "other", "room"} {
		conn.SendText(map[string]any{"jsonrpc": "2.0", "method": "group.join", "params": []string{g}, "id": i})
		conn.ReceiveText()
	}
	members := func(g string) []string {
		m, err := layer.GroupChannels(context.Background(), g)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if len(members("room")) != 1 || len(members("other")) != 1 {
		t.Fatalf("members after joining: room %v, other %v", members("room"), members("other"))
	}
	conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	conn.ReceiveClose()
	deadline := time.Now().Add(10 * time.Second)
	for len(members("room"))+len(members("other")) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after the close: room %v, other %v; want no members", members("room"), members("other"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
