package channels

import (
	"context"
	"fmt"
	"strings"
	"time"
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
		if l.inline[ch] != nil {
			return nil, fmt.Errorf("channels: %s is already consumed inline", ch)
		}
	}
	for _, ch := range channels {
		l.inline[ch] = consume
	}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, ch := range channels {
			delete(l.inline, ch)
		}
	}, nil
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
// waits there (those go first), or nil.
func (l *MemoryLayer) inlineConsumer(channel string) func(*Message) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	consume := l.inline[channel]
	if consume == nil || l.closed {
		return nil
	}
	if q := l.queues[channel]; q != nil && q.len() > 0 {
		return nil
	}
	return consume
}

// DeliverLocal implements DirectLayer. r's methods run in the sending
// goroutine, outside the layer's lock; messages already queued are
// delivered under the lock, which is why r must not call the layer.
func (l *MemoryLayer) DeliverLocal(nonLocal string, r LocalReceiver) (stop func(), err error) {
	if err := ValidateReceiveChannel(nonLocal); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(nonLocal, "!") {
		return nil, &NameError{"channel", nonLocal, "DeliverLocal takes a process-local name ending at its !"}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, ErrClosed
	}
	if l.local[nonLocal] != nil {
		return nil, fmt.Errorf("channels: %s is already delivered locally", nonLocal)
	}
	l.local[nonLocal] = r
	if q := l.queues[nonLocal]; q != nil { // what was sent before
		for now := time.Now(); q.len() > 0; {
			e := q.items[q.head]
			q.items[q.head] = memEntry{}
			q.head++
			if now.Before(e.expires) {
				r.Deliver(e.channel, e.contentOf(), true)
			}
		}
		q.items, q.head = q.items[:0], 0
	}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.local, nonLocal)
	}, nil
}
