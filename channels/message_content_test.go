package channels

import (
	"maps"
	"sync"
	"testing"
)

func TestReceiveMessageCompactContent(t *testing.T) {
	frame := receiveFrame{reply: "srv!abc", path: "/ws/", order: 300, text: "hi"}
	want := Content{"reply_channel": "srv!abc", "path": "/ws/", "order": int64(300), "text": "hi"}

	m := newReceiveMessage(&frame)
	if m.ReplyChannel() != "srv!abc" || m.Path() != "/ws/" || m.QueryString() != "" || m.Code() != 0 {
		t.Errorf("accessors read %q %q %q %d", m.ReplyChannel(), m.Path(), m.QueryString(), m.Code())
	}
	if o, ok := m.Order(); o != 300 || !ok {
		t.Errorf("Order() = %d, %v", o, ok)
	}
	if s, ok := m.Text(); s != "hi" || !ok {
		t.Errorf("Text() = %q, %v", s, ok)
	}
	if _, ok := m.Bytes(); ok {
		t.Error("a text frame has bytes")
	}
	if m.built.Load() != nil {
		t.Fatal("the accessors built the map")
	}

	var wg sync.WaitGroup
	got := make([]Content, 4)
	for i := range got {
		wg.Go(func() { got[i] = m.Content() })
	}
	wg.Wait()
	for _, c := range got {
		if !maps.Equal(c, want) {
			t.Fatalf("Content() = %v, want %v", c, want)
		}
	}
	got[0]["text"] = "changed" // one map for every caller
	if s, _ := m.Text(); s != "changed" || m.Content()["text"] != "changed" {
		t.Errorf("after a change to the map, Text() = %q", s)
	}
	m.Content()["query_string"] = "a=1"
	if m.QueryString() != "a=1" {
		t.Errorf("QueryString() = %q after it was set in the map", m.QueryString())
	}
}

func TestReceiveMessageCompactBytes(t *testing.T) {
	m := newReceiveMessage(&receiveFrame{reply: "srv!abc", path: "/", order: 1, bytes: []byte{0, 1}, binary: true})
	if b, ok := m.Bytes(); !ok || len(b) != 2 {
		t.Errorf("Bytes() = %v, %v", b, ok)
	}
	if _, ok := m.Text(); ok {
		t.Error("a binary frame has text")
	}
	c := m.Content()
	if _, ok := c["text"]; ok || len(c["bytes"].([]byte)) != 2 {
		t.Errorf("Content() = %v", c)
	}
}

func TestNewMessageKeepsItsMap(t *testing.T) {
	c := Content{"reply_channel": "x!y", "order": int64(2)}
	m := NewMessage("websocket.receive", c)
	c["path"] = "/p/"
	if m.Path() != "/p/" || m.ReplyChannel() != "x!y" {
		t.Errorf("Path() = %q, ReplyChannel() = %q", m.Path(), m.ReplyChannel())
	}
	if NewMessage("x", nil).Content() != nil {
		t.Error("a message made with nil content has content")
	}
}

// TestTextMessageCopiesText: a text frame's message keeps a copy of the
// frame's bytes, whatever their length, and a short one costs a single
// allocation.
func TestTextMessageCopiesText(t *testing.T) {
	frame := receiveFrame{reply: "srv!abc", path: "/ws/", order: 1}
	for _, n := range []int{0, 1, shortText, shortText + 1, 4096} {
		data := make([]byte, n)
		for i := range data {
			data[i] = 'a' + byte(i%26)
		}
		want := string(data)
		m := newTextMessage(&frame, data)
		clear(data) // the reader's buffer, reused for the next frame
		if got, ok := m.Text(); !ok || got != want {
			t.Errorf("%d bytes: Text() = %q, %v; want the frame's text", n, got, ok)
		}
		if got := m.Content()["text"]; got != want {
			t.Errorf("%d bytes: Content()[text] = %q; want the frame's text", n, got)
		}
	}
	data := []byte(`{"jsonrpc":"2.0","method":"ping","id":1}`)
	if n := testing.AllocsPerRun(100, func() { newTextMessage(&frame, data) }); n != 1 {
		t.Errorf("a short text frame's message: %v allocations; want 1", n)
	}
}
