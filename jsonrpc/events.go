package jsonrpc

import (
	"context"
	"errors"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// Typed events. A Channels 4 application's group_send({"type":
// "chat.message", ...}) to a group a Go connection is in reaches that
// connection's consumer as a websocket.event message (channels.EventChannel).
// Where Channels calls the consumer's chat_message method, the JSON-RPC
// consumer calls the handler registered for "chat.message" with
// HandleEvent, or, when there is none, sends the event to its client as a
// notification ({"jsonrpc": "2.0", "method": "chat.message", "params": the
// event without "type"}), unless KeepEvents is set.

// EventHandler handles a typed event sent to a connection. m is the
// websocket.event message, with the connection's reply channel (m.Reply,
// m.SendText), its channel session and user as for any message; event is
// the event, "type" included.
type EventHandler func(ctx context.Context, m *channels.Message, event channels.Content) error

// HandleEvent makes h handle the typed events of type typ ("chat.message")
// that reach the consumer's connections. Register before serving.
func (c *Consumer) HandleEvent(typ string, h EventHandler) {
	c.events.Store(typ, h)
}

// consumeEvent dispatches a typed event by its type.
func (h *handler) consumeEvent(ctx context.Context, m *channels.Message) error {
	event, typ, ok := m.Event()
	if !ok {
		return errors.New("jsonrpc: websocket.event without a typed event")
	}
	if eh, ok := h.c.events.Load(typ); ok {
		return eh.(EventHandler)(ctx, m, event)
	}
	if h.c.KeepEvents {
		return nil
	}
	params := make(map[string]any, len(event))
	for k, v := range event {
		if k != "type" {
			params[k] = v
		}
	}
	text, err := h.c.notification(typ, params)
	if err != nil {
		return err
	}
	return m.SendText(ctx, text)
}
