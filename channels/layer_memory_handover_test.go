package channels

import (
	"context"
	"errors"
	"testing"
)

// TestHandOverQueuesCompactMessages: a compact websocket.receive that no
// inline consumer takes is queued as it is; ReceiveTaken gives back that
// very message, its map still unbuilt, and Receive its content. The queue's
// capacity and a closed layer apply as they do to Send.
func TestHandOverQueuesCompactMessages(t *testing.T) {
	ctx := context.Background()
	l := NewMemoryLayer(MemoryConfig{Capacity: 2})
	first := newReceiveMessage(&receiveFrame{reply: "srv!a", path: "/ws/", order: 1, text: "one"})
	second := newReceiveMessage(&receiveFrame{reply: "srv!a", path: "/ws/", order: 2, text: "two"})
	for _, m := range []*Message{first, second} {
		if err := l.HandOver(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	third := newReceiveMessage(&receiveFrame{reply: "srv!a", path: "/ws/", order: 3, text: "three"})
	if err := l.HandOver(ctx, third); !errors.Is(err, ErrChannelFull) {
		t.Errorf("HandOver beyond capacity: %v, want ErrChannelFull", err)
	}

	var taken *Message
	got, err := l.ReceiveTaken(ctx, func(m *Message) { taken = m }, "websocket.receive")
	if err != nil {
		t.Fatal(err)
	}
	if got != first || taken != first {
		t.Errorf("ReceiveTaken gave %p (taken %p), want the handed-over %p", got, taken, first)
	}
	if first.compactFrame() == nil {
		t.Error("queueing built the message's map")
	}

	ch, c, err := l.Receive(ctx, "websocket.receive")
	if err != nil {
		t.Fatal(err)
	}
	if ch != "websocket.receive" || c.String("text") != "two" || c.String("reply_channel") != "srv!a" {
		t.Errorf("Receive gave %s %v, want the second frame's content", ch, c)
	}
	if n, _ := c.Int("order"); n != 2 {
		t.Errorf("order = %d, want 2", n)
	}

	l.Close()
	if err := l.HandOver(ctx, third); !errors.Is(err, ErrClosed) {
		t.Errorf("HandOver to a closed layer: %v, want ErrClosed", err)
	}
}

// TestReceiveTakenWrapsSentContent: what Send queued comes out of
// ReceiveTaken as a new message with that content.
func TestReceiveTakenWrapsSentContent(t *testing.T) {
	ctx := context.Background()
	l := NewMemoryLayer(MemoryConfig{})
	if err := l.Send(ctx, "work", Content{"n": "1"}); err != nil {
		t.Fatal(err)
	}
	m, err := l.ReceiveTaken(ctx, func(*Message) {}, "work")
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != "work" || m.Content().String("n") != "1" {
		t.Errorf("ReceiveTaken gave %s %v, want work {n: 1}", m.Channel, m.Content())
	}
}
