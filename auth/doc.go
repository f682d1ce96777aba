// Package auth brings Django Channels' sessions and authentication to
// consumers: the HTTP session of the browser, the user logged in to it,
// login and logout on a connection, sessions shared with a web application
// built on gorilla/sessions, and origin checks for WebSocket handshakes.
//
// # Sessions and users
//
// A WebSocket connection sends its cookies once, with websocket.connect.
// [HTTPSession] loads the session they name (or the one the session_key
// query parameter names) into m.HTTPSession. Later messages carry no
// headers, so what must last is kept in the channel session
// (channels.ChannelSession, keyed by the reply channel):
// [ChannelAndHTTPSession] keeps the HTTP session's key there, and
// [ChannelSessionUserFromHTTP] copies the logged-in user there at connect
// and sets m.User from it on every message. A message without a logged-in
// user gets [Anonymous]. A [UserLoader] turns the id stored in the session
// into the application's user.
//
// The Django Channels decorators and their counterparts here:
//
//	http_session                             HTTPSession
//	channel_and_http_session                 ChannelSession, ChannelAndHTTPSession
//	http_session_user                        HTTPSession, HTTPUser
//	channel_session_user                     ChannelSession, ChannelSessionUser
//	channel_session_user_from_http           ChannelSession, ChannelSessionUserFromHTTP
//	channel_and_http_session_user_from_http  ChannelSession, ChannelAndHTTPSession, ChannelSessionUserFromHTTP
//	http_user = True (on a consumer)         WithHTTPUser
//	http_user_and_session = True             WithHTTPUserAndSession
//
// WithHTTPUser and WithHTTPUserAndSession serve both transports of a
// consumer such as the JSON-RPC one (its Middleware field), inside its
// channel session.
//
// # Middleware order
//
// channels.Chain runs its first middleware outermost. Put, in this order:
//
//  1. channels.ChannelSession(store), or channels.EnforceOrdering(store),
//     which includes it: everything below reads or writes the channel
//     session;
//  2. the HTTP session, when consumers need it after connect:
//     ChannelAndHTTPSession (HTTPSession for http.request consumers);
//  3. the user: ChannelSessionUserFromHTTP for WebSocket consumers, which
//     loads the HTTP session itself if step 2 did not, or HTTPUser after
//     HTTPSession for http.request consumers.
//
// Use the same chain for websocket.connect, websocket.receive and
// websocket.disconnect:
//
//	store := channels.NewMemorySessionStore() // or one shared by all processes
//	chat := channels.Chain(chatConsumer,
//		channels.ChannelSession(store),
//		auth.ChannelSessionUserFromHTTP(store, users),
//	)
//	routes := []channels.Routing{
//		channels.Route("websocket.connect", chat, channels.Path(`^/chat/$`)),
//		channels.Route("websocket.receive", chat, channels.Path(`^/chat/$`)),
//		channels.Route("websocket.disconnect", chat, channels.Path(`^/chat/$`)),
//	}
//
// In the consumer, m.User is the user, [Login] and [Logout] change the
// user of the connection, and the HTTP session stays the web
// application's. To share the sessions of a Go web application, pass
// [GorillaSessions] as the HTTP store; to refuse handshakes from other
// sites, set channels.ServerConfig.CheckOrigin to [AllowedOrigins].
//
// # Concurrency
//
// The middleware, the GorillaStore and the functions AllowedOrigins returns
// are safe for concurrent use; they keep no state of their own, so their
// safety is that of the session stores and UserLoader given to them, which
// must be safe for concurrent use. The sessions attached to a message
// belong to the goroutine consuming it: Login and Logout change m's
// channel session and must not be called concurrently for one message.
// Two messages of one connection consumed at once each load their own copy
// of the channel session and the last save wins; use
// channels.EnforceOrdering when a connection's messages change its session.
package auth
