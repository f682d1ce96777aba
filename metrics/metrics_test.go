package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gochannels/channels-jsonrpc/jsonrpc"
)

// gather returns the registry's series as "name{k=v,...}" -> value (the
// sample count for histograms).
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			out[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = value(m)
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

func TestObserverCounts(t *testing.T) {
	m := New(Options{ConstLabels: prometheus.Labels{"role": "server"}})
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	// A second Metrics with other constant labels registers beside it.
	reg.MustRegister(New(Options{ConstLabels: prometheus.Labels{"role": "worker"}}))

	m.ConnectionOpened(channels.Websocket)
	m.ConnectionOpened(channels.Websocket)
	m.ConnectionClosed(channels.Websocket, 1000)
	m.ConnectionClosed(channels.Websocket, 4001) // outside the kept range
	m.ConnectionOpened(channels.HTTP)
	m.ConnectionClosed(channels.HTTP, 503)
	m.MessageSent(channels.KindOf("websocket.receive"))
	m.MessageReceived(channels.KindOf("server.response.abc!def"))
	m.MessageRefused(channels.KindOf("http.request"), true)
	m.MessageRefused(channels.KindOf("chat"), false)
	m.MessageSent(channels.Kind(200)) // an unknown kind counts as other
	m.FullWait(channels.KindReceive, 3*time.Millisecond)
	m.LayerError()
	m.SlowClientCut()
	m.WorkerQueue(3)
	m.WorkerQueue(-1)
	m.GroupSent(250)
	m.Drained(time.Second)

	got := gather(t, reg)
	want := map[string]float64{
		"channels_connections_opened_total{role=server,transport=websocket}":           2,
		"channels_connections_open{role=server,transport=websocket}":                   0,
		"channels_connections_closed_total{code=1000,role=server,transport=websocket}": 1,
		"channels_connections_closed_total{code=4001,role=server,transport=websocket}": 1,
		"channels_connections_closed_total{code=503,role=server,transport=http}":       1,
		"channels_connections_open{role=server,transport=http}":                        0,
		"channels_messages_sent_total{kind=websocket.receive,role=server}":             1,
		"channels_messages_sent_total{kind=other,role=server}":                         1,
		"channels_messages_received_total{kind=reply,role=server}":                     1,
		"channels_messages_refused_total{kind=http.request,reason=full,role=server}":   1,
		"channels_messages_refused_total{kind=other,reason=error,role=server}":         1,
		"channels_full_wait_seconds{kind=websocket.receive,role=server}":               1,
		"channels_layer_errors_total{role=server}":                                     1,
		"channels_slow_client_cutoffs_total{role=server}":                              1,
		"channels_worker_queue_depth{role=server}":                                     2,
		"channels_group_send_members{role=server}":                                     1,
		"channels_drain_duration_seconds{role=server}":                                 1,
		"channels_messages_sent_total{kind=websocket.receive,role=worker}":             0,
	}
	for series, v := range want {
		if g, ok := got[series]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", series, g, ok, v)
		}
	}
}

func TestCallOutcomes(t *testing.T) {
	m := New(Options{})
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	ping, unknown := m.Method("ping"), m.Method("")
	ping(0, time.Millisecond)
	ping(jsonrpc.CodeInvalidParams, 0) // did not run: no latency
	ping(jsonrpc.CodeCallTimeout, 30*time.Second)
	ping(-32099, time.Millisecond) // an application's own code
	ping(7, time.Millisecond)
	unknown(jsonrpc.CodeMethodNotFound, 0)
	unknown(jsonrpc.CodeParseError, 0)

	got := gather(t, reg)
	want := map[string]float64{
		"channels_jsonrpc_calls_total{method=ping,outcome=ok}":                    1,
		"channels_jsonrpc_calls_total{method=ping,outcome=invalid_params}":        1,
		"channels_jsonrpc_calls_total{method=ping,outcome=timeout}":               1,
		"channels_jsonrpc_calls_total{method=ping,outcome=error}":                 2,
		"channels_jsonrpc_calls_total{method=ping,outcome=internal_error}":        0,
		"channels_jsonrpc_calls_total{method=(unknown),outcome=method_not_found}": 1,
		"channels_jsonrpc_calls_total{method=(unknown),outcome=parse_error}":      1,
		"channels_jsonrpc_call_duration_seconds{method=ping}":                     4,
		"channels_jsonrpc_call_duration_seconds{method=(unknown)}":                0,
	}
	for series, v := range want {
		if g, ok := got[series]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", series, g, ok, v)
		}
	}
}

func TestObservingDoesNotAllocate(t *testing.T) {
	m := New(Options{})
	call := m.Method("ping")
	m.ConnectionClosed(channels.HTTP, 200) // resolves the series
	allocs := testing.AllocsPerRun(100, func() {
		m.ConnectionOpened(channels.HTTP)
		m.MessageSent(channels.KindRequest)
		m.MessageReceived(channels.KindReply)
		m.ConnectionClosed(channels.HTTP, 200)
		call(0, time.Millisecond)
	})
	if allocs != 0 {
		t.Errorf("observing a request allocates %v times, want 0", allocs)
	}
}
