package channels

import (
	"context"
	"sync"
	"sync/atomic"
)

// endpoint is one connection's inbox. Until a WebSocket is open, and for
// HTTP requests, replies wait in waiting for the request's goroutine
// (next); a full inbox kills the connection. Once a WebSocket is open,
// replies go straight to its writer. Delivery never blocks.
type endpoint struct {
	local  string
	limit  int             // the most replies that may wait in waiting
	ready  chan struct{}   // signalled when a reply is added to waiting
	dead   chan struct{}   // closed by kill
	ctx    context.Context // a WebSocket's: done once killed, ending waits for the layer
	cancel context.CancelFunc
	once   sync.Once
	code   int // the close code given to kill
	// killHook is run by kill (see onKill).
	killHook atomic.Pointer[func()]
	// awaiting counts the messages sent for the connection that wait for
	// a reply (each reply counts off one); see server_inflight.go.
	awaiting  atomic.Int64
	progress  atomic.Int64  // counts the replies, and each wait that starts (awaiting 0 to 1)
	watched   progressSeen  // watchCalls's, under the server's mu
	replied   chan struct{} // a WebSocket's: signalled by each reply while the reader listens
	listening atomic.Bool   // the reader waits on replied
	websocket atomic.Bool   // an open WebSocket (CallTimeout applies)

	mu       sync.Mutex
	waiting  []Content       // replies for the request's goroutine, oldest first
	stream   *responseStream // started by a part of a longer response, while the request is sent
	opened   replyWriter     // the open WebSocket
	drained  func()          // the open WebSocket's drain
	draining bool
}

// newEndpoint returns the endpoint of a WebSocket or of an HTTP request.
// Only a WebSocket's reader waits on ctx and replied: an HTTP request's
// goroutine waits on its request's context and on dead, and its endpoint
// costs neither.
func newEndpoint(local string, queue int, websocket bool) *endpoint {
	ep := &endpoint{local: local, limit: queue, ready: make(chan struct{}, 1), dead: make(chan struct{})}
	if websocket {
		ep.replied = make(chan struct{}, 1)
		ep.ctx, ep.cancel = context.WithCancel(context.Background())
	} else {
		ep.ctx, ep.cancel = context.Background(), func() {}
	}
	return ep
}

// replyWriter is what takes the replies of an open WebSocket: a reply as
// content, or the content {"text": text} given as its text. inline is true
// when the call comes from the goroutine that sends the reply.
type replyWriter interface {
	deliver(c Content, inline bool)
	deliverText(text string, inline bool)
}

func (ep *endpoint) deliver(c Content, owned bool) {
	ep.gotReply()
	ep.mu.Lock()
	if w := ep.opened; w != nil {
		ep.mu.Unlock()
		w.deliver(c, true)
		return
	}
	defer ep.mu.Unlock()
	if !owned {
		if kept, err := c.Clone(); err == nil {
			c = kept
		}
	}
	ep.waitLocked(c)
}

// deliverText is deliver of {"text": text}, which the open WebSocket
// takes without the map.
func (ep *endpoint) deliverText(text string) {
	ep.gotReply()
	ep.mu.Lock()
	if w := ep.opened; w != nil {
		ep.mu.Unlock()
		w.deliverText(text, true)
		return
	}
	defer ep.mu.Unlock()
	ep.waitLocked(Content{"text": text})
}

// waitLocked adds c to the replies waiting for the request's goroutine, or
// kills the connection when too many wait.
func (ep *endpoint) waitLocked(c Content) {
	if len(ep.waiting) >= ep.limit {
		ep.kill(ClosePolicyViolation)
		return
	}
	ep.waiting = append(ep.waiting, c)
	if rs := ep.stream; rs != nil {
		if more, _ := c.Bool("more_content"); more {
			ep.stream = nil
			rs.start()
		}
	}
	select {
	case ep.ready <- struct{}{}:
	default:
	}
}

// next takes the oldest reply waiting for the request's goroutine; when
// there is none, wait for ep.ready and try again.
func (ep *endpoint) next() (Content, bool) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if len(ep.waiting) == 0 {
		return nil, false
	}
	c := ep.waiting[0]
	ep.waiting[0] = nil
	ep.waiting = ep.waiting[1:]
	if len(ep.waiting) == 0 {
		ep.waiting = nil
	}
	return c, true
}

// open sends later replies to deliver, after those already waiting, which
// deliver only queues (no socket write happens under ep.mu).
func (ep *endpoint) open(w replyWriter) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	for _, c := range ep.waiting {
		w.deliver(c, false)
	}
	ep.waiting, ep.opened = nil, w
}

// drain starts the drain of the open WebSocket, now or as soon as it opens.
func (ep *endpoint) drain() {
	ep.mu.Lock()
	ep.draining = true
	drained := ep.drained
	ep.mu.Unlock()
	if drained != nil {
		drained()
	}
}

// onDrain registers the open WebSocket's drain, and runs it at once when
// the server is draining already.
func (ep *endpoint) onDrain(drain func()) {
	ep.mu.Lock()
	ep.drained = drain
	draining := ep.draining
	ep.mu.Unlock()
	if draining {
		drain()
	}
}

func (ep *endpoint) kill(code int) {
	ep.once.Do(func() {
		ep.code = code
		close(ep.dead)
		ep.cancel()
		if f := ep.killHook.Swap(nil); f != nil {
			go (*f)() // kill may run under ep.mu
		}
	})
}

// onKill makes kill run f in a goroutine of its own (at once when the
// endpoint is dead already), until the returned stop is called.
func (ep *endpoint) onKill(f func()) (stop func()) {
	h := &f
	ep.killHook.Store(h)
	select {
	case <-ep.dead:
		if ep.killHook.CompareAndSwap(h, nil) {
			go f()
		}
	default:
	}
	return func() { ep.killHook.CompareAndSwap(h, nil) }
}
