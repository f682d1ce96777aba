package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// shape is a load: conns WebSocket or HTTP clients, each keeping inflight
// calls in flight (HTTP clients keep one).
type shape struct {
	name     string
	http     bool
	conns    int
	inflight int
}

// shapes are the loads every target is driven with, in the report's order.
var shapes = []shape{
	{name: "WS 1x1", conns: 1, inflight: 1},
	{name: "WS 50x1", conns: 50, inflight: 1},
	{name: "WS 50x16", conns: 50, inflight: 16},
	{name: "HTTP 1x1", http: true, conns: 1, inflight: 1},
	{name: "HTTP 50x1", http: true, conns: 50, inflight: 1},
}

// shapeResult is what a shape measured on one target.
type shapeResult struct {
	answers  int64 // pong answers within the measured window
	elapsed  time.Duration
	p50, p99 time.Duration
	errors   int64           // over the warm-up and the window
	cpu      []time.Duration // CPU used in the window, per process of the target
	mallocs  []int64         // heap allocations in the window, per process; -1 unknown
	// redisCPU and redisCommands are what the target's redis-server used
	// in the window, -1 when unknown or when the target has none.
	redisCPU      time.Duration
	redisCommands int64
	// instructions is what the target's server executed in the window
	// under callgrind (-instructions), -1 when unknown or not counted.
	instructions int64
	code         codeCounts // the executions of each instruction address, with instructions; nil: unknown
	host         hostTime   // the machine's CPU time in the window; zero: unknown
}

func (r shapeResult) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.answers) / r.elapsed.Seconds()
}

// instructionsPerCall is the instructions the server executed per answer,
// and whether they are known.
func (r shapeResult) instructionsPerCall() (float64, bool) {
	if r.instructions < 0 || r.answers == 0 {
		return 0, false
	}
	return float64(r.instructions) / float64(r.answers), true
}

// codeLinesPerCall is the lines of code the server ran through per
// answer (see codeCounts.linesRunBy), and whether they are known.
func (r shapeResult) codeLinesPerCall() (int, bool) {
	if r.code == nil || r.answers == 0 {
		return 0, false
	}
	return r.code.linesRunBy(r.answers), true
}

// allocsPerCall is the heap allocations process i made per answer, and
// whether they are known.
func (r shapeResult) allocsPerCall(i int) (float64, bool) {
	if r.answers == 0 || i >= len(r.mallocs) || r.mallocs[i] < 0 {
		return 0, false
	}
	return float64(r.mallocs[i]) / float64(r.answers), true
}

// redisPerCall is the CPU time and the commands of the target's
// redis-server per answer; ok is false for what is unknown.
func (r shapeResult) redisPerCall() (cpu time.Duration, cpuOK bool, cmds float64, cmdsOK bool) {
	if r.answers == 0 {
		return 0, false, 0, false
	}
	if r.redisCPU >= 0 {
		cpu, cpuOK = r.redisCPU/time.Duration(r.answers), true
	}
	if r.redisCommands >= 0 {
		cmds, cmdsOK = float64(r.redisCommands)/float64(r.answers), true
	}
	return cpu, cpuOK, cmds, cmdsOK
}

// cpuPerCall is the CPU time process i used per answer.
func (r shapeResult) cpuPerCall(i int) time.Duration {
	if r.answers == 0 || i >= len(r.cpu) {
		return 0
	}
	return r.cpu[i] / time.Duration(r.answers)
}

// Phases of a measurement: answers count from measuring on; from done on,
// errors are the clients being stopped and count no more.
const (
	warming int32 = iota
	measuring
	done
)

// tally is what one client counted. Each client owns its tally.
type tally struct {
	latencies []time.Duration
	errors    int64
}

func (t *tally) answer(phase *atomic.Int32, latency time.Duration) {
	if phase.Load() == measuring {
		t.latencies = append(t.latencies, latency)
	}
}

func (t *tally) fail(phase *atomic.Int32) {
	if phase.Load() != done {
		t.errors++
	}
}

// client runs one connection of a shape until ctx is done.
type client func(ctx context.Context, phase *atomic.Int32, t *tally)

// runShape drives t with sh: warm-up first, then the measured window, while
// the CPU time of pids, the allocations of t's processes and the counters
// of its redis-server are read at the window's ends.
func runShape(ctx context.Context, sh shape, t *target, pids []int, warmup, window time.Duration) shapeResult {
	newClient := func() client { return wsClient(t.wsURL(), sh.inflight) }
	if sh.http {
		newClient = func() client { return httpClient(t.rpcURL()) }
	}
	return measure(ctx, sh.conns, newClient, meters{pids, t.heapURLs, t.redis, t.callgrind}, warmup, window)
}

