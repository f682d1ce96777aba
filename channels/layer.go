package channels

import (
	"context"
	"errors"
	"strconv"
)

// Layer is a channel layer: the transport between interface servers and
// workers. Implementations are safe for concurrent use.
type Layer interface {
	// Send puts content on a channel. It never blocks on the receiver: a
	// channel at capacity fails at once with an error matching
	// ErrChannelFull. The layer keeps its own copy of content, so changing it
	// after Send returns changes nothing that is delivered.
	Send(ctx context.Context, channel string, content Content) error

	// Receive waits for the next message on any of channels and returns the
	// channel it was sent to and its content. A process-local name ("x!")
	// receives the messages of every "x!local" channel, and the full name is
	// returned. Channels are served fairly. Receive blocks until a message
	// arrives or ctx is done; when ctx is already done it still returns a
	// message that is waiting, and ctx.Err() only when none is.
	Receive(ctx context.Context, channels ...string) (channel string, content Content, err error)

	// NewChannel returns a new unique channel name. A pattern ending in '?'
	// gives a single-reader channel (the pattern plus a random suffix); any
	// other valid name gives a process-local channel "pattern.<id>!<suffix>"
	// that this layer's process receives on NonLocalName(name).
	NewChannel(ctx context.Context, pattern string) (string, error)
}

// GroupLayer is a Layer with the ASGI "groups" extension.
type GroupLayer interface {
	Layer
	// GroupAdd adds channel to group; adding twice refreshes the membership.
	GroupAdd(ctx context.Context, group, channel string) error
	// GroupDiscard removes channel from group; it is not an error if absent.
	GroupDiscard(ctx context.Context, group, channel string) error
	// GroupSend sends content to every member of group. A member at capacity
	// is skipped: GroupSend never fails with ErrChannelFull.
	GroupSend(ctx context.Context, group string, content Content) error
}

// GroupLister is implemented by layers that can list a group's members.
type GroupLister interface {
	GroupChannels(ctx context.Context, group string) ([]string, error)
}

// Flusher is implemented by layers with the ASGI "flush" extension: Flush
// drops every message and every group.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Closer is implemented by layers that hold resources. After Close, calls
// fail with ErrClosed.
type Closer interface {
	Close() error
}

// LocalReceiver takes the messages of process-local channels from a
// DirectLayer (DeliverLocal), in the goroutine that sends them. Neither
// method may block or call the layer.
type LocalReceiver interface {
	// Deliver takes content sent to channel. When owned is set, content
	// was handed over (SendOwned, or queued by the layer) and the receiver
	// may keep it as it is; otherwise it belongs to the sender: copy what
	// you keep.
	Deliver(channel string, content Content, owned bool)
	// DeliverText takes a text frame sent to channel with SendText: the
	// content {"text": text}, without that map being built.
	DeliverText(channel, text string)
}

// DirectLayer is the hot path's one optional interface: a layer that can
// hand messages over inside one process without copies or extra goroutine
// switches. The interface server and the worker use it when their layer has
// it (the memory layer does); with any other layer they go through Layer
// alone, to the same effect. A type that embeds a DirectLayer to change
// what Send does must change SendOwned, SendText and ReceiveTaken too, or
// hide them.
type DirectLayer interface {
	Layer
	// SendOwned is Send for content that the caller hands over and never
	// touches again: the layer may keep it without a copy.
	SendOwned(ctx context.Context, channel string, content Content) error

	TextSender

	// ReceiveTaken is Receive of a Message, calling taken with it as it is
	// taken, in the order the layer hands messages out. The worker claims
	// the message's connection there, so that the messages of one
	// connection run in order without a lock around Receive. taken must not
	// block or call the layer. A message queued by HandOver may be received
	// as it was handed over, its content still unbuilt.
	ReceiveTaken(ctx context.Context, taken func(m *Message), channels ...string) (*Message, error)

	// DeliverLocal gives r every message sent to a channel whose non-local
	// name is nonLocal ("x!"), in send order, from now until stop is
	// called; messages already waiting are delivered first. The server
	// takes its replies this way, without a receive loop. Capacity does not
	// apply: the receiver bounds its own queue.
	DeliverLocal(nonLocal string, r LocalReceiver) (stop func(), err error)

	// ConsumeInline is the worker's side of HandOver: from now until stop
	// is called, HandOver of a message to one of channels, when none waits
	// there, may call consume with it in the sender's goroutine, outside
	// the layer's lock, instead of queueing it. consume returns false to
	// leave the message to the queue (the worker is busy). A call that
	// began before stop may still be running, or start, after it: consume
	// refuses once its worker stops.
	ConsumeInline(channels []string, consume func(m *Message) bool) (stop func(), err error)

	// HandOver is SendOwned of m's content to m.Channel from a sender that
	// lends its goroutine to the receiver: a consumer registered with
	// ConsumeInline may run m itself in it before HandOver returns, which
	// saves two goroutine switches per message, and the content need not
	// be built as a map (Message.Content), queued or not. The
	// interface server hands over what the goroutine reading a WebSocket
	// sends, so that a connection is not read while its message is
	// consumed, as its messages are consumed in order.
	HandOver(ctx context.Context, m *Message) error
}

// TextSender is implemented by layers that can send a text frame without
// building its content: SendText(ctx, channel, text) is Send(ctx, channel,
// Content{"text": text}), the reply Message.SendText sends (a JSON-RPC
// answer). The memory layer delivers it without a map, the Redis layer
// encodes it without one.
type TextSender interface {
	SendText(ctx context.Context, channel, text string) error
}

// Listener is implemented by layers that deliver a message only to the
// processes listening to its channel when it is sent (Redis pub/sub), and
// lose the others. Listen makes the process listen to channels from now on
// and returns once it does; a receiver then finds what was sent in between.
// Workers listen to their channels, and servers to their reply channels,
// before they serve.
type Listener interface {
	Listen(ctx context.Context, channels ...string) error
}

// RoomWaiter is implemented by layers that can tell a sender when a full
// channel may take a message again. Send still fails fast on a full channel;
// the interface server, which waits for room before it refuses a client,
// waits with WaitRoom instead of retrying with backoff when its layer has it.
type RoomWaiter interface {
	// WaitRoom returns nil when channel is below capacity, at once or once a
	// receiver takes a message; another sender may still take that room
	// first. It returns ctx.Err() when ctx is done first.
	WaitRoom(ctx context.Context, channel string) error
}

var (
	// ErrChannelFull is returned by Send when the channel is at capacity.
	ErrChannelFull = errors.New("channels: channel full")
	// ErrNoGroups is returned by the group helpers for a layer without groups.
	ErrNoGroups = errors.New("channels: layer does not support groups")
	// ErrClosed is returned by a layer, server or worker after it was closed.
	ErrClosed = errors.New("channels: closed")
	// ErrLayerUnavailable is matched by the errors of a layer whose backing
	// service cannot be reached (Redis down, timed out). The interface
	// server closes WebSockets with 1011 and answers HTTP with 503; the
	// JSON-RPC consumer answers -32603 without the details.
	ErrLayerUnavailable = errors.New("channels: layer unavailable")
)

// ChannelFullError is the error Send returns when a channel is at capacity; it
// matches ErrChannelFull.
type ChannelFullError struct {
	Channel  string
	Capacity int
}

func (e *ChannelFullError) Error() string {
	return "channels: channel " + e.Channel + " is full (capacity " + strconv.Itoa(e.Capacity) + ")"
}

// Is makes errors.Is(err, ErrChannelFull) true.
func (e *ChannelFullError) Is(target error) bool { return target == ErrChannelFull }
