package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gochannels/channels-jsonrpc/jsonrpc"
)

var _ jsonrpc.Observer = (*Metrics)(nil)

// UnknownMethod is the method label of the calls that name no registered
// method, and of payloads that are no request at all.
const UnknownMethod = "(unknown)"

// The outcome label of a call: ok, or what its error code means.
var outcomes = []struct {
	code  jsonrpc.Code
	label string
}{
	{0, "ok"},
	{jsonrpc.CodeParseError, "parse_error"},
	{jsonrpc.CodeInvalidRequest, "invalid_request"},
	{jsonrpc.CodeMethodNotFound, "method_not_found"},
	{jsonrpc.CodeInvalidParams, "invalid_params"},
	{jsonrpc.CodeInternalError, "internal_error"},
	{jsonrpc.CodeCallTimeout, "timeout"},
	{1, "error"}, // any other code: an application error
}

// Method implements jsonrpc.Observer: the counters of every outcome and
// the latency histogram of name are resolved here, once.
func (m *Metrics) Method(name string) func(code jsonrpc.Code, took time.Duration) {
	if name == "" {
		name = UnknownMethod
	}
	counters := make([]prometheus.Counter, len(outcomes))
	for i, o := range outcomes {
		counters[i] = m.calls.WithLabelValues(name, o.label)
	}
	latency := m.callDuration.WithLabelValues(name)
	appError := len(outcomes) - 1
	return func(code jsonrpc.Code, took time.Duration) {
		i := appError
		for j, o := range outcomes[:appError] {
			if o.code == code {
				i = j
				break
			}
		}
		counters[i].Inc()
		if took > 0 {
			latency.Observe(took.Seconds())
		}
	}
}
