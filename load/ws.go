package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// wsLoad is a pipelined WebSocket load: conns sockets, each keeping
// inflight ping calls in flight (see pipeline).
type wsLoad struct {
	url      string
	conns    int
	inflight int
	// redial opens a new socket when the server closes one, while sending
	// lasts; without it a closed socket's share of the load ends.
	redial   bool
	dialer   *websocket.Dialer
	recovery *recoveryClock // nil unless a fault scenario times the recovery
	ids      atomic.Int64   // the last call id used: ids are unique in a load

	mu   sync.Mutex
	live map[*pipeline]struct{}
}

// redialPause spaces the dials of one connection slot after a close or a
// failed dial, so that a refusing server is not dialled in a tight loop.
const redialPause = 100 * time.Millisecond

func newWSLoad(url string, conns, inflight int, redial bool) *wsLoad {
	return &wsLoad{
		url:      url,
		conns:    conns,
		inflight: inflight,
		redial:   redial,
		dialer:   newDialer(0),
		live:     make(map[*pipeline]struct{}),
	}
}

// wsStats is what a WebSocket load counted. sent = ok + rpcErrors +
// wrongResult + lost.
type wsStats struct {
	dials           int64
	dialFailures    Counts // by HTTP status or error class
	sent            int64
	ok              int64  // answered with "pong"
	rpcErrors       Counts // JSON-RPC error answers by code
	wrongResult     int64  // answered with another result
	lost            int64  // sent and never answered
	lostByClose     Counts // of lost, by how their socket ended: the server's close code, or "open"
	stray           int64  // messages that answer no call of the socket
	serverCloses    Counts // sockets the server closed, by close code
	closedByClient  int64  // sockets this tool closed at the end
	latency         Histogram
	lastAnswer      time.Time
	lastServerClose time.Time
	// The calls in flight at a fault (pipeline.watch): how long each took
	// to get an answer or its socket's close, and how many got neither.
	markResolved   []time.Duration
	markUnresolved int64
	markAnswered   int64 // of markResolved, those answered (not closed)
}

func newWSStats() *wsStats {
	return &wsStats{dialFailures: Counts{}, rpcErrors: Counts{}, serverCloses: Counts{}, lostByClose: Counts{}}
}

// countAnswer counts the answer to a call sent latency ago.
func (s *wsStats) countAnswer(m *rpcMessage, latency time.Duration, now time.Time) {
	switch {
	case m.Error != nil:
		s.rpcErrors.AddCode(m.Error.Code)
	case m.resultIs(pongResult):
		s.ok++
	default:
		s.wrongResult++
	}
	s.latency.Record(latency)
	s.lastAnswer = now
}

