package channels

import (
	"context"
	"fmt"
)

// ConsumeInline implements DirectLayer. A channel has one inline consumer
// at a time; registering another for it fails.
func (l *MemoryLayer) ConsumeInline(channels []string, consume func(m *Message) bool) (stop func(), err error) {
	for _, ch := range channels {
		if err := ValidateChannel(ch); err != nil {
			return nil, err
		}
		if IsProcessLocal(ch) {
			return nil, &NameError{"channel", ch, "ConsumeInline takes names without !"}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	for _, ch := range channels {
		if q := l.queues[ch]; q != nil && q.inline != nil {
			return nil, fmt.Errorf("channels: %s is already consumed inline", ch)
		}
	}
	for _, ch := range channels {
		l.queue(ch).inline = consume // the queue stays while it is set (idle)
	}
	l.publishInline()
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, ch := range channels {
			if q := l.queues[ch]; q != nil {
				q.inline = nil
				if q.len() == 0 && q.idle() && transient(ch) {
					delete(l.queues, ch)
				}
			}
		}
		l.publishInline()
	}, nil
}

// inlineSet is the channels consumed inline, by name, for HandOver to
// find without the layer's lock: it is made anew (under the lock) each
// time a consumer comes or goes, and each frame of every connection reads
// it.
type inlineSet map[string]inlineQueue

type inlineQueue struct {
	q       *memQueue
	consume func(m *Message) bool
}

// publishInline makes the inlineSet of the queues' inline consumers.
// l.mu is held.
func (l *MemoryLayer) publishInline() {
	if l.closed {
		return
	}
	set := inlineSet{}
	for ch, q := range l.queues {
		if q.inline != nil {
			set[ch] = inlineQueue{q, q.inline}
		}
	}
	l.inline.Store(&set)
}

// HandOver implements DirectLayer: a message to a channel with an inline
// consumer and no message waiting goes to that consumer; otherwise, or
// when the consumer refuses it, HandOver is SendOwned, and a message in
// compact form is queued as it is.
func (l *MemoryLayer) HandOver(ctx context.Context, m *Message) error {
	// A channel with an inline consumer is a valid name: ConsumeInline
	// checked it.
	if consume := l.inlineConsumer(m.Channel); consume != nil {
		if err := m.ownCanonicalContent(); err != nil {
			return err
		}
		if consume(m) {
			return nil
		}
	}
	return l.handOverQueued(m)
}

// handOverQueued is HandOver of a message that no inline consumer took.
func (l *MemoryLayer) handOverQueued(m *Message) error {
	if !m.compact || IsProcessLocal(m.Channel) {
		return l.send(m.Channel, m.Content(), true)
	}
	// A compact message is valid and canonical (see messageContent),
	// and no local receiver takes its channel.
	if err := ValidateChannel(m.Channel); err != nil {
		return err
	}
	return l.enqueue(memEntry{channel: m.Channel, msg: m})
}

// inlineConsumer returns the inline consumer of channel when no message
// waits there (those go first), or nil. It takes no lock: a message the
// same sender queued before is counted already (see memQueue.counted).
func (l *MemoryLayer) inlineConsumer(channel string) func(*Message) bool {
	set := l.inline.Load()
	if set == nil {
		return nil
	}
	iq, ok := (*set)[channel]
	if !ok || iq.q.queued.Load() > 0 {
		return nil
	}
	return iq.consume
}
