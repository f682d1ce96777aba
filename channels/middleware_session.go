package channels

import (
	"context"
	"errors"
	"fmt"
)

// ChannelSession returns middleware that gives each message the session of
// its reply channel in m.ChannelSession: Django Channels' channel_session.
// The session's key is ChannelSessionKey of the reply channel; a connection
// without a stored session starts with an empty one. The session is read
// from store when the consumer first uses it (see OpenSession): a consumer
// that never does costs no read; one whose read fails sees an empty session
// (Session.Load returns the error), which is then not saved, and the error
// is returned after the consumer. After the consumer
// returns (with an error or not) a modified session is saved, or deleted
// from store if it was emptied, which is how a logout ends. A message that
// already has a channel session keeps it. A message without a reply channel
// is an error matching ErrNoReplyChannel, and errors of store are returned
// wrapped.
func ChannelSession(store SessionStore) Middleware {
	sessions := NewChannelSessions(store)
	return func(next Consumer) Consumer {
		return ConsumerFunc(func(ctx context.Context, m *Message) error {
			s, err := sessions.Open(ctx, m)
			if err != nil {
				return err
			}
			err = next.Consume(ctx, m)
			if serr := sessions.Save(ctx, s); serr != nil {
				return errors.Join(err, serr)
			}
			return err
		})
	}
}

// ChannelSessions opens and saves the channel sessions of messages as
// ChannelSession does, for a consumer with something to do once the
// session is saved: the JSON-RPC consumer answers a call only then, so
// that the client's next call finds what this one changed, whichever
// worker runs it.
type ChannelSessions struct {
	store SessionStore
	keys  sessionKeys
}

// NewChannelSessions returns the channel sessions kept in store.
func NewChannelSessions(store SessionStore) *ChannelSessions {
	return &ChannelSessions{store: store}
}

// Open gives m the session of its reply channel in m.ChannelSession, read
// from the store when first used, and returns it; a message that has a
// channel session keeps it. A message without a reply channel is an error
// matching ErrNoReplyChannel.
func (c *ChannelSessions) Open(ctx context.Context, m *Message) (*Session, error) {
	if m.ChannelSession != nil {
		return m.ChannelSession, nil
	}
	reply := m.ReplyChannel()
	if reply == "" {
		return nil, fmt.Errorf("channels: channel session: %w", ErrNoReplyChannel)
	}
	m.ChannelSession = m.openChannelSession(ctx, c.store, c.keys.of(m, reply))
	return m.ChannelSession, nil
}

// Save saves s if it was modified, or deletes it if it was emptied, which
// is how a logout ends. It returns the error of the store, wrapped, or
// that of the session's read (then nothing is saved).
func (c *ChannelSessions) Save(ctx context.Context, s *Session) error {
	return persistSession(ctx, c.store, s)
}

// persistSession saves s if it was modified, or deletes it if it was
// modified and is empty; s is then no longer modified, so that an enclosing
// ChannelSession does not store it again.
func persistSession(ctx context.Context, store SessionStore, s *Session) error {
	switch {
	case s.loadErr != nil:
		return fmt.Errorf("channels: channel session not saved: %w", s.loadErr)
	case !s.Modified():
		return nil
	case s.Len() == 0:
		if err := store.Delete(ctx, s.Key()); err != nil {
			return fmt.Errorf("channels: delete channel session %s: %w", s.Key(), err)
		}
	default:
		if err := store.Save(ctx, s.Key(), s.Values()); err != nil {
			return fmt.Errorf("channels: save channel session %s: %w", s.Key(), err)
		}
	}
	s.modified = false
	return nil
}
