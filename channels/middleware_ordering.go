package channels

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// nextOrderKey is the channel-session key holding the order of the next
// message a connection may consume, as in Django Channels.
const nextOrderKey = "__channels_next_order"

// originalChannelKey is the content key that records, while a message waits
// for its turn, the channel it was sent to.
const originalChannelKey = "original_channel"

// EnforceOrdering returns middleware that runs the messages of a connection
// in the order of their "order" key: Django Channels' enforce_ordering. It
// includes ChannelSession(store), in which it keeps the order of the next
// message (starting at 0, the connect message).
//
// A message whose turn it is runs; then, even if the consumer failed, the
// next order is saved and the messages that arrived early are sent back to
// their channels to be consumed again. A message that arrived early is put
// on the connection's wait channel ("__wait__." and the reply channel with
// '!' changed to '?'), with "original_channel" added to its content, and
// its consumer does not run. A message without an integer order is an
// error.
func EnforceOrdering(store SessionStore) Middleware {
	session := ChannelSession(store)
	return func(next Consumer) Consumer {
		return session(ConsumerFunc(func(ctx context.Context, m *Message) error {
			return consumeInOrder(ctx, store, next, m)
		}))
	}
}

func consumeInOrder(ctx context.Context, store SessionStore, next Consumer, m *Message) error {
	order, ok := m.Order()
	if !ok {
		if !m.Content().Has("order") {
			return fmt.Errorf("channels: enforce ordering: message on %s has no order", m.Channel)
		}
		return fmt.Errorf("channels: enforce ordering: order %v of message on %s is not an integer", m.Content()["order"], m.Channel)
	}
	if m.Layer == nil {
		return errors.New("channels: enforce ordering: message has no layer")
	}
	reply := m.ReplyChannel()
	if reply == "" {
		return fmt.Errorf("channels: enforce ordering: %w", ErrNoReplyChannel)
	}
	s := m.ChannelSession
	if err := s.Load(); err != nil {
		return err
	}
	wait := waitChannelName(reply)
	want, _ := s.Int(nextOrderKey)
	if order == want {
		err := next.Consume(ctx, m)
		s.Set(nextOrderKey, order+1)
		if serr := store.Save(ctx, s.Key(), s.Values()); serr != nil {
			return errors.Join(err, fmt.Errorf("channels: save channel session %s: %w", s.Key(), serr))
		}
		s.modified = false
		return errors.Join(err, requeueWaiting(ctx, m.Layer, wait))
	}

	m.Content()[originalChannelKey] = m.Channel
	if err := m.Layer.Send(ctx, wait, m.Content()); err != nil {
		if errors.Is(err, ErrChannelFull) {
			return fmt.Errorf("channels: too many out-of-order messages for reply channel %s: %w", reply, err)
		}
		return fmt.Errorf("channels: enforce ordering: park message on %s: %w", wait, err)
	}
	// The awaited message may have run while this one was being parked:
	// then nobody else will requeue it.
	values, err := store.Load(ctx, s.Key())
	if err != nil {
		return fmt.Errorf("channels: load channel session %s: %w", s.Key(), err)
	}
	if now, _ := values.Int(nextOrderKey); now == order {
		return requeueWaiting(ctx, m.Layer, wait)
	}
	return nil
}

// waitChannelName is the channel where the early messages of a connection
// wait: a single-reader channel named after its reply channel.
func waitChannelName(reply string) string {
	return "__wait__." + strings.ReplaceAll(reply, "!", "?")
}

// requeueWaiting sends every message waiting on wait back to the channel it
// came from, without blocking.
func requeueWaiting(ctx context.Context, l Layer, wait string) error {
	done, cancel := context.WithCancel(ctx)
	cancel() // Receive then returns only what is already waiting
	var errs []error
	for {
		_, content, err := l.Receive(done, wait)
		if err != nil {
			if done.Err() != nil && errors.Is(err, done.Err()) {
				return errors.Join(errs...)
			}
			return errors.Join(append(errs, fmt.Errorf("channels: enforce ordering: receive from %s: %w", wait, err))...)
		}
		original, _ := content[originalChannelKey].(string)
		delete(content, originalChannelKey)
		if original == "" {
			errs = append(errs, fmt.Errorf("channels: enforce ordering: message on %s has no %s; dropped", wait, originalChannelKey))
			continue
		}
		if err := l.Send(ctx, original, content); err != nil {
			errs = append(errs, fmt.Errorf("channels: enforce ordering: requeue to %s: %w", original, err))
		}
	}
}
