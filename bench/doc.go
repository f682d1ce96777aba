// Command bench measures the example JSON-RPC server against a raw
// gorilla/websocket baseline on the same machine, and writes a side-by-side
// table and an SVG bar chart.
//
//	go run ./bench [flags]
//	go run ./bench -duration 5s -fanout 1000
//	go run ./bench -example-bin /tmp/example -redis redis://127.0.0.1:6379/0
//	go run ./bench -shapes "WS 1x1" -repeat 15 -fanout "" -idle 0
//	go run ./bench -instructions
//	go run ./bench -pgo example/default.pgo
//	go run ./bench -pipeline -shapes "WS 1x1" -repeat 15 -fanout "" -idle 0
//	go run ./bench -control -shapes "WS 1x1" -repeat 15 -fanout "" -idle 0
//
// # Targets
//
// Every target is a child process on a free loopback port, driven from
// the bench process:
//
//   - raw echo: this binary again, as its hidden subcommand serve-echo. It
//     answers each WebSocket frame on /ws/ and each POST on /rpc/ with
//     {"jsonrpc":"2.0","id":N,"result":"pong"}, the id found by a byte scan
//     and no JSON decoded; group.join and group.send keep one in-memory
//     group. It serves runtime.NumGoroutine() at /debug/goroutines.
//   - echo again (with -control): a second raw echo, measured as every
//     target is. Its ratio to the first is 1.00x on a quiet machine; how
//     far it strays is how far the run's other ratios can be trusted.
//   - example: the example built once with go build into a temporary
//     directory (or -example-bin), with its memory layer.
//   - pipeline (with -pipeline): the library without JSON-RPC, as this
//     binary's hidden subcommand serve-pipeline: the interface server, a
//     memory layer and a worker in one process, set up as the example sets
//     them up (MaxInFlight, the metrics observer), with a consumer that
//     answers as the echo does, by the same byte scan, and keeps the
//     groups in the layer. Between the echo and the example, it tells what
//     the channels path costs and what the JSON-RPC consumer adds.
//   - split/redis (with -redis URL): the example as -mode server and
//     -mode worker sharing that Redis.
//
// The children get a process group of their own and SIGKILL should the
// bench die; the bench stops them with SIGTERM at the end.
//
// # Measurements
//
// In this order, target after target:
//
//   - Idle: -idle WebSockets (5000) opened and left silent for 2 s; the
//     server process's VmRSS (/proc/PID/status) before and after gives KB
//     per socket, and the goroutine count (the echo's /debug/goroutines,
//     the example's goroutine profile on its -pprof listener) goroutines
//     per socket.
//   - Shapes: WS 1x1, WS 50x1, WS 50x16 (connections x calls in flight,
//     pipelined: a new call as each answer arrives), HTTP 1x1 and HTTP 50x1
//     (keep-alive clients, one call at a time each). Each runs -warmup
//     (0.5 s) unmeasured, then -duration (3 s), -repeat times (3) per target,
//     the targets taking turns (each turn starting with the next target,
//     so that none always runs in the same place), the median run kept:
//     answers per second, its
//     ratio to the echo's (and "turns": the lowest and highest ratio of a
//     single turn, the echo's run beside the target's), latency p50 and p99,
//     errors (answers other than pong, sockets closed, transport errors,
//     over warm-up and window), the CPU time (utime+stime of
//     /proc/PID/stat) each server process used in the window per answer,
//     and the heap allocations it made per answer (runtime.MemStats.Mallocs
//     from the heap profile every server serves: the echo beside its
//     handlers, the example processes on their -pprof listeners).
//     Beside each shape, "steal" is the share of the machine's CPU time
//     its hypervisor gave to other guests during the shape's windows
//     (/proc/stat): the other tenants of a shared host, whose load no turn
//     order cancels. -shapes names the ones to run (all by default): more
//     turns of one shape narrow its ratio on a noisy machine in the same
//     time.
//   - Fan-out: for each -fanout size (1000,10000), that many sockets join a
//     group, then one more calls group.send -rounds times (20), each once
//     every member has the one before; p50 and p99 of the time from the
//     send to the last member's receipt. The bench raises its open-file
//     limit to the hard limit before starting the servers, which inherit
//     it, and skips a size the limit cannot hold.
//
// The bench and the servers share the machine's CPUs, so the numbers
// compare targets with each other rather than stand alone.
//
// # Instructions
//
// With -instructions the bench times nothing: it runs the echo, the
// example and, with -pipeline, the pipeline under valgrind's callgrind (the Debian package valgrind) and
// prints, for each server at -shapes (WS 1x1 and HTTP 1x1 unless named),
// counted over -duration after -warmup, the instructions it executes per
// call and the lines of code a call runs through (the 64-byte lines whose
// instructions ran 0.9 times a call or more), each with the example's
// ratio to the echo's. The example's counts move by about a percent from
// run to run (the echo's, a shorter call beside the runtime's background
// work, by several) where the answers per second of a shared machine move
// by a tenth, so they show a change of the hot path that the timed table
// cannot. At one call in flight the lines tell more than the
// instructions: between two calls the kernel and the load generator evict
// the server's code from the instruction cache, and each line a call
// needs is fetched again (footprint.go tells the experiment). Neither
// shows waits or the scheduler's wake-ups. Under callgrind a server runs
// some fifty times slower, with GOMAXPROCS=1.
//
// # Profile-guided optimisation
//
// The example is built with Go's profile-guided optimisation: go build
// reads example/default.pgo by itself and inlines and devirtualises the
// calls that profile finds hot. With -pgo FILE the bench times nothing:
// it runs the example alone, drives it at each of -shapes (all by default)
// for -warmup and -duration while it records the example's CPU profile,
// and writes that profile to FILE. Run it again, with -pgo
// example/default.pgo, when the hot path changes; a profile of an older
// hot path still builds, it only optimises less (the go command matches
// the profile to the code by function names and line offsets).
//
// # Output
//
// The table goes to stdout and to -out (bench-results.txt), the chart of
// answers per second by shape and target to -svg (bench-results.svg);
// progress goes to stderr. The header gives the date, uname -m, the CPU
// count, the Go version and the git commit the example's binary was built
// from (its build information; "-dirty" when the tree had changes).
package main
