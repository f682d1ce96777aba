package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The idle test: what an open, silent WebSocket costs a server, in resident
// memory and, where the server tells, goroutines.

// idleSettle is how long the idle sockets stay open before the server's
// memory is read again.
const idleSettle = 2 * time.Second

// idleResult is what conns idle sockets cost one target's server process.
type idleResult struct {
	conns            int
	rssBefore        int64 // KiB
	rssAfter         int64 // KiB
	goroutinesBefore int   // -1 when the server does not tell
	goroutinesAfter  int
	failure          string
}

// kbPerConn is the resident memory each socket added, in KiB.
func (r idleResult) kbPerConn() float64 {
	if r.conns == 0 {
		return 0
	}
	return float64(r.rssAfter-r.rssBefore) / float64(r.conns)
}

// goroutinesPerConn is the goroutines each socket added, "n/a" when the
// server does not tell.
func (r idleResult) goroutinesPerConn() string {
	if r.conns == 0 || r.goroutinesBefore < 0 || r.goroutinesAfter < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", float64(r.goroutinesAfter-r.goroutinesBefore)/float64(r.conns))
}

// runIdle opens conns idle sockets to t, waits idleSettle, and reads what
// they cost its server process.
func runIdle(ctx context.Context, t *target, conns int) idleResult {
	r := idleResult{}
	pid := t.server().pid()
	var err error
	if r.rssBefore, err = residentKB(pid); err != nil {
		r.failure = err.Error()
		return r
	}
	r.goroutinesBefore = goroutines(t.goroutinesURL)
	open, err := dialMany(ctx, t.wsURL(), conns, dialParallel, nil)
	defer closeAll(open)
	if err != nil {
		r.failure = "opening sockets: " + err.Error()
		return r
	}
	sleepContext(ctx, idleSettle)
	r.conns = len(open)
	r.rssAfter, err = residentKB(pid)
	if err != nil {
		r.failure = err.Error()
	}
	r.goroutinesAfter = goroutines(t.goroutinesURL)
	return r
}

// goroutines is the number a server's goroutinesURL gives, as plain text
// or as the first line of a goroutine profile ("goroutine profile: total
// N"), or -1 when it gives none.
func goroutines(url string) int {
	if url == "" {
		return -1
	}
	// No keep-alive: an idle connection left open would be one more
	// goroutine in the next count.
	c := &http.Client{Timeout: callTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil || resp.StatusCode != http.StatusOK {
		return -1
	}
	first, _, _ := strings.Cut(string(body), "\n")
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(first, "goroutine profile: total ")))
	if err != nil {
		return -1
	}
	return n
}
