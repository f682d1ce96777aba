package jsonrpc

import (
	"context"
	"encoding/json"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// Transport names the transport a call arrived over. Methods can be limited
// to one transport with OnlyWebsocket or OnlyHTTP.
type Transport string

// The transports of the channels glue.
const (
	// Websocket is a call in a WebSocket text frame.
	Websocket Transport = "websocket"
	// HTTP is a call in the body of an HTTP POST request.
	HTTP Transport = "http"
)

// Call describes one JSON-RPC call. The glue puts one in the context given to
// Dispatch (WithCall); each handler that takes a context.Context receives a
// copy with Version, Method and ID filled in, found with CallFrom.
type Call struct {
	// Transport is the transport of the call; empty allows every method.
	Transport Transport
	// Version is the protocol version of the request: "1.0" or "2.0".
	Version string
	// Method is the name the method was called by.
	Method string
	// ID is the raw JSON id of the request, nil for a notification. It
	// shares memory with the payload given to Dispatch and must not be
	// modified; copy it to keep it beyond the payload's lifetime.
	ID json.RawMessage
	// Message is the channels message that carried the call, or nil.
	Message *channels.Message
	// Consumer is the user's consumer value, or nil.
	Consumer any
}

// IsNotification reports whether the call is a notification, which gets no
// response.
func (c *Call) IsNotification() bool { return c.ID == nil }

type callKey struct{}

// WithCall returns a context carrying c, for Dispatch and CallFrom.
func WithCall(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// CallFrom returns the call carried by ctx, or nil when there is none.
func CallFrom(ctx context.Context) *Call {
	if ctx == nil {
		return nil
	}
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

// MessageFrom returns the channels message of the call carried by ctx, or
// nil.
func MessageFrom(ctx context.Context) *channels.Message {
	if c := CallFrom(ctx); c != nil {
		return c.Message
	}
	return nil
}

// callContext is the context given to a handler: its parent plus a Call
// held inline, so that one allocation covers both.
type callContext struct {
	context.Context
	call Call
}

// Value returns the inline Call for the call key and defers to the parent
// otherwise.
func (c *callContext) Value(key any) any {
	if _, ok := key.(callKey); ok {
		return &c.call
	}
	return c.Context.Value(key)
}

// String describes the context, as the standard library's contexts do.
func (c *callContext) String() string {
	return "jsonrpc.callContext(" + c.call.Method + ")"
}
