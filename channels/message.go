package channels

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"
)

// Message is one message taken from a channel, as a consumer sees it: the
// channel it arrived on, its ASGI content, and what middleware attached to it.
type Message struct {
	// Channel is the name the message was sent to ("websocket.receive").
	Channel string
	// Layer is the layer the message came from; replies go through it.
	Layer Layer
	// Kwargs holds the named groups of the route patterns that matched.
	Kwargs map[string]string

	// ChannelSession is the session keyed by the reply channel, set by the
	// ChannelSession middleware (Django's message.channel_session).
	ChannelSession *Session
	// HTTPSession is the session of the HTTP cookie, set by auth middleware.
	HTTPSession *Session
	// User is the user set by auth middleware (Django's message.user).
	User User

	messageContent         // see Content
	call           callCtx // the context of the worker's call, when ordered
	hand           *inHand // the worker's entry for m's connection, while in hand
	sessionRoom    Session // where openChannelSession puts ChannelSession
}

// User is the identity auth middleware attaches to a message.
type User interface {
	// ID is the user's identifier; empty for the anonymous user.
	ID() string
	// IsAuthenticated reports whether this is a logged-in user.
	IsAuthenticated() bool
}

// ErrNoReplyChannel is returned when replying to a message without one.
var ErrNoReplyChannel = errors.New("channels: message has no reply_channel")

// Header is one HTTP header of a connect or request message.
type Header struct{ Name, Value string }

// ReplyChannel is the channel replies to this message go to.
func (m *Message) ReplyChannel() string {
	if f := m.compactFrame(); f != nil {
		return f.reply.(string)
	}
	if s := m.compactRequest(); s != nil {
		return s.reply
	}
	return m.Content().String("reply_channel")
}

// Path is the request path, unquoted.
func (m *Message) Path() string {
	if f := m.compactFrame(); f != nil {
		return f.path.(string)
	}
	if s := m.compactRequest(); s != nil {
		return s.path
	}
	return m.Content().String("path")
}

// pathString is the message's "path" and whether it is a string, read
// without boxing the path of a compact message (get would).
func (m *Message) pathString() (string, bool) {
	if f := m.compactFrame(); f != nil {
		path, ok := f.path.(string)
		return path, ok
	}
	if s := m.compactRequest(); s != nil {
		return s.path, true
	}
	path, ok := m.Content()["path"].(string)
	return path, ok
}

// QueryString is the raw query string of a connect or request message.
func (m *Message) QueryString() string {
	if s := m.compactRequest(); s != nil {
		return s.query
	}
	return stringValue(m.get("query_string"))
}

// Method is the HTTP method of an http.request message.
func (m *Message) Method() string {
	if s := m.compactRequest(); s != nil {
		return s.method
	}
	return stringValue(m.get("method"))
}

// Body is the body of an http.request message.
func (m *Message) Body() []byte {
	if s := m.compactRequest(); s != nil {
		return s.body
	}
	switch b := m.get("body").(type) {
	case []byte:
		return b
	case string:
		return []byte(b)
	}
	return nil
}

// Order is the position of the message in its connection: 0 for connect,
// 1..n for frames, n+1 for disconnect.
func (m *Message) Order() (int64, bool) {
	if f := m.compactFrame(); f != nil {
		return f.order, true
	}
	return intValue(m.get("order"))
}

// Text returns the text of a websocket.receive frame and whether there was
// one.
func (m *Message) Text() (string, bool) {
	if f := m.compactFrame(); f != nil {
		return f.text, !f.binary
	}
	s, ok := m.get("text").(string)
	return s, ok
}

// Bytes returns the payload of a binary websocket.receive frame and whether
// there was one.
func (m *Message) Bytes() ([]byte, bool) {
	if f := m.compactFrame(); f != nil {
		return f.bytes, f.binary
	}
	b, ok := m.get("bytes").([]byte)
	return b, ok
}

// Event returns the typed event of a websocket.event message (see
// EventChannel) and its type.
func (m *Message) Event() (event Content, typ string, ok bool) {
	switch e := m.get("event").(type) {
	case map[string]any:
		event = e
	case Content:
		event = e
	default:
		return nil, "", false
	}
	typ, ok = event["type"].(string)
	return event, typ, ok
}

// Code is the close code of a websocket.disconnect message.
func (m *Message) Code() int {
	c, _ := intValue(m.get("code"))
	return int(c)
}

// Headers returns the headers of a connect or request message in order, names
// lowercased. Both the ASGI list of [name, value] pairs and a map are read.
func (m *Message) Headers() []Header {
	var out []Header
	for name, value := range m.rawHeaders {
		out = append(out, Header{strings.ToLower(stringValue(name)), stringValue(value)})
	}
	return out
}

