// Package jsonrpc serves JSON-RPC 1.0 and 2.0, batches included, over
// WebSocket and HTTP on the channels model: the Go counterpart of
// django-channels-jsonrpc's JsonRpcConsumer, complete and following the
// specification where the original did not.
//
// # Consumers
//
// Embed [Consumer] in a type of your own, register plain Go functions on it,
// and route it:
//
//	type API struct{ jsonrpc.Consumer }
//
//	func add(a, b int) int { return a + b }
//
//	api := &API{}
//	api.Register(add, jsonrpc.Params("a", "b")) // positional or named
//	api.Register(ping, jsonrpc.Name("mymodule.rpc_ping"), jsonrpc.OnlyWebsocket())
//	router, err := channels.NewRouter(
//		jsonrpc.WebsocketRoute(api, channels.Path(`^/ws/$`)),
//		jsonrpc.HTTPRoute(api, channels.Path(`^/rpc/$`)),
//	)
//
// A method is a function func([ctx context.Context,] params...) ([T,]
// [error]); a single struct parameter takes named params by field, a
// variadic one any number. Methods are registered under the Go function's
// name unless [Name] gives another; [RegisterNotification] registers
// handlers that only notifications reach. Names starting with "_" cannot
// be called, and "rpc." is reserved: rpc.discover answers with an OpenRPC
// document of the registry ([Registry.OpenRPC]).
//
// Your type's own Connect, Disconnect and ConnectionGroups methods (the
// interfaces of package channels) are called when it defines them; the
// embedded Consumer never calls up into your type.
//
// # Calls
//
// A handler that takes a context reaches the call through [CallFrom] and
// the original message (reply channel, channel session, user, path) through
// [MessageFrom]. A plain error becomes a -32000 error with its text; an
// [*Error] chooses its own code, message and data; a panic becomes -32603
// and is logged, and the connection stays up. A call whose context reaches
// its deadline (the worker's ConsumeTimeout) and that fails with it gets
// -32001 "Call timed out". [Consumer.NotifyGroup] and
// [Consumer.NotifyChannel] send notifications; sent during a call, they
// reach its caller before the call's response.
//
// A handler's context is cancelled when its client goes away: the HTTP
// request ends, or the WebSocket closes (during the call with
// ConcurrentCalls or a layer other than the memory layer; see
// channels.Worker).
//
// [Registry.Use] adds interceptors around every call (logging, timing,
// authorization): an [Interceptor] gets the next [Method] with the call's
// params, and [CallFrom] tells the method name, transport and message.
// [Registry.MustRegister] panics where Register would return an error.
// [Options].Observer counts calls for metrics (package metrics).
//
// Results are encoded by the consumer's [Encoder]: [JSONEncoder] by default,
// django.Encoder (package jsonrpc/django) for the formats of Django's
// DjangoJSONEncoder.
//
// # Transports
//
// Over WebSocket every text (or binary) frame is one request, notification
// or batch, answered by at most one frame. A frame that needs no answer
// (notifications only) is answered with an empty message, which writes
// nothing: the interface server counts it off the connection's calls in
// flight (channels.ServerConfig.MaxInFlight). Over HTTP only POST with a JSON
// content type is served: 200 with the response (errors included, unless
// HTTPStatusCodes asks for the original library's 400/404/500), 204 with
// an empty body when there is nothing to answer, 405 for other methods and
// 415 for other content types; the interface server answers 413 to bodies
// over its limit.
//
// # Concurrency
//
// A Registry may be used from many goroutines; registering while serving is
// safe. The worker runs the messages of one connection in order, so calls
// of one WebSocket are answered in request order; set
// Consumer.ConcurrentCalls to let several calls of one connection run at
// once, in goroutines the worker awaits on shutdown (channels.Go); a
// connection's disconnect runs after its calls. With channel sessions, a
// call is answered once its session changes are saved. In test mode (see
// channels.WithTestMode) calls always run in the caller's goroutine.
package jsonrpc
