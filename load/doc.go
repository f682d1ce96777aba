// Command load drives a channels-jsonrpc server, such as the example, from
// a separate process, and reports what its clients see: calls answered,
// errors by JSON-RPC code, calls lost, sockets closed by close code,
// handshakes refused by HTTP status, rates and latency percentiles.
//
//	go run ./load [flags] SCENARIO [SCENARIO...]
//
// It loads loopback addresses only (127.0.0.0/8, ::1, localhost): any other
// -addr is refused. The server's WebSocket endpoint is ws://ADDR/ws/ and its
// HTTP one http://ADDR/rpc/; the calls are the example's ping (result
// "pong") and, in disconnect, group.join, group.send and group.leave.
//
// Every scenario is bounded in time: by its own flags, by timeouts on each
// handshake (10 s), write (10 s) and single call (10 s), and by -timeout
// (2 min) as a hard bound; what is unfinished then is counted as such.
//
// # Scenarios
//
// ws: -conns sockets (50), each keeping -inflight ping calls (16) in
// flight for -duration (5 s): a writer sends a new call, with an id unique
// in the run, as each answer comes back. Then sending stops and each socket
// waits up to -settle (5 s) for its outstanding answers before a clean
// close. A socket the server closes is counted by close code and dialled
// again after 100 ms while sending lasts. Counts calls sent, answered
// "pong", JSON-RPC errors by code, other results, lost calls (sent, never
// answered), sockets closed by the server by close code (1013, 1008, 1011,
// 1001, 1006 when the connection dropped without a close frame) and dial
// failures by HTTP status; prints answers per second and latency p50, p99
// and max. sent = ok + errors + other results + lost.
//
// http: -conns keep-alive clients (50), each with -inflight goroutines (16)
// POSTing ping back to back for -duration, over a transport of its own that
// keeps a connection per goroutine. Counts answers ok, non-200 answers by
// status, JSON-RPC errors, transport errors by class (eof, reset, refused,
// timeout) and the requests still unanswered -settle after the end.
//
// connect: -total WebSocket dials (5000), -parallel at a time (512); each
// makes one ping call and closes cleanly. Counts handshakes accepted,
// refused by HTTP status, other dial errors, pings answered, clean closes
// the server answered; prints handshake and ping p50, p99 and max.
//
// disconnect: opens -conns sockets (10000), -parallel dials at a time, and
// has each join the group -group ("load.storm"). It then opens an observer
// socket that does not join, and closes every member at once: their TCP
// connections dropped without a close handshake, as thousands of clients
// leaving do, or with -clean a close frame from each. It reports how long
// after the storm a ping on the observer is answered (one every 100 ms, up
// to 30 s) and how long a fresh socket's dial and ping take; after -settle
// the observer joins the group, calls group.send, and counts the
// group.message notifications it gets within 1 s: 1 is right, as the
// observer is the only member a client can see. (Whether the server
// emptied the group is for a test inside the server to check.) The tool
// raises its open-file limit to the hard limit at start and says so when
// that is too low for the sockets asked for; the server needs as many.
//
// sigterm: the ws shape without redialling, -conns 20 and -inflight 8 by
// default, with -http-conns HTTP clients (4, two requests each) beside
// it. After -after (2 s) it sends SIGTERM to the server (-pid, or the -exec
// child) and keeps reading until every socket closes and the server exits
// (polled with kill(pid, 0) for up to 30 s). Reports calls sent, answered,
// lost (sent, never answered before the socket closed), close codes, the
// calls in flight at the signal and how long each took to end, the time
// from SIGTERM to the last socket closed and to the process's exit, and the
// HTTP clients' transport errors apart from their non-200 answers.
//
// redis-kill: the ws load (with redialling) and the HTTP clients; after
// -after it kills the server's Redis (-redis-pid) with SIGKILL, waits
// -down (3 s), runs -redis-restart with sh -c (which must start Redis in
// the background and return), and keeps the load on for -duration.
// Reports the calls in flight at the kill and how long until each got an
// answer or its socket a close (p99 and max), those never answered, the ok
// answers between kill and restart, the time from the restart to the first
// successful answer (service back), and the counts and close codes of
// both loads.
//
// With -exec "binary args...", each scenario starts the server as a child
// process (through sh -c exec, so its pid is the server's), its output
// appended to -server-log (discarded by default), waits until -addr
// accepts TCP connections, runs, and stops it with SIGTERM (SIGKILL 30 s
// later). For sigterm the child is the process signalled.
//
// # Output
//
// A table per scenario, one line per metric; with -json one JSON object per
// scenario and line instead, with the same numbers (durations in
// milliseconds, under keys ending in "_ms"). Latencies come from a
// log-linear histogram and are within about 3%. The exit status is 0 when
// the scenarios ran, whatever errors they counted; 2 for a usage error; 1
// when the server cannot be reached or started at all.
//
// # Examples
//
//	go run ./example -addr 127.0.0.1:18080 &
//	go run ./load -addr 127.0.0.1:18080 ws
//	go run ./load -addr 127.0.0.1:18080 -conns 200 -inflight 8 ws
//	go run ./load -addr 127.0.0.1:18080 -json http connect
//	go run ./load -addr 127.0.0.1:18080 -conns 10000 disconnect
//	go run ./load -addr 127.0.0.1:18080 -pid $(pgrep -n example) sigterm
//
//	go build -o /tmp/example ./example
//	go run ./load -exec "/tmp/example -addr 127.0.0.1:18080" -addr 127.0.0.1:18080 ws sigterm
//
//	redis-server --port 16379 --save '' --appendonly no &
//	go run ./example -mode server -layer redis://127.0.0.1:16379/0 -addr 127.0.0.1:18081 &
//	go run ./example -mode worker -layer redis://127.0.0.1:16379/0 &
//	go run ./load -addr 127.0.0.1:18081 -redis-pid $(pgrep -n redis-server) \
//		-redis-restart "redis-server --port 16379 --save '' --appendonly no &" redis-kill
package main
