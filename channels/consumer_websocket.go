package channels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// The WebSocket consumer interfaces. A WebSocket consumer is a value with
// some of these methods, given to AsRoute or WebsocketHandler, which check
// the value itself for each one: Django's WebsocketConsumer, without
// subclassing. Methods of an embedded WebsocketConsumer count only where the
// outer type does not define its own, and the framework never calls up
// through the embedded value. The value is shared by every connection and
// must be safe for concurrent use; per-connection state belongs in
// m.ChannelSession. m.Kwargs holds the named groups of the route.

// Connecter handles websocket.connect. Connect must answer the handshake:
// m.Accept, or m.Reject (or m.Close), or send a first frame. Returning an
// error matching ErrDenyConnection makes the worker reject the connection.
// A consumer without Connect accepts every connection.
type Connecter interface {
	Connect(ctx context.Context, m *Message) error
}

// Receiver handles the frames of websocket.receive, text or binary: see
// m.Text and m.Bytes.
type Receiver interface {
	Receive(ctx context.Context, m *Message) error
}

// JSONReceiver handles text frames holding JSON. content is the frame
// decoded by encoding/json into an any: map[string]any, []any, string,
// float64, bool or nil. A frame that is not JSON text is an error returned
// to the worker, except that a binary frame goes to Receive when the
// consumer is a Receiver too.
type JSONReceiver interface {
	ReceiveJSON(ctx context.Context, m *Message, content any) error
}

// Disconnecter handles websocket.disconnect, after the connection has left
// its groups. The reply channel is closed by then: nothing can be sent on it.
type Disconnecter interface {
	Disconnect(ctx context.Context, m *Message) error
}

// Grouper names the groups a connection joins before Connect is called
// and leaves before Disconnect is called: Django's connection_groups.
type Grouper interface {
	ConnectionGroups(m *Message) []string
}

// WebsocketConsumer is a base to embed in a WebSocket consumer; it supplies
// ConnectionGroups. It does not define Connect, Receive or Disconnect: the
// consumer defines those it needs.
type WebsocketConsumer struct {
	// Groups are the groups every connection joins (Django's groups).
	Groups []string
}

// ConnectionGroups implements Grouper: it returns c.Groups.
func (c WebsocketConsumer) ConnectionGroups(m *Message) []string { return c.Groups }

// JSONWebsocketConsumer is a base to embed in a consumer that speaks JSON
// (define ReceiveJSON); it adds JSON senders to WebsocketConsumer.
type JSONWebsocketConsumer struct {
	WebsocketConsumer
}

// SendJSON sends v, encoded by encoding/json, as a text frame to m's reply
// channel.
func (JSONWebsocketConsumer) SendJSON(ctx context.Context, m *Message, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("channels: encode JSON frame: %w", err)
	}
	return m.SendText(ctx, string(b))
}

// GroupSendJSON sends v, encoded by encoding/json, as a text frame to every
// member of group on l.
func (JSONWebsocketConsumer) GroupSendJSON(ctx context.Context, l Layer, group string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("channels: encode JSON frame: %w", err)
	}
	return Group{Name: group, Layer: l}.Send(ctx, Content{"text": string(b)})
}

// The channels of the WebSocket messages an interface server sends.
const (
	wsChanConnect    = "websocket.connect"
	wsChanReceive    = "websocket.receive"
	wsChanDisconnect = "websocket.disconnect"
)

// AsRoute routes the three WebSocket channels, for the messages passing
// filters, to consumer: Django's as_route. consumer is a WebSocket consumer
// value (see Connecter) or a Consumer, such as a WebsocketHandler wrapped in
// middleware, which then gets the messages of all three channels as they
// are. The filters act as those of Include.
func AsRoute(consumer any, filters ...Filter) Routing {
	var c Consumer
	switch v := consumer.(type) {
	case nil:
		return Routing{err: errors.New("AsRoute of a nil consumer"), isInc: true}
	case Consumer:
		c = v
	default:
		c = WebsocketHandler(v)
	}
	return Include([]Routing{
		Route(wsChanConnect, c),
		Route(wsChanReceive, c),
		Route(wsChanDisconnect, c),
	}, filters...)
}

// WebsocketHandler returns a Consumer of the three WebSocket channels that
// dispatches to consumer, a value implementing some of Connecter, Receiver,
// JSONReceiver, Disconnecter and Grouper:
//
//   - websocket.connect: the reply channel joins the ConnectionGroups, then
//     Connect is called; without Connect the connection is accepted.
//   - websocket.receive: a JSONReceiver gets text frames decoded, else a
//     Receiver gets the frame; without either the frame is dropped.
//   - websocket.disconnect: the reply channel leaves the ConnectionGroups,
//     then Disconnect is called.
//
// A message on another channel is an error matching ErrNoRoute. It panics if
// consumer is nil.
func WebsocketHandler(consumer any) Consumer {
	if consumer == nil {
		panic("channels: WebsocketHandler of a nil consumer")
	}
	return websocketHandler{consumer}
}

type websocketHandler struct{ v any }

func (h websocketHandler) Consume(ctx context.Context, m *Message) error {
	switch m.Channel {
	case wsChanConnect:
		return h.connect(ctx, m)
	case wsChanReceive:
		return h.receive(ctx, m)
	case wsChanDisconnect:
		return h.disconnect(ctx, m)
	}
	return fmt.Errorf("%w for channel %q in WebSocket consumer %T", ErrNoRoute, m.Channel, h.v)
}

func (h websocketHandler) connect(ctx context.Context, m *Message) error {
	if g, ok := h.v.(Grouper); ok {
		for _, group := range g.ConnectionGroups(m) {
			if err := m.GroupAdd(ctx, group); err != nil {
				return fmt.Errorf("channels: join group %q: %w", group, err)
			}
		}
	}
	if c, ok := h.v.(Connecter); ok {
		return c.Connect(ctx, m)
	}
	return m.Accept(ctx)
}

func (h websocketHandler) receive(ctx context.Context, m *Message) error {
	text, isText := m.Text()
	_, isBytes := m.Bytes()
	if !isText && !isBytes {
		return errors.New("channels: websocket.receive message has neither text nor bytes")
	}
	if jr, ok := h.v.(JSONReceiver); ok && (isText || !isReceiver(h.v)) {
		if !isText {
			return fmt.Errorf("channels: JSON consumer %T got a binary frame", h.v)
		}
		var content any
		if err := json.Unmarshal([]byte(text), &content); err != nil {
			return fmt.Errorf("channels: JSON consumer %T got a text frame that is not JSON: %w", h.v, err)
		}
		return jr.ReceiveJSON(ctx, m, content)
	}
	if r, ok := h.v.(Receiver); ok {
		return r.Receive(ctx, m)
	}
	return nil
}

func isReceiver(v any) bool {
	_, ok := v.(Receiver)
	return ok
}

func (h websocketHandler) disconnect(ctx context.Context, m *Message) error {
	var errs []error
	if g, ok := h.v.(Grouper); ok {
		for _, group := range g.ConnectionGroups(m) {
			if err := m.GroupDiscard(ctx, group); err != nil {
				errs = append(errs, fmt.Errorf("channels: leave group %q: %w", group, err))
			}
		}
	}
	if d, ok := h.v.(Disconnecter); ok {
		errs = append(errs, d.Disconnect(ctx, m))
	}
	return errors.Join(errs...)
}
