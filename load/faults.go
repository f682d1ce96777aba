package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"time"
)

// The fault scenarios run a WebSocket load with a little HTTP load beside
// it, and break something in the middle: sigterm stops the server, and
// redis-kill kills the Redis the server uses, then starts it again.

const (
	sideHTTPInflight = 2                // requests in flight per HTTP client beside the sockets
	exitWithin       = 30 * time.Second // the longest wait for the server's exit after SIGTERM
	restartWithin    = 30 * time.Second // the longest the -redis-restart command may take
)

// loadPair is a WebSocket load and an HTTP load that run together.
type loadPair struct {
	ws        chan *wsStats
	http      chan *httpStats
	wsStart   time.Time
	httpStart time.Time
}

// startLoads runs ws and web in the background until sending is done.
func startLoads(sending context.Context, settle time.Duration, ws *wsLoad, web *httpLoad) *loadPair {
	p := &loadPair{ws: make(chan *wsStats, 1), http: make(chan *httpStats, 1)}
	p.wsStart, p.httpStart = time.Now(), time.Now()
	go func() { p.ws <- ws.run(sending, settle) }()
	go func() { p.http <- web.run(sending, settle) }()
	return p
}

// wait gives the counts of both loads once they have settled.
func (p *loadPair) wait() (*wsStats, *httpStats) { return <-p.ws, <-p.http }

// addTo reports both loads, the HTTP one's metrics prefixed with "http".
func (p *loadPair) addTo(r *Report, ws *wsStats, web *httpStats) {
	ws.addTo(r, p.wsStart)
	section := newReport("")
	web.addTo(section, p.httpStart)
	r.include("http", section)
}

// addMarked reports the calls in flight at the fault (the mark): how many,
// how long until each got an answer or its socket's close, and how many got
// neither.
func addMarked(r *Report, fault string, inflight int, s *wsStats) {
	p99, longest := durationStats(s.markResolved)
	r.add("inflight_at_"+fault, "calls in flight at the "+fault, inflight)
	r.add("marked_resolved", "  of them answered or closed", len(s.markResolved))
	r.add("marked_answered", "  of them answered", s.markAnswered)
	r.add("marked_resolved_p99", "  time to that, p99", p99)
	r.add("marked_resolved_max", "  time to that, max", longest)
	r.add("marked_never", "  of them never answered", s.markUnresolved)
}

// runSigtermScenario is the sigterm scenario: see the package
// documentation.
func runSigtermScenario(ctx context.Context, t *target, o *options) (*Report, error) {
	ws := newWSLoad(t.wsURL(), orDefault(o.conns, 20), orDefault(o.inflight, 8), false)
	web := &httpLoad{url: t.rpcURL(), clients: o.httpConns, inflight: sideHTTPInflight}
	sending, stop := context.WithCancel(ctx)
	defer stop()
	loads := startLoads(sending, o.settle, ws, web)
	sleepContext(ctx, o.after)

	signalled := time.Now()
	inflight := ws.watch(signalled)
	if err := t.proc.signal(syscall.SIGTERM); err != nil {
		stop()
		loads.wait()
		return nil, fmt.Errorf("SIGTERM: %w", err)
	}
	exitedAt, exited := t.proc.waitExit(exitWithin)
	stop()
	wsStats, httpStats := loads.wait()

	r := newReport("sigterm")
	r.add("conns", "sockets", ws.conns)
	r.add("inflight", "calls in flight per socket", ws.inflight)
	r.add("http_clients", "HTTP clients beside them", web.clients)
	r.add("after", "SIGTERM sent after", o.after)
	r.add("exited", "server exited within 30s", exited)
	if exited {
		r.add("exit_after", "SIGTERM to exit", exitedAt.Sub(signalled))
	}
	if wsStats.lastServerClose.After(signalled) {
		r.add("closed_after", "SIGTERM to the last socket closed", wsStats.lastServerClose.Sub(signalled))
	}
	addMarked(r, "signal", inflight, wsStats)
	loads.addTo(r, wsStats, httpStats)
	return r, nil
}

// recoveryClock times a Redis outage as the load sees it: the successful
// answers between the kill and the restart, and the first one after the
// restart. Its methods may be called on nil (no fault) and concurrently.
type recoveryClock struct {
	killedAt       atomic.Int64 // Unix nanoseconds; 0 before the kill
	restartedAt    atomic.Int64 // 0 before the restart
	firstOK        atomic.Int64 // the first success after the restart
	okDuringOutage atomic.Int64
}

// success counts a successful answer that came at now.
func (c *recoveryClock) success(now time.Time) {
	if c == nil || c.killedAt.Load() == 0 {
		return
	}
	restarted, at := c.restartedAt.Load(), now.UnixNano()
	if restarted == 0 || at < restarted {
		c.okDuringOutage.Add(1)
		return
	}
	c.firstOK.CompareAndSwap(0, at)
}

// backAfter is the time from the restart to the first success after it.
func (c *recoveryClock) backAfter() (time.Duration, bool) {
	first := c.firstOK.Load()
	if first == 0 {
		return 0, false
	}
	return time.Duration(first - c.restartedAt.Load()), true
}

// runRedisKillScenario is the redis-kill scenario: see the package
// documentation.
func runRedisKillScenario(ctx context.Context, t *target, o *options) (*Report, error) {
	clock := &recoveryClock{}
	ws := newWSLoad(t.wsURL(), orDefault(o.conns, 50), orDefault(o.inflight, 16), true)
	ws.recovery = clock
	web := &httpLoad{url: t.rpcURL(), clients: o.httpConns, inflight: sideHTTPInflight}
	sending, stop := context.WithCancel(ctx)
	defer stop()
	loads := startLoads(sending, o.settle, ws, web)
	sleepContext(ctx, o.after)

	killed := time.Now()
	inflight := ws.watch(killed)
	clock.killedAt.Store(killed.UnixNano())
	if err := syscall.Kill(o.redisPID, syscall.SIGKILL); err != nil {
		stop()
		loads.wait()
		return nil, fmt.Errorf("SIGKILL to redis pid %d: %w", o.redisPID, err)
	}
	sleepContext(ctx, o.down)
	restartErr := runCommand(ctx, o.redisRestart, restartWithin)
	clock.restartedAt.Store(time.Now().UnixNano())
	sleepContext(ctx, o.duration)
	stop()
	wsStats, httpStats := loads.wait()

	r := newReport("redis-kill")
	r.add("conns", "sockets", ws.conns)
	r.add("inflight", "calls in flight per socket", ws.inflight)
	r.add("http_clients", "HTTP clients beside them", web.clients)
	r.add("after", "Redis killed after", o.after)
	r.add("down", "Redis down for", o.down)
	r.add("restart", "restart command", errorOrOK(restartErr))
	addMarked(r, "kill", inflight, wsStats)
	r.add("ok_during_outage", "ok answers between kill and restart", clock.okDuringOutage.Load())
	back, ok := clock.backAfter()
	r.add("recovered", "a call succeeded after the restart", ok)
	if ok {
		r.add("recovered_after", "restart to the first success", back)
	}
	loads.addTo(r, wsStats, httpStats)
	return r, nil
}

// errorOrOK is "ok" for nil, else the error's text.
func errorOrOK(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
