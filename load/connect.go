package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// connectStats is what the connect scenario counted. attempted = accepted
// + refused + dialErrors; each accepted socket made one ping call, which
// ended in pingOK or pingFailures.
type connectStats struct {
	attempted     int64
	accepted      int64
	refused       Counts // handshakes answered with an HTTP status, by status
	dialErrors    Counts // handshakes that failed otherwise, by error class
	pingOK        int64
	pingFailures  Counts // by callFailure's label
	closeAnswered int64  // clean closes the server answered with its close frame
	handshake     Histogram
	ping          Histogram
}

func newConnectStats() *connectStats {
	return &connectStats{refused: Counts{}, dialErrors: Counts{}, pingFailures: Counts{}}
}

func (s *connectStats) merge(o *connectStats) {
	s.attempted += o.attempted
	s.accepted += o.accepted
	s.refused.Merge(o.refused)
	s.dialErrors.Merge(o.dialErrors)
	s.pingOK += o.pingOK
	s.pingFailures.Merge(o.pingFailures)
	s.closeAnswered += o.closeAnswered
	s.handshake.Merge(&o.handshake)
	s.ping.Merge(&o.ping)
}

// runConnect makes total dials to url, parallel at a time, each followed by
// one ping call and a clean close, until all are done or ctx is.
func runConnect(ctx context.Context, url string, total, parallel int) *connectStats {
	dialer := newDialer(0)
	var taken atomic.Int64
	perWorker := make([]*connectStats, min(parallel, total))
	var wg sync.WaitGroup
	for i := range perWorker {
		perWorker[i] = newConnectStats()
		wg.Go(func() {
			for ctx.Err() == nil && taken.Add(1) <= int64(total) {
				connectOnce(ctx, dialer, url, perWorker[i])
			}
		})
	}
	wg.Wait()
	stats := newConnectStats()
	for _, s := range perWorker {
		stats.merge(s)
	}
	return stats
}

// connectOnce dials, calls ping, closes cleanly, and counts what happened.
func connectOnce(ctx context.Context, dialer *websocket.Dialer, url string, s *connectStats) {
	s.attempted++
	start := time.Now()
	c, err := dialRPC(ctx, dialer, url)
	if err != nil {
		s.countDialFailure(err)
		return
	}
	s.accepted++
	s.handshake.Record(time.Since(start))

	callStart := time.Now()
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	m, err := c.call(callCtx, "ping")
	cancel()
	if err == nil && m.resultIs(pongResult) {
		s.pingOK++
		s.ping.Record(time.Since(callStart))
	} else {
		s.pingFailures.Add(callFailure(m, err))
	}
	if c.closeCleanly() {
		s.closeAnswered++
	}
}

// countDialFailure counts a refused handshake by its status, and any other
// failure by its error's class.
func (s *connectStats) countDialFailure(err error) {
	de, ok := errors.AsType[*dialError](err)
	switch {
	case ok && de.status != 0:
		s.refused.AddCode(de.status)
	case ok:
		s.dialErrors.Add(de.label)
	default:
		s.dialErrors.Add(errorClass(err))
	}
}

// runConnectScenario is the connect scenario: see the package
// documentation.
func runConnectScenario(ctx context.Context, t *target, o *options) (*Report, error) {
	start := time.Now()
	s := runConnect(ctx, t.wsURL(), o.total, o.parallel)
	elapsed := time.Since(start)
	r := newReport("connect")
	r.add("total", "dials asked for", o.total)
	r.add("parallel", "dials at a time", o.parallel)
	_, warning := fileLimit(o.parallel + descriptorMargin)
	r.addNote("file_limit_warning", warning)
	r.add("attempted", "dials made", s.attempted)
	r.add("accepted", "handshakes accepted", s.accepted)
	r.add("refused", "refused (by HTTP status)", s.refused)
	r.add("dial_errors", "other dial errors (by class)", s.dialErrors)
	r.add("ping_ok", "ping answered ok", s.pingOK)
	r.add("ping_failures", "ping failed (by cause)", s.pingFailures)
	r.add("close_answered", "clean closes answered by the server", s.closeAnswered)
	r.add("elapsed", "elapsed", elapsed)
	r.add("accepted_per_second", "handshakes accepted per second", perSecond(s.accepted, elapsed))
	r.addLatency("handshake", "handshake", &s.handshake)
	r.addLatency("ping", "ping", &s.ping)
	return r, nil
}
