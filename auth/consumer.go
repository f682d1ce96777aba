package auth

import (
	"context"
	"strings"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// WithHTTPUser is Channels' http_user = True for a consumer that serves
// WebSockets and HTTP requests, such as the JSON-RPC consumer (its
// Middleware field): every message's m.User is the user logged in to the
// website. For a WebSocket, that is the user of the HTTP session when it
// connected, kept in its channel session for the connection's life
// (ChannelSessionUserFromHTTP; the channel session must be loaded outside,
// as the JSON-RPC consumer's Sessions does); for an HTTP request, the user
// of the session its cookie names (HTTPSession and HTTPUser).
//
//	api.Sessions = store
//	api.Middleware = auth.WithHTTPUser(websiteSessions, users)
func WithHTTPUser(httpStore channels.SessionStore, loader UserLoader, opts ...Option) channels.Middleware {
	return byTransport(
		ChannelSessionUserFromHTTP(httpStore, loader, opts...),
		chain(HTTPSession(httpStore, opts...), HTTPUser(loader)),
	)
}

// WithHTTPUserAndSession is Channels' http_user_and_session = True:
// WithHTTPUser, and m.HTTPSession the website's session on every message
// (for a WebSocket, the session it connected with: ChannelAndHTTPSession).
func WithHTTPUserAndSession(httpStore channels.SessionStore, loader UserLoader, opts ...Option) channels.Middleware {
	return byTransport(
		chain(ChannelAndHTTPSession(httpStore, opts...), ChannelSessionUserFromHTTP(httpStore, loader, opts...)),
		chain(HTTPSession(httpStore, opts...), HTTPUser(loader)),
	)
}

// byTransport applies websocket to the messages of WebSocket connections
// and http to HTTP requests; other messages pass as they are.
func byTransport(websocket, http channels.Middleware) channels.Middleware {
	return func(next channels.Consumer) channels.Consumer {
		ws, req := websocket(next), http(next)
		return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			switch {
			case strings.HasPrefix(m.Channel, "websocket."):
				return ws.Consume(ctx, m)
			case m.Channel == "http.request":
				return req.Consume(ctx, m)
			}
			return next.Consume(ctx, m)
		})
	}
}

// chain is the middleware of ms in order, the first outermost.
func chain(ms ...channels.Middleware) channels.Middleware {
	return func(next channels.Consumer) channels.Consumer {
		return channels.Chain(next, ms...)
	}
}
