package channels

import (
	"fmt"
	"sync/atomic"
	"unsafe"
)

// A Message keeps its content in one of two forms: the map it was made
// with (NewMessage), or, for the websocket.receive and http.request
// messages the server builds, a compact form (receiveFrame below, and
// requestScope), turned into a map only when someone asks for it with
// Content. The accessors (ReplyChannel, Path, Order, Text, Bytes, Method,
// Header, Body, ...) read the compact form as it is, so a JSON-RPC call
// that never asks for the map never builds one. Once built, the map is
// the content: what a consumer changes in it, the accessors see.

// receiveFrame is the compact content of a websocket.receive message:
// reply_channel, path, order, and text or bytes. reply and path are the
// connection's strings, boxed once per connection, not per frame.
type receiveFrame struct {
	reply, path any // strings
	order       int64
	text        string
	bytes       []byte
	binary      bool
	sessionKey  string     // ChannelSessionKey of reply, or "": not content
	route       *routeMemo // the connection's last route match, or nil: not content
}

// NewMessage returns a message of content received on channel, as a
// worker makes it (the message keeps content, not a copy). Set Layer
// before replying to it.
func NewMessage(channel string, content Content) *Message {
	return &Message{Channel: channel, messageContent: messageContent{content: content}}
}

// newReceiveMessage is a websocket.receive message in compact form.
func newReceiveMessage(f *receiveFrame) *Message {
	m := new(Message)
	m.setFrame(f)
	return m
}

// setFrame makes a new message the websocket.receive of f.
func (m *Message) setFrame(f *receiveFrame) {
	m.Channel, m.frame, m.compact = "websocket.receive", *f, true
}

// shortText is the longest text frame newTextMessage copies into the
// message's own allocation: a call with a few short params fits.
const shortText = 96

// messageWithText is a Message and the room for a short frame's text.
type messageWithText struct {
	Message
	text [shortText]byte
}

// newTextMessage is newReceiveMessage of f with f.text a copy of text,
// made in the message's allocation when it is short: one allocation
// instead of two. The copy is never written again, so it may be a string.
func newTextMessage(f *receiveFrame, text []byte) *Message {
	if len(text) > shortText || len(text) == 0 {
		m := newReceiveMessage(f)
		m.frame.text = string(text)
		return m
	}
	mt := &messageWithText{}
	n := copy(mt.text[:], text)
	mt.setFrame(f)
	mt.frame.text = unsafe.String(&mt.text[0], n)
	return &mt.Message
}

// newRequestMessage is an http.request message in compact form.
func newRequestMessage(s *requestScope) *Message {
	return &Message{Channel: "http.request", messageContent: messageContent{request: s, compact: true}}
}

// Content is the message's ASGI content: reply_channel, path, order, text,
// and the rest. A message in compact form builds its map on the first call;
// every call returns the same map. Safe for concurrent use.
func (m *Message) Content() Content {
	if !m.compact {
		return m.content
	}
	if p := m.built.Load(); p != nil {
		return *p
	}
	var c Content
	if m.request != nil {
		c = m.request.content()
	} else {
		c = m.frame.content()
	}
	if m.built.CompareAndSwap(nil, &c) {
		return c
	}
	return *m.built.Load()
}

// compactFrame is the compact content of a websocket.receive message
// while no map has been built, or nil.
func (m *Message) compactFrame() *receiveFrame {
	if m.compact && m.request == nil && m.built.Load() == nil {
		return &m.frame
	}
	return nil
}

// routeMemo is the route memo of the connection a compact frame came
// from, or nil.
func (m *Message) routeMemo() *routeMemo {
	if f := m.compactFrame(); f != nil {
		return f.route
	}
	return nil
}

// compactRequest is the compact content of an http.request message while
// no map has been built, or nil.
func (m *Message) compactRequest() *requestScope {
	if m.request != nil && m.built.Load() == nil {
		return m.request
	}
	return nil
}

func (f *receiveFrame) content() Content {
	c := make(Content, 4)
	c["reply_channel"], c["path"], c["order"] = f.reply, f.path, f.order
	if f.binary {
		c["bytes"] = f.bytes
	} else {
		c["text"] = f.text
	}
	return c
}

// messageContent is the part of Message that holds its content.
type messageContent struct {
	content Content                 // the map NewMessage was given
	frame   receiveFrame            // the compact form, when compact and request is nil
	request *requestScope           // the compact form of an http.request, or nil
	compact bool                    // the content is frame or request, or built
	built   atomic.Pointer[Content] // the map built from frame or request
}

// get is Content()[key], without building the map of a compact message.
func (m *Message) get(key string) any {
	if f := m.compactFrame(); f != nil {
		return f.get(key)
	}
	if s := m.compactRequest(); s != nil {
		return s.get(key)
	}
	return m.Content()[key]
}

func (f *receiveFrame) get(key string) any {
	switch {
	case key == "reply_channel":
		return f.reply
	case key == "path":
		return f.path
	case key == "order":
		return f.order
	case key == "text" && !f.binary:
		return f.text
	case key == "bytes" && f.binary:
		return f.bytes
	}
	return nil
}

// ownCanonicalContent readies the content of a message handed over to a
// consumer (DirectLayer.HandOver) as a send would: no reserved key, and
// only ASGI values, copied into their canonical form when they are not in
// it. A compact content is canonical as it is built.
func (m *Message) ownCanonicalContent() error {
	if m.compact {
		return nil
	}
	if m.content.Has(ReservedKey) {
		return fmt.Errorf("%w: key %q is reserved", ErrInvalidMessage, ReservedKey)
	}
	c, err := m.content.canonicalForm()
	if err != nil {
		return err
	}
	m.content = c
	return nil
}
