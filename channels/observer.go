package channels

import (
	"strings"
	"time"
)

// Observer is told what interface servers, workers and layers do, so that
// it can count it: the metrics package turns it into Prometheus metrics.
// Set it in ServerConfig, WorkerConfig and MemoryConfig (or the Redis
// layer's config); nil observes nothing.
//
// Its methods run on the hot path, in the goroutines doing the work: they
// must be quick, must not block, and should not allocate. Embed NopObserver
// to implement only some of them.
type Observer interface {
	// ConnectionOpened: a WebSocket was accepted (after its handshake), or
	// an HTTP request was read.
	ConnectionOpened(t Transport)
	// ConnectionClosed: a WebSocket ended with close code (1006 when the
	// connection was lost without a close frame), or an HTTP request was
	// answered with status code.
	ConnectionClosed(t Transport, code int)
	// MessageSent: a message was put on a channel of kind.
	MessageSent(kind Kind)
	// MessageReceived: a message was taken from a channel of kind.
	MessageReceived(kind Kind)
	// MessageRefused: a message for a channel of kind was not sent: the
	// channel was still full when the wait for room ended (full), or the
	// layer failed (unreachable, closed, content it cannot carry).
	MessageRefused(kind Kind, full bool)
	// FullWait: a sender waited d for room on a full channel of kind.
	FullWait(kind Kind, d time.Duration)
	// LayerError: the receive loop of a server or worker failed.
	LayerError()
	// SlowClientCut: a client that did not take its frames was cut off.
	SlowClientCut()
	// WorkerQueue: the messages a worker holds behind a message of their
	// connection grew or shrank by delta.
	WorkerQueue(delta int)
	// GroupSent: a group send went out to members channels.
	GroupSent(members int)
	// Drained: a server's drain took d.
	Drained(d time.Duration)
}

// Transport is how a client reached the interface server.
type Transport string

// The transports of the interface server.
const (
	Websocket Transport = "websocket"
	HTTP      Transport = "http"
)

// Kind classifies channel names for metrics: the channels an interface
// server sends to, reply channels, and the others.
type Kind uint8

// The kinds of channel. KindReply is any process-local or single-reader
// name ("x!y", "x?y"): reply channels and group members.
const (
	KindOther Kind = iota
	KindConnect
	KindReceive
	KindDisconnect
	KindRequest
	KindEvent
	KindReply
	kinds // the number of kinds
)

var kindNames = [kinds]string{
	KindOther:      "other",
	KindConnect:    "websocket.connect",
	KindReceive:    "websocket.receive",
	KindDisconnect: "websocket.disconnect",
	KindRequest:    "http.request",
	KindEvent:      EventChannel,
	KindReply:      "reply",
}

// Kinds lists every Kind, for observers that resolve their counters ahead.
func Kinds() []Kind {
	out := make([]Kind, kinds)
	for i := range out {
		out[i] = Kind(i)
	}
	return out
}

// String is the kind's label: the channel name, "reply" or "other".
func (k Kind) String() string {
	if k < kinds {
		return kindNames[k]
	}
	return kindNames[KindOther]
}

// KindOf returns the kind of a channel name.
func KindOf(channel string) Kind {
	switch channel {
	case "websocket.receive":
		return KindReceive
	case "websocket.connect":
		return KindConnect
	case "websocket.disconnect":
		return KindDisconnect
	case "http.request":
		return KindRequest
	case EventChannel:
		return KindEvent
	}
	if strings.ContainsAny(channel, "!?") {
		return KindReply
	}
	return KindOther
}

// NopObserver observes nothing; embed it in an Observer that implements
// only some of the methods.
type NopObserver struct{}

func (NopObserver) ConnectionOpened(Transport)      {}
func (NopObserver) ConnectionClosed(Transport, int) {}
func (NopObserver) MessageSent(Kind)                {}
func (NopObserver) MessageReceived(Kind)            {}
func (NopObserver) MessageRefused(Kind, bool)       {}
func (NopObserver) FullWait(Kind, time.Duration)    {}
func (NopObserver) LayerError()                     {}
func (NopObserver) SlowClientCut()                  {}
func (NopObserver) WorkerQueue(int)                 {}
func (NopObserver) GroupSent(int)                   {}
func (NopObserver) Drained(time.Duration)           {}

// observerOr returns o, or a NopObserver when o is nil.
func observerOr(o Observer) Observer {
	if o == nil {
		return NopObserver{}
	}
	return o
}
