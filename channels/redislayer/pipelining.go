package redislayer

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Commands that do not block go through the client's automatic pipeliner
// (go-redis's AutoPipeline, its blocking face, in full-duplex mode): one
// connection per client on which a writer goroutine streams the commands
// of every calling goroutine as they come, and a reader goroutine hands
// each reply to its caller, in order. Commands no longer wait for a free
// pooled connection nor for the round trip of the one before them, and
// Redis reads and answers many commands per system call. Measured with
// the example split into a server and a worker over one redis-server on a
// 2-CPU machine, 50 WebSockets each with one call in flight, three runs
// each taking turns: 6.0k-6.4k calls/s and about 234 µs of CPU per call
// (server, worker and redis-server together) against 5.3k-5.4k (one run
// 3.7k) and 272 µs with every command on its own pooled connection; one
// WebSocket alone: 1.14k against 0.88k calls/s. go-redis's default
// batching mode, one batch in flight at a time, was slower than no
// pipelining at all (4.1k against 6.4k in one pair of runs).
//
// What stays on the plain client: BZMPOP and BZPOPMIN (blocking commands
// are never batched), the group pipelines (already one round trip each)
// and Close's clean-up. Nothing is retried when the connection drops, as no command of
// the clients New makes is (MaxRetries -1): a message is delivered at most
// once. A command's context deadline is not honoured once it is queued;
// the connection's read and write timeouts, CallTimeout by default, bound
// it instead. The pipeliner is experimental in go-redis;
// Config.NoAutoPipelining (auto_pipelining=false) turns it off.

// commands is what the layer issues its non-blocking commands through:
// go-redis's commands, and Process for commands the layer builds itself.
type commands interface {
	redis.Cmdable
	Process(ctx context.Context, cmd redis.Cmder) error
}

// pipelined is what the layer issues c's non-blocking commands through:
// c's automatic pipeliner, shared with every other user of c and closed
// with it, or c itself when c has none (a cluster or ring client, or
// automatic pipelining disabled).
func pipelined(c redis.UniversalClient, disabled bool) commands {
	if disabled {
		return c
	}
	if rc, ok := c.(*redis.Client); ok {
		if ap, err := rc.AutoPipelineWithOptions(fullDuplex()); err == nil {
			return ap
		}
	}
	return c
}

// fullDuplex is go-redis's blocking-face defaults in full-duplex mode.
func fullDuplex() *redis.AutoPipelineOptions {
	o := redis.DefaultBlockingAutoPipelineOptions()
	o.FullDuplex = true
	return o
}

// pipelinedAll is pipelined for each client.
func pipelinedAll(clients []redis.UniversalClient, disabled bool) []commands {
	cmds := make([]commands, len(clients))
	for i, c := range clients {
		cmds[i] = pipelined(c, disabled)
	}
	return cmds
}
