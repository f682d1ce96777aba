package jsonrpc

import (
	"context"
	"errors"
	"unsafe"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// A WebSocket frame's call: its payload, its channel session, and its
// answer, sent once the session is saved.

// receive answers one frame: a request, a notification or a batch. A binary
// frame is read as JSON text too. The text is dispatched without a copy:
// Dispatch only reads its payload (the ids and raw params it shares are
// not to be modified).
func (h *handler) receive(ctx context.Context, m *channels.Message) error {
	payload := framePayload(m)
	held, ok := ctx.(*heldAnswer) // as consumeFrame made it, unless a Middleware wrapped it
	if !ok {
		held, _ = ctx.Value(heldAnswerKey{}).(*heldAnswer)
	}
	if held == nil {
		reply, later := h.call(ctx, Websocket, m, payload)
		defer later.done()
		return h.answer(ctx, m, reply)
	}
	held.reply, held.later = h.call(ctx, Websocket, m, payload)
	held.set = true
	return nil
}

// framePayload is the JSON text of the frame m, shared with m.
func framePayload(m *channels.Message) []byte {
	if text, ok := m.Text(); ok {
		return unsafe.Slice(unsafe.StringData(text), len(text))
	}
	if b, ok := m.Bytes(); ok {
		return b
	}
	return m.Body()
}

// heldAnswer is the answer to a frame, held back until the session
// middleware has saved what the call changed: a client that has its answer
// finds the changes in its next call, whichever worker runs it. It is the
// context the frame is consumed with, carrying itself under heldAnswerKey
// (context.WithValue).
type heldAnswer struct {
	context.Context
	reply Reply
	set   bool
	later observation // the call's record, made once reply is sent
}

type heldAnswerKey struct{}

func (h *heldAnswer) Value(key any) any {
	if key == (heldAnswerKey{}) {
		return h
	}
	return h.Context.Value(key)
}

// consumeFrame runs a frame through the session middleware and answers it
// once the session is saved. With no Middleware to run, it opens and saves
// the session itself: no middleware to pass the answer through.
func (h *handler) consumeFrame(ctx context.Context, m *channels.Message) error {
	if h.sessions != nil {
		return h.answerSaved(ctx, m)
	}
	if h.c.Sessions == nil {
		return h.ws.Consume(ctx, m)
	}
	held := &heldAnswer{Context: ctx}
	defer held.later.done()
	err := h.ws.Consume(held, m)
	if held.set {
		if aerr := h.answer(ctx, m, held.reply); aerr != nil {
			err = errors.Join(err, aerr)
		}
	}
	return err
}

// answerSaved answers the frame m, a call, once the channel session the
// call changed is saved.
func (h *handler) answerSaved(ctx context.Context, m *channels.Message) error {
	s, err := h.sessions.Open(ctx, m)
	if err != nil {
		return err
	}
	reply, later := h.c.Registry.dispatchCall(ctx, callOf{Websocket, m, h.user}, framePayload(m), &h.c.Options)
	err = h.sessions.Save(ctx, s)
	if aerr := h.answer(ctx, m, reply); aerr != nil {
		err = errors.Join(err, aerr)
	}
	later.done()
	return err
}

// receiveConcurrently answers the frame in a goroutine of its own, once
// one of the connection's ConcurrentCalls slots is free. The goroutine runs
// the session middleware too, so that what the call changes is saved.
func (h *handler) receiveConcurrently(ctx context.Context, m *channels.Message) error {
	calls := h.calls(m.ReplyChannel())
	select {
	case calls.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	channels.Go(ctx, func(ctx context.Context) {
		defer func() { <-calls.slots }()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(calls.gone, cancel)()
		if err := h.consumeFrame(ctx, m); err != nil {
			h.c.logger().Warn("jsonrpc: call failed", "reply_channel", m.ReplyChannel(), "err", err)
		}
	})
	return nil
}

// connCalls are the calls of one connection running at once: a slot
// each, and a context done once the connection is.
type connCalls struct {
	slots chan struct{}
	gone  context.Context
	leave context.CancelFunc // cancels gone
}

// awaitCalls cancels the calls of a closed connection and waits until they
// are done, so that its Disconnect runs after them, and forgets the
// connection.
func (h *handler) awaitCalls(ctx context.Context, reply string) {
	c, ok := h.c.inflight.LoadAndDelete(reply)
	if !ok {
		return
	}
	calls := c.(*connCalls)
	calls.leave()
	for range cap(calls.slots) {
		select {
		case calls.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
	}
}

func (h *handler) calls(reply string) *connCalls {
	if c, ok := h.c.inflight.Load(reply); ok {
		return c.(*connCalls)
	}
	gone, leave := context.WithCancel(context.Background())
	c, loaded := h.c.inflight.LoadOrStore(reply, &connCalls{slots: make(chan struct{}, h.c.ConcurrentCalls), gone: gone, leave: leave})
	if loaded {
		leave()
	}
	return c.(*connCalls)
}

// answer sends the reply to a frame. A frame of notifications has none:
// an empty message, which writes nothing, tells the interface server that
// the frame is done (see ServerConfig.MaxInFlight). In test mode it is left
// out, so that a test receives what the client would.
func (h *handler) answer(ctx context.Context, m *channels.Message, r Reply) error {
	if r.Body == nil {
		if channels.TestMode(ctx) {
			return nil
		}
		return m.Reply(ctx, channels.Content{})
	}
	// The body is this answer's own buffer, never written again: the text
	// frame can share it.
	return m.SendText(ctx, unsafe.String(unsafe.SliceData(r.Body), len(r.Body)))
}
