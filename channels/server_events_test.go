package channels_test

import (
	"context"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
	channelstest "github.com/gochannels/channels-jsonrpc/testing"
)

// A typed event sent to a connection's group reaches the connection's
// consumer on websocket.event, with the connection's reply channel; the
// ASGI 3 websocket.send message is a reply, written as a frame.
func TestTypedEventsReachTheConsumer(t *testing.T) {
	joined := make(chan string, 1)
	connect := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		if err := m.Accept(ctx); err != nil {
			return err
		}
		err := m.GroupAdd(ctx, "room")
		joined <- m.ReplyChannel()
		return err
	})
	event := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		ev, typ, ok := m.Event()
		if !ok || typ != ev.String("type") {
			t.Errorf("event message %v: no typed event", m.Content())
		}
		if m.ReplyChannel() == "" || m.Path() != "/chat/" {
			t.Errorf("event message %v: no reply channel or path", m.Content())
		}
		return m.SendText(ctx, "got "+ev.String("type")+": "+ev.String("text"))
	})
	live := channelstest.NewLiveServer(t,
		channels.Route("websocket.connect", connect),
		channels.Route(channels.EventChannel, event, channels.Path(`^/chat/$`)))
	conn := live.Dial("/chat/")
	reply := <-joined
	ctx := context.Background()
	if err := (channels.Group{Name: "room", Layer: live.Layer}).SendEvent(ctx, "chat.message", channels.Content{"text": "hi"}); err != nil {
		t.Fatal(err)
	}
	if err := (channels.Group{Name: "room", Layer: live.Layer}).SendEvent(ctx, "x", channels.Content{"type": "y"}); err == nil {
		t.Error("GroupSendEvent took fields that set type")
	}
	if got := conn.ReceiveText(); got != "got chat.message: hi" {
		t.Errorf("received %q, want the consumer's answer to the event", got)
	}
	if err := channels.SendEvent(ctx, live.Layer, reply, "chat.direct", channels.Content{"text": "one"}); err != nil {
		t.Fatal(err)
	}
	if got := conn.ReceiveText(); got != "got chat.direct: one" {
		t.Errorf("received %q, want the consumer's answer to the direct event", got)
	}
	if err := (channels.Group{Name: "room", Layer: live.Layer}).Send(ctx, channels.Content{"type": "websocket.send", "text": "as is"}); err != nil {
		t.Fatal(err)
	}
	if got := conn.ReceiveText(); got != "as is" {
		t.Errorf("received %q, want the websocket.send text", got)
	}
}
