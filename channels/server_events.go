package channels

import (
	"context"
	"fmt"
	"maps"
	"sync"
)

// Typed events. A Channels 2–4 application sends its consumers events, maps
// with a "type" ({"type": "chat.message", "text": "hi"}), to their channel
// names and groups; Channels dispatches each to the consumer instance
// serving that connection. Here a connection's consumer runs in a worker,
// so the server passes such a message on, as it passes a frame: a message
// on the layer channel "websocket.event" (EventChannel) with the
// connection's reply_channel and path and the event under "event". The
// worker routes it as any other message; the JSON-RPC consumer dispatches
// it by type. The ASGI 3 server messages websocket.send, websocket.accept
// and websocket.close are replies, as in Daphne.

// EventChannel is the channel the interface server sends a connection's
// typed events to, for its consumer.
const EventChannel = "websocket.event"

// EventTextKey, in a typed event, holds the text frame the event stands for
// on a WebSocket: an interface server writes it to its client instead of
// passing the event to the consumer. A sender that knows what its Go
// clients must see (a JSON-RPC notification) saves every member a trip
// through a worker; Django consumers get the key in their event and may
// ignore it.
const EventTextKey = "__websocket_text__"

// eventQueue passes a connection's events on to the layer in the order
// they came, from a goroutine started for the queue and gone once it is
// empty: delivery must not call the layer.
type eventQueue struct {
	mu      sync.Mutex
	waiting []Content
	running bool
}

// WebsocketReply tells what the interface server does with a message sent
// to a connection's channel: write reply (accept, text, bytes, close),
// or, when isEvent, pass the message, a typed event, to the connection's
// consumer on EventChannel. A typed event with EventTextKey is its text,
// and the ASGI 3 messages websocket.send, websocket.accept and
// websocket.close are the replies they stand for. The test harness uses it
// to do as the server does.
func WebsocketReply(m Content) (reply Content, isEvent bool) {
	typ, ok := m["type"].(string)
	if !ok {
		return m, false
	}
	if text, ok := m[EventTextKey].(string); ok {
		return Content{"text": text}, false
	}
	switch typ {
	case "websocket.send":
		reply = Content{}
		for _, k := range []string{"text", "bytes"} {
			if v, ok := m[k]; ok && v != nil {
				reply[k] = v
			}
		}
		return reply, false
	case "websocket.accept":
		return Content{"accept": true}, false
	case "websocket.close":
		if code, ok := m.Int("code"); ok {
			return Content{"close": code}, false
		}
		return Content{"close": true}, false
	}
	return nil, true
}

// forwardEvent queues a typed event for the connection's consumer. The
// event is copied: delivery does not keep what it is given.
func (c *wsConn) forwardEvent(event Content) {
	kept, err := event.Clone()
	if err != nil {
		c.srv.log.Error("channels: typed event not passed on", "channel", c.reply, "err", err)
		return
	}
	q := &c.events
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.waiting) >= c.srv.cfg.SendQueue {
		c.srv.log.Warn("channels: typed event dropped: the connection's consumer is behind", "channel", c.reply,
			"type", event["type"], "queue", c.srv.cfg.SendQueue)
		return
	}
	q.waiting = append(q.waiting, kept)
	if !q.running {
		q.running = true
		go c.passEvents()
	}
}

// passEvents sends the queued events to EventChannel until the queue is
// empty or the connection is gone.
func (c *wsConn) passEvents() {
	q := &c.events
	for {
		q.mu.Lock()
		if len(q.waiting) == 0 || c.ep.ctx.Err() != nil {
			q.waiting, q.running = nil, false
			q.mu.Unlock()
			return
		}
		event := q.waiting[0]
		q.waiting = q.waiting[1:]
		q.mu.Unlock()
		msg := Content{"reply_channel": c.reply, "path": c.path, "event": map[string]any(event)}
		if err := c.srv.sendWaiting(c.ep.ctx, NewMessage(EventChannel, msg), c.srv.cfg.BackpressureTimeout, nil); err != nil {
			c.srv.log.Warn("channels: typed event not passed on", "channel", c.reply, "type", event["type"], "err", err)
		}
	}
}

// event is {"type": typ} with fields, which must not set "type".
func event(typ string, fields Content) (Content, error) {
	if typ == "" {
		return nil, fmt.Errorf("%w: a typed event needs a type", ErrInvalidMessage)
	}
	if fields.Has("type") {
		return nil, fmt.Errorf("%w: the fields of a typed event set type", ErrInvalidMessage)
	}
	e := make(Content, len(fields)+1)
	maps.Copy(e, fields)
	e["type"] = typ
	return e, nil
}

// SendEvent sends the Channels 4 typed event {"type": typ, fields...} to
// channel: a Django consumer's channel_name, whose handler for typ runs, or
// a Go connection's reply channel, whose consumer gets it on EventChannel.
func SendEvent(ctx context.Context, l Layer, channel, typ string, fields Content) error {
	e, err := event(typ, fields)
	if err != nil {
		return err
	}
	return l.Send(ctx, channel, e)
}