// Header returns the first value of the named header, or "". Unlike
// Headers it copies nothing but that value.
func (m *Message) Header(name string) string {
	if s := m.compactRequest(); s != nil {
		return s.headerValue(name)
	}
	for n, value := range m.rawHeaders {
		if equalName(n, name) {
			return stringValue(value)
		}
	}
	return ""
}

// rawHeaders yields the name and value of each header of the message as
// its content holds them (strings or bytes), from the ASGI list of [name,
// value] pairs or from a map.
func (m *Message) rawHeaders(yield func(name, value any) bool) {
	switch hs := m.get("headers").(type) {
	case []any:
		for _, h := range hs {
			if pair, ok := h.([]any); ok && len(pair) == 2 && !yield(pair[0], pair[1]) {
				return
			}
		}
	case map[string]any:
		for k, v := range hs {
			if !yield(k, v) {
				return
			}
		}
	}
}

// equalName reports whether a header name of a message (a string or
// bytes) is name, ignoring case.
func equalName(v any, name string) bool {
	switch v := v.(type) {
	case string:
		return strings.EqualFold(v, name)
	case []byte:
		return bytes.EqualFold(v, []byte(name))
	}
	return false
}

// Reply sends content to the message's reply channel. When the channel is
// full and ctx is a worker's (the context a consumer is given), Reply waits
// for room for up to WorkerConfig.ReplyTimeout: the interface server reads
// its reply channels as fast as its clients take their frames.
func (m *Message) Reply(ctx context.Context, content Content) error {
	return m.reply(ctx, &replyBody{content: content})
}

// ReplyOwned is Reply of content that the caller hands over and never
// touches again, such as a response built for the reply: a DirectLayer
// takes it with SendOwned, and keeps it without a copy.
func (m *Message) ReplyOwned(ctx context.Context, content Content) error {
	return m.reply(ctx, &replyBody{content: content, owned: true})
}

// replyBody is what a reply sends: content, handed over when owned, or a
// text frame sent with the layer's TextSender.SendText.
type replyBody struct {
	content    Content
	owned      bool
	text       string
	textSender TextSender // the layer, when the reply is text
}

func (m *Message) reply(ctx context.Context, body *replyBody) error {
	reply := m.ReplyChannel()
	if reply == "" {
		return ErrNoReplyChannel
	}
	err := m.sendReply(ctx, reply, body)
	w, ok := ctx.Value(workerKey{}).(*Worker)
	if !ok {
		return err
	}
	obs := w.cfg.Observer
	if err == nil {
		obs.MessageSent(KindReply)
		return nil
	}
	if errors.Is(err, ErrChannelFull) {
		ctx, cancel := context.WithTimeout(ctx, w.cfg.ReplyTimeout)
		defer cancel()
		start := time.Now()
		err = retryWhenRoom(ctx, m.Layer, reply, err, func(ctx context.Context) error {
			return m.sendReply(ctx, reply, body)
		})
		obs.FullWait(KindReply, time.Since(start))
	}
	if err != nil {
		obs.MessageRefused(KindReply, errors.Is(err, ErrChannelFull))
	} else {
		obs.MessageSent(KindReply)
	}
	return err
}

func (m *Message) sendReply(ctx context.Context, reply string, body *replyBody) error {
	if body.textSender != nil {
		return body.textSender.SendText(ctx, reply, body.text)
	}
	if d, ok := m.Layer.(DirectLayer); ok && body.owned {
		return d.SendOwned(ctx, reply, body.content)
	}
	return m.Layer.Send(ctx, reply, body.content)
}

// Accept accepts a WebSocket connection ({"accept": true}).
func (m *Message) Accept(ctx context.Context) error {
	return m.Reply(ctx, Content{"accept": true})
}

// Reject refuses a WebSocket connection during its handshake; the client
// gets HTTP 403 ({"accept": false}).
func (m *Message) Reject(ctx context.Context) error {
	return m.Reply(ctx, Content{"accept": false})
}

// SendText sends a text frame to the reply channel, with
// TextSender.SendText when the layer has it.
func (m *Message) SendText(ctx context.Context, text string) error {
	if ts, ok := m.Layer.(TextSender); ok {
		return m.reply(ctx, &replyBody{text: text, textSender: ts})
	}
	return m.Reply(ctx, Content{"text": text})
}

// SendBytes sends a binary frame to the reply channel.
func (m *Message) SendBytes(ctx context.Context, b []byte) error {
	return m.Reply(ctx, Content{"bytes": b})
}

// Close closes the WebSocket with code (1000 when code is 0). During the
// handshake it rejects the connection with 403.
func (m *Message) Close(ctx context.Context, code int) error {
	if code == 0 {
		return m.Reply(ctx, Content{"close": true})
	}
	return m.Reply(ctx, Content{"close": int64(code)})
}
