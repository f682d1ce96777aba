package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// The disconnect scenario: many members of one group leave at once. A
// client cannot list a group's members, so what it reports is what a client
// sees: how long the server takes to answer again after the storm, and
// whether a group.send still reaches the one member left (the observer).

const (
	memberBufferSize = 512                    // the members only join, then leave
	probeInterval    = 100 * time.Millisecond // between pings until one is answered
	responsiveWithin = 30 * time.Second       // the longest wait for that answer
	collectWindow    = time.Second            // for group.message after group.send
)

// members are the sockets of the storm, with what opening them counted.
type members struct {
	clients      []*rpcClient
	dialFailures Counts
	joined       int64
	joinFailures Counts // by callFailure's label
}

func newMembers() *members { return &members{dialFailures: Counts{}, joinFailures: Counts{}} }

// openMembers opens n sockets, parallel dials at a time, and has each join
// group. A socket whose join failed stays open, to leave with the others.
func openMembers(ctx context.Context, url, group string, n, parallel int) *members {
	dialer := newDialer(memberBufferSize)
	var taken atomic.Int64
	perWorker := make([]*members, min(parallel, n))
	var wg sync.WaitGroup
	for i := range perWorker {
		perWorker[i] = newMembers()
		wg.Go(func() {
			for ctx.Err() == nil && taken.Add(1) <= int64(n) {
				perWorker[i].openOne(ctx, dialer, url, group)
			}
		})
	}
	wg.Wait()
	all := newMembers()
	for _, m := range perWorker {
		all.clients = append(all.clients, m.clients...)
		all.dialFailures.Merge(m.dialFailures)
		all.joined += m.joined
		all.joinFailures.Merge(m.joinFailures)
	}
	return all
}

func (ms *members) openOne(ctx context.Context, dialer *websocket.Dialer, url, group string) {
	c, err := dialRPC(ctx, dialer, url)
	if err != nil {
		ms.dialFailures.Add(dialLabel(err))
		return
	}
	ms.clients = append(ms.clients, c)
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	m, err := c.call(callCtx, "group.join", group)
	if err == nil && m.resultIs("true") {
		ms.joined++
	} else {
		ms.joinFailures.Add(callFailure(m, err))
	}
}