// meters are what a measurement reads at the window's ends besides the
// clients' answers: CPU time, allocations, a redis-server's counters and
// the instructions of a server under callgrind.
type meters struct {
	pids      []int
	heapURLs  []string
	redis     *redisProbe     // nil: none
	callgrind *callgrindProbe // nil: none
}

func measure(ctx context.Context, conns int, newClient func() client, ms meters, warmup, window time.Duration) shapeResult {
	ctx, stop := context.WithCancel(ctx)
	var phase atomic.Int32
	tallies := make([]*tally, conns)
	var wg sync.WaitGroup
	for i := range tallies {
		tallies[i] = &tally{}
		run := newClient()
		wg.Go(func() { run(ctx, &phase, tallies[i]) })
	}
	sleepContext(ctx, warmup)
	mallocs := startMallocs(ms.heapURLs)
	redisUse := startRedis(ms.redis)
	cpu := startCPU(ms.pids)
	instructions := startInstructions(ms.callgrind)
	host := startHost()
	start := time.Now()
	phase.Store(measuring)
	sleepContext(ctx, window)
	phase.Store(done)
	r := shapeResult{elapsed: time.Since(start), cpu: cpu.used(), host: host.used()}
	r.redisCPU, r.redisCommands = redisUse.used()
	r.mallocs = mallocs.used()
	r.instructions, r.code = instructions.used()
	stop()
	wg.Wait()

	var all []time.Duration
	for _, t := range tallies {
		all = append(all, t.latencies...)
		r.errors += t.errors
	}
	slices.Sort(all)
	r.answers = int64(len(all))
	r.p50, r.p99 = percentile(all, 0.50), percentile(all, 0.99)
	return r
}

// percentile is the nearest-rank percentile q (0 to 1) of sorted.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(q*float64(len(sorted)) + 0.999999)
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// wsClient is a pipelined socket: it sends inflight calls, then a new one
// as each answer arrives, until ctx is done.
func wsClient(url string, inflight int) client {
	return func(ctx context.Context, phase *atomic.Int32, t *tally) {
		conn, resp, err := newDialer(0).DialContext(ctx, url, nil)
		bodyClose(resp)
		if err != nil {
			t.fail(phase)
			return
		}
		defer context.AfterFunc(ctx, func() { conn.Close() })()
		defer conn.Close()
		p := &pipeline{conn: conn, sent: make(map[int64]time.Time, inflight)}
		for range inflight {
			if err := p.send(); err != nil {
				t.fail(phase)
				return
			}
		}
		p.run(phase, t)
	}
}

// pipeline is the calls in flight on one socket, by id.
type pipeline struct {
	conn   *websocket.Conn
	lastID int64
	sent   map[int64]time.Time
}

func (p *pipeline) send() error {
	p.lastID++
	p.sent[p.lastID] = time.Now()
	return p.conn.WriteMessage(websocket.TextMessage, pingCall(p.lastID))
}

// run reads answers, counts them, and sends a call for each answer to a
// call of its own, until the socket ends or the measurement is done.
func (p *pipeline) run(phase *atomic.Int32, t *tally) {
	for {
		_, msg, err := p.conn.ReadMessage()
		if err != nil {
			t.fail(phase)
			return
		}
		now := time.Now()
		id, _ := intAfter(msg, idKey)
		sentAt, ours := p.sent[id]
		delete(p.sent, id)
		if ours && bytes.Contains(msg, pongResult) {
			t.answer(phase, now.Sub(sentAt))
		} else {
			t.fail(phase)
		}
		if phase.Load() == done {
			return
		}
		if ours {
			if err := p.send(); err != nil {
				t.fail(phase)
				return
			}
		}
	}
}

// httpClient POSTs ping calls back to back over one keep-alive connection
// of its own until ctx is done.
func httpClient(url string) client {
	return func(ctx context.Context, phase *atomic.Int32, t *tally) {
		transport := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
		c := &http.Client{Transport: transport, Timeout: callTimeout}
		defer transport.CloseIdleConnections()
		for id := int64(1); ctx.Err() == nil; id++ {
			start := time.Now()
			ok := postPing(ctx, c, url, id)
			switch {
			case ok:
				t.answer(phase, time.Since(start))
			case ctx.Err() == nil:
				t.fail(phase)
			}
		}
	}
}

// postPing makes one ping call over HTTP and reports whether it was
// answered "pong" with status 200.
func postPing(ctx context.Context, c *http.Client, url string, id int64) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(pingCall(id)))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return err == nil && resp.StatusCode == http.StatusOK && isPong(body, id)
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
