package channels

import (
	"context"
	"errors"
	"time"
)

// Flow control. The layer refuses a message when a channel is full; the
// server does not pass that refusal on at once (nor does Message.Reply in a
// worker). It waits for room, up to BackpressureTimeout, and since the
// goroutine that waits is the one that reads the client's socket (or
// answers its request), the client is not read meanwhile and TCP slows it
// down. Only a wait that expires answers 503 or closes the socket with
// 1013. Lifecycle events wait longer: a websocket.disconnect is retried for
// DisconnectTimeout, so that every consumer that saw a connect sees its
// disconnect.

// sendWaiting sends content to channel, waiting while the channel is full
// for at most wait; onWait, when not nil, runs before the wait. It returns the layer's last error: a *ChannelFullError
// when the wait expired, ctx.Err() when ctx ended it.
//
// With a layer that cannot signal room, the server's senders to one channel
// wait in line and only the first one retries: they are served in the
// order they came, and the layer is not flooded with retries.
func (s *Server) sendWaiting(ctx context.Context, m *Message, wait time.Duration, onWait func()) error {
	err := s.send(ctx, m)
	if err == nil {
		return nil
	}
	return s.sendAgain(ctx, m, err, wait, onWait)
}

// sendAgain is sendWaiting after a first try that failed with err.
func (s *Server) sendAgain(ctx context.Context, m *Message, err error, wait time.Duration, onWait func()) error {
	channel := m.Channel
	if errors.Is(err, ErrChannelFull) {
		if onWait != nil {
			onWait()
		}
		start := time.Now()
		err = s.awaitRoom(ctx, m, err, wait)
		s.obs.FullWait(KindOf(channel), time.Since(start))
		if err == nil {
			return nil
		}
	}
	s.obs.MessageRefused(KindOf(channel), errors.Is(err, ErrChannelFull))
	return err
}

// awaitRoom sends content again, after a first try failed with full, for
// at most wait.
func (s *Server) awaitRoom(ctx context.Context, m *Message, full error, wait time.Duration) error {
	channel := m.Channel
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if _, ok := s.layer.(RoomWaiter); !ok {
		line := s.waitLine(channel)
		select {
		case <-line:
			defer func() { line <- struct{}{} }()
		case <-ctx.Done():
			return full
		}
	}
	return retryWhenRoom(ctx, s.layer, channel, full, func(ctx context.Context) error {
		return s.send(ctx, m)
	})
}

// waitLine returns the token of channel's line: a sender holds it while it
// retries. The channels the server sends to are few and fixed.
func (s *Server) waitLine(channel string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	line := s.lines[channel]
	if line == nil {
		line = make(chan struct{}, 1)
		line <- struct{}{}
		s.lines[channel] = line
	}
	return line
}

// retryWhenRoom calls send again, after a first try failed with full, until
// it does not fail with full or ctx is done: at once, then with backoff
// (and with a RoomWaiter layer, each time after waiting for room), so that
// a layer whose WaitRoom and Send disagree is not spun. It returns send's
// last error, or full when ctx ends before a retry.
func retryWhenRoom(ctx context.Context, l Layer, channel string, full error, send func(context.Context) error) error {
	rw, _ := l.(RoomWaiter)
	backoff := time.Millisecond
	err := full
	for lost := 0; ; lost++ {
		if lost > 0 {
			sleepCtx(ctx, backoff)
			backoff = min(2*backoff, 20*time.Millisecond)
		}
		if rw != nil && ctx.Err() == nil {
			if werr := rw.WaitRoom(ctx, channel); werr != nil && ctx.Err() == nil {
				return werr
			}
		}
		if ctx.Err() != nil {
			return err
		}
		if err = send(ctx); !errors.Is(err, ErrChannelFull) {
			return err
		}
	}
}

// sendDisconnect delivers a connection's websocket.disconnect, waiting
// while the channel is full and retrying while the layer is unreachable,
// for up to DisconnectTimeout in all. It reports whether it was delivered.
func (s *Server) sendDisconnect(msg Content) bool {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.DisconnectTimeout)
	defer cancel()
	backoff := 10 * time.Millisecond
	for {
		err := s.sendWaiting(ctx, NewMessage("websocket.disconnect", msg), s.cfg.DisconnectTimeout, nil)
		if err == nil {
			return true
		}
		if !errors.Is(err, ErrLayerUnavailable) || !sleepCtx(ctx, backoff) {
			s.log.Warn("channels: websocket.disconnect not sent", "channel", msg["reply_channel"], "err", err)
			return false
		}
		backoff = min(2*backoff, time.Second)
	}
}

// layerFailed closes, when the layer cannot be reached, every connection
// that waits for a reply which can no longer come: WebSockets that sent a
// message since their last reply get 1011, open HTTP requests 503. The
// others stay open: the layer may come back.
func (s *Server) layerFailed(err error) {
	if !errors.Is(err, ErrLayerUnavailable) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ep := range s.endpoints {
		if ep.awaiting.Load() > 0 {
			ep.kill(CloseInternalError)
		}
	}
}
