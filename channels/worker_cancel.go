package channels

import (
	"context"
	"sync"
	"time"
)

// Calls whose client has gone. A worker that consumes the messages of a
// connection in order holds its disconnect (websocket.disconnect,
// http.disconnect) behind the message in hand; the disconnect cancels the
// context of that message's call, so that a handler waiting on ctx stops
// for a client that can no longer take its answer.

// callCtx is the context of one consumer call: its parent's (the worker's,
// with the ConsumeTimeout deadline), cancelled too when the call's client
// goes away. Its channel is made only when Done is asked for, and lives in
// the Message, so that a call that never selects on it costs nothing.
type callCtx struct {
	parent context.Context
	worker *Worker // whose call it is: Value answers workerKey without a walk up the parents
	mu     sync.Mutex
	done   chan struct{} // made by Done
	err    error         // context.Canceled once cancelled
	stop   func() bool   // ends the link to parent's Done
}

func (c *callCtx) Deadline() (time.Time, bool) { return c.parent.Deadline() }

func (c *callCtx) Value(key any) any {
	if _, ok := key.(workerKey); ok && c.worker != nil {
		return c.worker
	}
	return c.parent.Value(key)
}

func (c *callCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err != nil {
			close(c.done)
		} else if c.parent.Done() != nil {
			c.stop = context.AfterFunc(c.parent, func() { c.cancel(c.parent.Err()) })
		}
	}
	return c.done
}

func (c *callCtx) Err() error {
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.parent.Err()
}

// cancel ends the call's context with err, once.
func (c *callCtx) cancel(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = err
	if c.done != nil {
		close(c.done)
	}
}

// end unlinks the context from its parent once the call has returned.
func (c *callCtx) end() {
	c.mu.Lock()
	stop := c.stop
	c.stop = nil
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// isDisconnect tells whether a message on channel says that its
// connection's client has gone.
func isDisconnect(channel string) bool {
	return channel == "websocket.disconnect" || channel == "http.disconnect"
}