// leave closes every member at once: their TCP connections dropped in one
// loop, or with clean a close frame from each, all released together. It
// gives how long that took and, with clean, how many closes the server
// answered.
func (ms *members) leave(clean bool) (took time.Duration, answered int64) {
	start := time.Now()
	if !clean {
		for _, c := range ms.clients {
			c.drop()
		}
		return time.Since(start), 0
	}
	var wg sync.WaitGroup
	var n atomic.Int64
	for _, c := range ms.clients {
		wg.Go(func() {
			if c.closeCleanly() {
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return time.Since(start), n.Load()
}

// awaitResponsive pings over c every probeInterval until one ping is
// answered, and gives the time from since to that answer.
func awaitResponsive(ctx context.Context, c *rpcClient, since time.Time) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, responsiveWithin)
	defer cancel()
	for {
		if _, err := c.send("ping"); err != nil {
			return 0, err
		}
		wait, stop := context.WithTimeout(ctx, probeInterval)
		m, err := c.next(wait)
		stop()
		switch {
		case err == nil && m.resultIs(pongResult):
			return time.Since(since), nil
		case ctx.Err() != nil:
			return 0, ctx.Err()
		case err != nil && wait.Err() == nil:
			return 0, err // the socket ended
		}
	}
}

// freshPing dials a new socket and calls ping on it, and gives the time
// from since to the answer.
func freshPing(ctx context.Context, url string, since time.Time) (time.Duration, error) {
	c, err := dialRPC(ctx, newDialer(0), url)
	if err != nil {
		return 0, err
	}
	defer c.closeCleanly()
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	m, err := c.call(callCtx, "ping")
	if err != nil || !m.resultIs(pongResult) {
		return 0, fmt.Errorf("ping: %s", callFailure(m, err))
	}
	return time.Since(since), nil
}

// groupCheck is what the observer saw of the group after the storm.
type groupCheck struct {
	joinFailure string        // "" when the observer's join worked
	sendFailure string        // "" when group.send answered true
	sendLatency time.Duration // group.send's answer time
	received    int           // its group.message notifications with the payload
}

// checkGroup has the observer join group, send a payload to it, and count
// the group.message notifications of that payload that reach it: 1 is
// right, since it is the only member a client can see.
func checkGroup(ctx context.Context, c *rpcClient, group string) groupCheck {
	var gc groupCheck
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if m, err := c.call(callCtx, "group.join", group); err != nil || !m.resultIs("true") {
		gc.joinFailure = callFailure(m, err)
		return gc
	}
	payload := fmt.Sprintf("load-probe-%d", time.Now().UnixNano())
	start := time.Now()
	m, err := c.call(callCtx, "group.send", group, payload)
	gc.sendLatency = time.Since(start)
	if err != nil || !m.resultIs("true") {
		gc.sendFailure = callFailure(m, err)
	}
	window, stop := context.WithTimeout(ctx, collectWindow)
	c.collect(window)
	stop()
	for _, n := range c.notifications {
		if isGroupMessage(n, group, payload) {
			gc.received++
		}
	}
	c.call(callCtx, "group.leave", group)
	return gc
}

// isGroupMessage reports whether n is the group.message of payload to group.
func isGroupMessage(n rpcMessage, group, payload string) bool {
	var params struct {
		Group   string `json:"group"`
		Payload any    `json:"payload"`
	}
	if n.Method != "group.message" || json.Unmarshal(n.Params, &params) != nil {
		return false
	}
	return params.Group == group && params.Payload == payload
}

// addTo reports the check.
func (gc groupCheck) addTo(r *Report) {
	r.add("observer_join", "observer's group.join", orOK(gc.joinFailure))
	if gc.joinFailure != "" {
		return
	}
	r.add("group_send", "observer's group.send", orOK(gc.sendFailure))
	r.add("group_send_latency", "group.send answered in", gc.sendLatency)
	r.add("group_messages", "group.message received (1 expected)", gc.received)
}

// orOK is "ok" for no failure, else the failure.
func orOK(failure string) string {
	if failure == "" {
		return "ok"
	}
	return failure
}

// runDisconnectScenario is the disconnect scenario: see the package
// documentation.
func runDisconnectScenario(ctx context.Context, t *target, o *options) (*Report, error) {
	n := orDefault(o.conns, 10000)
	r := newReport("disconnect")
	r.add("conns", "members", n)
	r.add("group", "group", o.group)
	r.add("clean", "close frames sent (-clean)", o.clean)
	limit, warning := fileLimit(n + descriptorMargin)
	r.add("open_file_limit", "open-file limit", limit)
	r.addNote("file_limit_warning", warning)

	start := time.Now()
	ms := openMembers(ctx, t.wsURL(), o.group, n, o.parallel)
	r.add("opened", "sockets opened", len(ms.clients))
	r.add("open_took", "opening and joining took", time.Since(start))
	r.add("dial_failures", "dial failures (by status or class)", ms.dialFailures)
	r.add("joined", "group.join answered true", ms.joined)
	r.add("join_failures", "group.join failures (by cause)", ms.joinFailures)

	observer, err := dialRPC(ctx, newDialer(0), t.wsURL())
	if err != nil {
		ms.leave(false)
		r.add("observer", "observer socket", "dial failed: "+dialLabel(err))
		return r, nil
	}
	defer observer.closeCleanly()
	storm := time.Now()
	took, answered := ms.leave(o.clean)
	r.add("close_took", "closing every member took", took)
	if o.clean {
		r.add("close_answered", "closes answered by the server", answered)
	}
	addResponsiveness(ctx, r, observer, t.wsURL(), storm)
	sleepContext(ctx, o.settle)
	r.add("settle", "then waited", o.settle)
	checkGroup(ctx, observer, o.group).addTo(r)
	return r, nil
}

// addResponsiveness reports how long after the storm the server answered a
// ping on the observer, and one on a fresh socket.
func addResponsiveness(ctx context.Context, r *Report, observer *rpcClient, url string, storm time.Time) {
	after, err := awaitResponsive(ctx, observer, storm)
	r.add("responsive_after", "storm to the observer's ping answered", after)
	if err != nil {
		r.add("responsive_failure", "observer's ping failed", callFailure(rpcMessage{}, err))
	}
	after, err = freshPing(ctx, url, time.Now())
	r.add("fresh_ping", "then a fresh socket's dial + ping", after)
	if err != nil {
		r.add("fresh_ping_failure", "fresh socket failed", err.Error())
	}
}
