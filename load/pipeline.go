package main

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// pipeline is one WebSocket that keeps a fixed number of ping calls in
// flight: its writer sends a call whenever a credit comes back, and its
// reader matches each answer to its call and gives the credit back.
//
// When sending stops, the reader waits for the outstanding answers, at most
// the settle time; the calls still unanswered then, or when the server
// closes the socket, are lost.
type pipeline struct {
	conn    *websocket.Conn
	load    *wsLoad       // ids and the recovery clock
	credits chan struct{} // one per call that may be sent
	dead    chan struct{} // closed when the reader has ended
	stats   *wsStats      // the reader's; the writer returns what it sent

	mu       sync.Mutex
	pending  map[int64]time.Time // sent calls by id, with when they were sent
	stopping bool                // sending has ended; no call is added
	// The calls in flight at a mark (a fault): see watch.
	mark    time.Time
	watched map[int64]struct{}
}

func newPipeline(conn *websocket.Conn, load *wsLoad, stats *wsStats) *pipeline {
	p := &pipeline{
		conn:    conn,
		load:    load,
		credits: make(chan struct{}, load.inflight),
		dead:    make(chan struct{}),
		stats:   stats,
		pending: make(map[int64]time.Time, load.inflight),
	}
	for range load.inflight {
		p.credits <- struct{}{}
	}
	return p
}

// run drives the socket until the server closes it, or until stop is
// closed and the outstanding calls are answered or settle has passed. It
// reports whether the server closed the socket.
func (p *pipeline) run(stop <-chan struct{}, settle time.Duration) (closedByServer bool) {
	sent := make(chan int64, 1)
	go func() { sent <- p.write(stop) }()
	go p.settleAfter(stop, settle)
	err := p.read()
	close(p.dead)
	p.stats.sent += <-sent
	return p.finish(err)
}

// write sends a ping call for each credit until stop or the reader's end,
// and returns how many it sent.
func (p *pipeline) write(stop <-chan struct{}) (sent int64) {
	buf := make([]byte, 0, 64)
	for {
		select {
		case <-stop:
			return sent
		case <-p.dead:
			return sent
		case <-p.credits:
		}
		id := p.load.ids.Add(1)
		if !p.track(id) {
			return sent
		}
		buf = appendPingCall(buf[:0], id)
		p.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		if err := p.conn.WriteMessage(websocket.TextMessage, buf); err != nil {
			p.untrack(id)
			return sent
		}
		sent++
	}
}

// track records a call about to be sent; false once sending has stopped.
func (p *pipeline) track(id int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping {
		return false
	}
	p.pending[id] = time.Now()
	return true
}

func (p *pipeline) untrack(id int64) {
	p.mu.Lock()
	delete(p.pending, id)
	p.mu.Unlock()
}

// settleAfter gives the reader the settle time once stop is closed: at once
// when nothing is outstanding, so that it does not wait for nothing.
func (p *pipeline) settleAfter(stop <-chan struct{}, settle time.Duration) {
	select {
	case <-p.dead:
		return
	case <-stop:
	}
	p.mu.Lock()
	p.stopping = true
	idle := len(p.pending) == 0
	p.mu.Unlock()
	if idle {
		settle = 0
	}
	p.conn.SetReadDeadline(time.Now().Add(settle))
}

// read takes answers until the socket fails (or the settle deadline
// passes), or until sending has stopped and every call is answered (nil).
func (p *pipeline) read() error {
	for {
		_, data, err := p.conn.ReadMessage()
		if err != nil {
			return err
		}
		if p.answer(data, time.Now()) {
			return nil
		}
	}
}

// answer counts one message from the server and reports whether sending
// has stopped and nothing is outstanding any more.
func (p *pipeline) answer(data []byte, now time.Time) (done bool) {
	m, err := parseMessage(data)
	id, isAnswer := m.callID()
	if err != nil || !isAnswer {
		p.stats.stray++
		return false
	}
	p.mu.Lock()
	sentAt, found := p.pending[id]
	delete(p.pending, id)
	p.resolveWatched(id, now)
	done = p.stopping && len(p.pending) == 0
	p.mu.Unlock()
	if !found {
		p.stats.stray++
		return done
	}
	p.stats.countAnswer(&m, now.Sub(sentAt), now)
	if m.resultIs(pongResult) {
		p.load.recovery.success(now)
	}
	select {
	case p.credits <- struct{}{}:
	default: // never full: a credit comes back once per call sent
	}
	return done
}

// finish counts the calls left unanswered and closes the socket, cleanly
// unless the server closed it. It reports whether the server did.
func (p *pipeline) finish(readErr error) (closedByServer bool) {
	now := time.Now()
	settled := readErr == nil || isTimeout(readErr)
	p.mu.Lock()
	closedByServer = !(settled && p.stopping)
	p.stats.lost += int64(len(p.pending))
	if len(p.pending) > 0 {
		how := "open"
		if closedByServer {
			how = closeLabel(readErr)
		}
		p.stats.lostByClose[how] += int64(len(p.pending))
	}
	p.endWatch(now, closedByServer)
	p.mu.Unlock()
	if !closedByServer {
		p.stats.closedByClient++
		closeCleanly(p.conn, readErr == nil)
		return false
	}
	p.stats.serverCloses.Add(closeLabel(readErr))
	p.stats.lastServerClose = now
	p.conn.Close()
	return true
}

// closeCleanly sends a normal close frame, waits a little for the server's
// close frame in reply when the socket can still be read, and closes the
// connection.
func closeCleanly(conn *websocket.Conn, readable bool) {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	err := conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeWait))
	if err == nil && readable {
		conn.SetReadDeadline(time.Now().Add(closeWait))
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				break
			}
		}
	}
	conn.Close()
}

// watch marks the calls in flight now (at a fault): each is timed from the
// mark to its answer, or to its socket's close. It gives how many there are.
func (p *pipeline) watch(mark time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mark = mark
	p.watched = make(map[int64]struct{}, len(p.pending))
	for id := range p.pending {
		p.watched[id] = struct{}{}
	}
	return len(p.watched)
}

// resolveWatched times an answered call if it was in flight at the mark.
// p.mu is held.
func (p *pipeline) resolveWatched(id int64, now time.Time) {
	if _, ok := p.watched[id]; ok {
		delete(p.watched, id)
		p.stats.markResolved = append(p.stats.markResolved, now.Sub(p.mark))
		p.stats.markAnswered++
	}
}

// endWatch settles the watched calls when the socket ends: the server's
// close resolves them, while those still waiting when the client gave up
// were never answered. p.mu is held.
func (p *pipeline) endWatch(now time.Time, closedByServer bool) {
	for range p.watched {
		if closedByServer {
			p.stats.markResolved = append(p.stats.markResolved, now.Sub(p.mark))
		} else {
			p.stats.markUnresolved++
		}
	}
	p.watched = nil
}