// merge adds the counts of o.
func (s *wsStats) merge(o *wsStats) {
	s.dials += o.dials
	s.dialFailures.Merge(o.dialFailures)
	s.sent += o.sent
	s.ok += o.ok
	s.rpcErrors.Merge(o.rpcErrors)
	s.wrongResult += o.wrongResult
	s.lost += o.lost
	s.lostByClose.Merge(o.lostByClose)
	s.stray += o.stray
	s.serverCloses.Merge(o.serverCloses)
	s.closedByClient += o.closedByClient
	s.latency.Merge(&o.latency)
	s.lastAnswer = later(s.lastAnswer, o.lastAnswer)
	s.lastServerClose = later(s.lastServerClose, o.lastServerClose)
	s.markResolved = append(s.markResolved, o.markResolved...)
	s.markUnresolved += o.markUnresolved
	s.markAnswered += o.markAnswered
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// accounted reports whether every call sent is counted once.
func (s *wsStats) accounted() bool {
	return s.sent == s.ok+s.rpcErrors.Total()+s.wrongResult+s.lost
}

// run runs the load until sending is done, then waits up to settle for the
// outstanding answers, and returns the counts of every socket.
func (l *wsLoad) run(sending context.Context, settle time.Duration) *wsStats {
	perSlot := make([]*wsStats, l.conns)
	var wg sync.WaitGroup
	for i := range perSlot {
		perSlot[i] = newWSStats()
		wg.Go(func() { l.drive(sending, settle, perSlot[i]) })
	}
	wg.Wait()
	total := newWSStats()
	for _, s := range perSlot {
		total.merge(s)
	}
	return total
}

// drive keeps one connection slot busy: it dials, runs a pipeline, and with
// redial dials again after the server closes the socket.
func (l *wsLoad) drive(sending context.Context, settle time.Duration, stats *wsStats) {
	for sending.Err() == nil {
		conn, resp, err := l.dialer.DialContext(sending, l.url, nil)
		closeBody(resp)
		if err == nil {
			stats.dials++
			if !l.runPipeline(conn, sending, settle, stats) {
				return // sending ended: the pipeline settled
			}
		} else if !ended(sending) {
			stats.dialFailures.Add(dialFailure(resp, err))
		}
		if !l.redial {
			return
		}
		sleepContext(sending, redialPause)
	}
}

// runPipeline runs one socket, registered while it runs so that watch can
// reach it. It reports whether the server closed the socket.
func (l *wsLoad) runPipeline(conn *websocket.Conn, sending context.Context, settle time.Duration, stats *wsStats) bool {
	p := newPipeline(conn, l, stats)
	l.mu.Lock()
	l.live[p] = struct{}{}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.live, p)
		l.mu.Unlock()
	}()
	return p.run(sending.Done(), settle)
}

// watch marks the calls in flight on every open socket now; see
// pipeline.watch. It gives how many there are.
func (l *wsLoad) watch(mark time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for p := range l.live {
		n += p.watch(mark)
	}
	return n
}

// ended reports whether ctx is done or its deadline has passed: a dial cut
// by the deadline of sending may fail a moment before ctx says it is done,
// and is no failure of the server's.
func ended(ctx context.Context) bool {
	deadline, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(deadline)
}

// sleepContext sleeps for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// addTo reports the counts; start is when the load began.
func (s *wsStats) addTo(r *Report, start time.Time) {
	r.add("dials", "sockets opened", s.dials)
	r.add("dial_failures", "dial failures", s.dialFailures)
	r.add("sent", "calls sent", s.sent)
	r.add("ok", "answered ok (pong)", s.ok)
	r.add("rpc_errors", "JSON-RPC error answers (by code)", s.rpcErrors)
	r.add("wrong_result", "answered with another result", s.wrongResult)
	r.add("lost", "lost (never answered)", s.lost)
	r.add("lost_by_close", "  lost, by how their socket ended", s.lostByClose)
	r.add("accounted", "sent = ok + errors + wrong + lost", s.accounted())
	r.add("stray", "messages answering no call", s.stray)
	r.add("server_closes", "sockets closed by server (by code)", s.serverCloses)
	r.add("client_closes", "sockets closed by this tool at the end", s.closedByClient)
	r.addRate(start, s.lastAnswer, &s.latency)
}

// runWSScenario is the ws scenario: see the package documentation.
func runWSScenario(ctx context.Context, t *target, o *options) (*Report, error) {
	conns, inflight := orDefault(o.conns, 50), orDefault(o.inflight, 16)
	load := newWSLoad(t.wsURL(), conns, inflight, true)
	sending, stop := context.WithTimeout(ctx, o.duration)
	defer stop()
	start := time.Now()
	stats := load.run(sending, o.settle)
	r := newReport("ws")
	r.add("conns", "sockets", conns)
	r.add("inflight", "calls in flight per socket", inflight)
	r.add("duration", "sending for", o.duration)
	_, warning := fileLimit(conns + descriptorMargin)
	r.addNote("file_limit_warning", warning)
	stats.addTo(r, start)
	return r, nil
}
