package channels

import (
	"context"
	"errors"
	"strconv"
)

// Consumer handles the messages of the channels it is routed to: Django
// Channels' consumer. A Consumer is shared by every message and must be safe
// for concurrent use; per-connection state belongs in the channel session.
type Consumer interface {
	Consume(ctx context.Context, m *Message) error
}

// ConsumerFunc adapts a function to a Consumer.
type ConsumerFunc func(ctx context.Context, m *Message) error

// Consume calls f(ctx, m).
func (f ConsumerFunc) Consume(ctx context.Context, m *Message) error { return f(ctx, m) }

// Middleware wraps a consumer with behaviour of its own (sessions, ordering,
// authentication, recovery).
type Middleware func(Consumer) Consumer

// Chain applies middleware to c; the first middleware is the outermost.
func Chain(c Consumer, mw ...Middleware) Consumer {
	for i := len(mw) - 1; i >= 0; i-- {
		c = mw[i](c)
	}
	return c
}

// ErrDenyConnection, returned by a consumer of websocket.connect, rejects
// the connection: the worker replies {"close": true} and the client gets 403.
var ErrDenyConnection = errors.New("channels: connection denied")

// CloseError, returned by a consumer, closes the WebSocket with Code.
type CloseError struct{ Code int }

func (e *CloseError) Error() string {
	return "channels: close websocket with code " + strconv.Itoa(e.Code)
}
