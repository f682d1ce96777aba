package channels

import (
	"context"
	"errors"
	"time"
)

// Flow control. The layer refuses a message when a channel is full; the
// server and the worker's replies (Message.Reply) do not pass that refusal
// on at once. It waits for room, up to
// BackpressureTimeout, and since the goroutine that waits is the one that
// reads the client's socket (or answers its request), the client is not
// read meanwhile and TCP slows it down. Only a wait that expires answers
// 503 or closes the socket with 1013. Lifecycle events wait longer: a
// websocket.disconnect is retried for DisconnectTimeout, so that every
// consumer that saw a connect sees its disconnect.

// sendWaiting sends content to channel, waiting while the channel is full
// for at most wait. It returns the layer's last error: a *ChannelFullError
// when the wait expired, ctx.Err() when ctx ended it.
func (s *Server) sendWaiting(ctx context.Context, channel string, content Content, wait time.Duration) error {
	err := s.send(ctx, channel, content)
	if !errors.Is(err, ErrChannelFull) {
		return err
	}
	return retryWhenRoom(ctx, s.layer, channel, wait, err, func(ctx context.Context) error {
		return s.send(ctx, channel, content)
	})
}

// retryWhenRoom calls send again each time channel may have room, after a
// first try failed with full, for at most wait. With a RoomWaiter layer, a
// sender that finds the room taken waits again at once, the first time;
// after that, and without RoomWaiter, it backs off, so that a layer whose
// WaitRoom and Send disagree is not spun. It returns send's last error, or
// full when the wait ends before a retry.
func retryWhenRoom(ctx context.Context, l Layer, channel string, wait time.Duration, full error, send func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	rw, _ := l.(RoomWaiter)
	backoff := time.Millisecond
	err := full
	for lost := 0; ; lost++ {
		if rw == nil || lost > 0 {
			sleepCtx(ctx, backoff)
			backoff = min(2*backoff, 50*time.Millisecond)
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

// sendDisconnect delivers a connection's websocket.disconnect, retrying
// while the channel is full or the layer unreachable, for up to
// DisconnectTimeout. It reports whether the message was delivered.
func (s *Server) sendDisconnect(msg Content) bool {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.DisconnectTimeout)
	defer cancel()
	backoff := 10 * time.Millisecond
	for {
		err := s.sendWaiting(ctx, "websocket.disconnect", msg, s.cfg.DisconnectTimeout)
		if err == nil {
			return true
		}
		if !errors.Is(err, ErrLayerUnavailable) && !errors.Is(err, ErrChannelFull) || !sleepCtx(ctx, backoff) {
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
