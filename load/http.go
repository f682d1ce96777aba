package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// httpLoad is a keep-alive HTTP load: clients HTTP clients, each with
// inflight goroutines POSTing ping calls back to back, each client with a
// transport of its own that keeps a connection per goroutine.
type httpLoad struct {
	url      string
	clients  int
	inflight int
}

// httpStats is what an HTTP load counted. sent = ok + statusErrors +
// rpcErrors + wrongResult + transportErrors + unfinished.
type httpStats struct {
	sent            int64
	ok              int64  // 200 with the result "pong"
	statusErrors    Counts // answers other than 200, by status
	rpcErrors       Counts // 200 with a JSON-RPC error, by code
	wrongResult     int64  // 200 with another result, or no JSON-RPC answer
	transportErrors Counts // no answer: by error class (eof, reset, refused)
	unfinished      int64  // still waiting when the settle time ended
	latency         Histogram
	lastAnswer      time.Time
}

// maxAnswer bounds the body read from one answer.
const maxAnswer = 1 << 20

// transportErrorPause spaces the requests of a goroutine after a transport
// error, so that a server that is gone is not called in a tight loop.
const transportErrorPause = 10 * time.Millisecond

func newHTTPStats() *httpStats {
	return &httpStats{statusErrors: Counts{}, rpcErrors: Counts{}, transportErrors: Counts{}}
}

// newHTTPClient is a client for loopback load: no proxy, no compression,
// and room for conns idle keep-alive connections.
func newHTTPClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: handshakeTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
}

// run runs the load until sending is done, then gives the requests under
// way up to settle to finish, and returns the counts of every goroutine.
func (l *httpLoad) run(sending context.Context, settle time.Duration) *httpStats {
	requests, cancel := context.WithCancel(context.WithoutCancel(sending))
	defer cancel()
	stopTimer := context.AfterFunc(sending, func() { time.AfterFunc(settle, cancel) })
	defer stopTimer()

	perGoroutine := make([]*httpStats, 0, l.clients*l.inflight)
	var wg sync.WaitGroup
	for range l.clients {
		client := newHTTPClient(l.inflight)
		defer client.CloseIdleConnections()
		for range l.inflight {
			s := newHTTPStats()
			perGoroutine = append(perGoroutine, s)
			wg.Go(func() { l.drive(client, sending, requests, s) })
		}
	}
	wg.Wait()
	total := newHTTPStats()
	for _, s := range perGoroutine {
		total.merge(s)
	}
	return total
}

// drive posts calls one after the other while sending lasts; requests
// bounds each call.
func (l *httpLoad) drive(client *http.Client, sending, requests context.Context, s *httpStats) {
	for sending.Err() == nil {
		if !l.post(requests, client, s) {
			sleepContext(sending, transportErrorPause)
		}
	}
}

// post makes one call and counts it. It reports false after a transport
// error.
func (l *httpLoad) post(ctx context.Context, client *http.Client, s *httpStats) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(pingBody))
	if err != nil {
		panic(err) // the URL was checked: a bug
	}
	req.Header.Set("Content-Type", "application/json")
	s.sent++
	start := time.Now()
	resp, err := client.Do(req)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		resp.Body.Close()
	}
	switch {
	case err != nil && ctx.Err() != nil:
		s.unfinished++
		return true
	case err != nil:
		s.transportErrors.Add(errorClass(err))
		return false
	}
	now := time.Now()
	s.latency.Record(now.Sub(start))
	s.lastAnswer = now
	s.countAnswer(resp.StatusCode, body)
	return true
}

// countAnswer counts an answer with its status and body.
func (s *httpStats) countAnswer(status int, body []byte) {
	if status != http.StatusOK {
		s.statusErrors.AddCode(status)
		return
	}
	m, err := parseMessage(body)
	switch {
	case err != nil:
		s.wrongResult++
	case m.Error != nil:
		s.rpcErrors.AddCode(m.Error.Code)
	case m.resultIs(pongResult):
		s.ok++
	default:
		s.wrongResult++
	}
}

func (s *httpStats) merge(o *httpStats) {
	s.sent += o.sent
	s.ok += o.ok
	s.statusErrors.Merge(o.statusErrors)
	s.rpcErrors.Merge(o.rpcErrors)
	s.wrongResult += o.wrongResult
	s.transportErrors.Merge(o.transportErrors)
	s.unfinished += o.unfinished
	s.latency.Merge(&o.latency)
	s.lastAnswer = later(s.lastAnswer, o.lastAnswer)
}

// accounted reports whether every request sent is counted once.
func (s *httpStats) accounted() bool {
	answered := s.ok + s.statusErrors.Total() + s.rpcErrors.Total() + s.wrongResult
	return s.sent == answered+s.transportErrors.Total()+s.unfinished
}

// addTo reports the counts; start is when the load began.
func (s *httpStats) addTo(r *Report, start time.Time) {
	r.add("sent", "requests sent", s.sent)
	r.add("ok", "answered ok (200, pong)", s.ok)
	r.add("status_errors", "non-200 answers (by status)", s.statusErrors)
	r.add("rpc_errors", "JSON-RPC error answers (by code)", s.rpcErrors)
	r.add("wrong_result", "answered with another result", s.wrongResult)
	r.add("transport_errors", "transport errors (by class)", s.transportErrors)
	r.add("unfinished", "unfinished at the end", s.unfinished)
	r.add("accounted", "sent = answered + errors + unfinished", s.accounted())
	r.addRate(start, s.lastAnswer, &s.latency)
}

// runHTTPScenario is the http scenario: see the package documentation.
func runHTTPScenario(ctx context.Context, t *target, o *options) (*Report, error) {
	load := &httpLoad{url: t.rpcURL(), clients: orDefault(o.conns, 50), inflight: orDefault(o.inflight, 16)}
	sending, stop := context.WithTimeout(ctx, o.duration)
	defer stop()
	start := time.Now()
	stats := load.run(sending, o.settle)
	r := newReport("http")
	r.add("clients", "keep-alive clients", load.clients)
	r.add("inflight", "requests in flight per client", load.inflight)
	r.add("duration", "sending for", o.duration)
	_, warning := fileLimit(load.clients*load.inflight + descriptorMargin)
	r.addNote("file_limit_warning", warning)
	stats.addTo(r, start)
	return r, nil
}
