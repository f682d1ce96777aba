package metrics

import (
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

var _ channels.Observer = (*Metrics)(nil)

func transportIndex(t channels.Transport) int {
	if t == channels.HTTP {
		return 1
	}
	return 0
}

// ConnectionOpened implements channels.Observer.
func (m *Metrics) ConnectionOpened(t channels.Transport) {
	i := transportIndex(t)
	m.connOpened[i].Inc()
	m.connOpen[i].Inc()
}

// ConnectionClosed implements channels.Observer.
func (m *Metrics) ConnectionClosed(t channels.Transport, code int) {
	i := transportIndex(t)
	m.connOpen[i].Dec()
	if i == 1 {
		m.httpClosed.inc(code)
	} else {
		m.wsClosed.inc(code)
	}
}

// kind keeps k within the arrays, whatever a caller passes.
func kind(k channels.Kind) channels.Kind {
	if int(k) >= kinds {
		return channels.KindOther
	}
	return k
}

// MessageSent implements channels.Observer.
func (m *Metrics) MessageSent(k channels.Kind) { m.sent.inc(k) }

// MessageReceived implements channels.Observer.
func (m *Metrics) MessageReceived(k channels.Kind) { m.received.inc(k) }

// MessageRefused implements channels.Observer.
func (m *Metrics) MessageRefused(k channels.Kind, full bool) {
	if full {
		m.refusedFull[kind(k)].Inc()
	} else {
		m.refusedError[kind(k)].Inc()
	}
}

// FullWait implements channels.Observer.
func (m *Metrics) FullWait(k channels.Kind, d time.Duration) {
	m.fullWait[kind(k)].Observe(d.Seconds())
}

// LayerError implements channels.Observer.
func (m *Metrics) LayerError() { m.layerErrors.Inc() }

// SlowClientCut implements channels.Observer.
func (m *Metrics) SlowClientCut() { m.slowCuts.Inc() }

// WorkerQueue implements channels.Observer.
func (m *Metrics) WorkerQueue(delta int) { m.workerQueue.Add(float64(delta)) }

// GroupSent implements channels.Observer.
func (m *Metrics) GroupSent(members int) { m.groupSize.Observe(float64(members)) }

// Drained implements channels.Observer.
func (m *Metrics) Drained(d time.Duration) { m.drain.Observe(d.Seconds()) }
