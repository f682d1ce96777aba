package jsonrpc

import (
	"reflect"
	"sync/atomic"
	"time"
)

// Observer is told about every call Dispatch answers, so that it can count
// them: the metrics package turns it into Prometheus metrics. Set it in
// Options.
type Observer interface {
	// Method returns the function that records the calls of the method
	// registered as name. The name "" stands for the calls that name no
	// registered method and for payloads that are no request at all, so
	// that what clients send cannot make up names. Dispatch asks once per
	// method and keeps the answer: a call costs no lookup. The function
	// runs on the hot path; code is 0 for a success, and took is how long
	// the method ran (0 when it did not run). Dispatch calls it before it
	// returns; the Consumer calls it for a lone request once its answer is
	// sent, so that the client does not wait for it.
	Method(name string) func(code Code, took time.Duration)
}

// recorder is an Observer's answer for one method, kept beside it.
type recorder struct {
	obs        Observer
	comparable bool // obs's type can be compared: it can be found again
	record     func(Code, time.Duration)
}

// recorderIn returns the record function of obs for name, from slot when
// it holds obs's answer, else asking obs and keeping the answer there.
func recorderIn(slot *atomic.Pointer[recorder], obs Observer, name string) func(Code, time.Duration) {
	if r := slot.Load(); r != nil && r.answers(obs) {
		return r.record
	}
	r := &recorder{obs: obs, comparable: reflect.TypeOf(obs).Comparable(), record: obs.Method(name)}
	slot.Store(r)
	return r.record
}

// answers reports whether r is obs's answer. Observers of a type that
// cannot be compared never are found again; comparing an interface holding
// a comparable type with any other never panics.
func (r *recorder) answers(obs Observer) bool {
	return r.comparable && r.obs == obs
}

// observe records a call of m (nil: no registered method) that ended with
// code after took, or holds the record in d.held.
func (d *dispatcher) observe(m *method, code Code, took time.Duration) {
	obs := d.opts.Observer
	if obs == nil {
		return
	}
	var record func(Code, time.Duration)
	switch {
	case m != nil:
		record = recorderIn(&m.recorder, obs, m.info.Name)
	case d.reg != nil:
		record = recorderIn(&d.reg.unknown, obs, "")
	default:
		record = obs.Method("")
	}
	if d.hold {
		d.held = observation{record: record, code: code, took: took}
		return
	}
	record(code, took)
}

// observation is the record of a lone call, held back until its answer is
// sent: the Observer's work does not delay the client.
type observation struct {
	record func(Code, time.Duration) // nil: nothing to record
	code   Code
	took   time.Duration
}

// done makes the record o holds, once.
func (o *observation) done() {
	if o.record != nil {
		o.record(o.code, o.took)
		o.record = nil
	}
}

// epoch is a fixed point of the monotonic clock: the time elapsed since it
// (time.Since reads the monotonic clock alone) times a call at half the
// cost of time.Now, which reads the wall clock too.
var epoch = time.Now()

func sinceEpoch() time.Duration { return time.Since(epoch) }
