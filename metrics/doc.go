// Package metrics counts what a channels deployment does, as Prometheus
// metrics: connections by transport and close code, messages by kind of
// channel, refusals, waits for room, layer errors, slow-client cut-offs,
// the worker's queue, group sends and their size, drains, and JSON-RPC
// calls by method and outcome with their latency.
//
// A Metrics is a prometheus.Collector that the application registers; the
// package writes to no global registry. It is also the Observer of the
// parts it counts, which take it in their configuration:
//
//	m := metrics.New(metrics.Options{})
//	registry.MustRegister(m)
//	layer := channels.NewMemoryLayer(channels.MemoryConfig{Observer: m})
//	server := channels.NewServer(layer, channels.ServerConfig{Observer: m})
//	worker := channels.NewWorker(layer, router, channels.WorkerConfig{Observer: m})
//	api.Options.Observer = m // a jsonrpc.Consumer
//
// Every series is resolved before it is counted: observing a message or a
// call costs a few atomic additions, no allocation and no label lookup.
//
// The metrics, with the default namespace "channels":
//
//	channels_connections_open{transport}                 gauge
//	channels_connections_opened_total{transport}         counter
//	channels_connections_closed_total{transport,code}    counter (WebSocket close code, HTTP status)
//	channels_messages_sent_total{kind}                   counter
//	channels_messages_received_total{kind}               counter
//	channels_messages_refused_total{kind,reason}         counter (reason: full, error)
//	channels_full_wait_seconds{kind}                     histogram
//	channels_layer_errors_total                          counter
//	channels_slow_client_cutoffs_total                   counter
//	channels_worker_queue_depth                          gauge
//	channels_group_send_members                          histogram
//	channels_drain_duration_seconds                      histogram
//	channels_jsonrpc_calls_total{method,outcome}         counter
//	channels_jsonrpc_call_duration_seconds{method}       histogram
//
// kind is a channels.Kind: the interface server's channels by name
// ("websocket.receive", "http.request", ...), "reply" for reply channels
// and group members, "other" for the rest. The method label only takes
// registered names, and UnknownMethod for everything else, so that clients
// cannot grow the number of series.
package metrics
