package metrics

import (
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// Options configures Metrics. The zero value gives the defaults.
type Options struct {
	// Namespace starts every metric name (default "channels").
	Namespace string
	// ConstLabels are added to every metric (a deployment or role name).
	ConstLabels prometheus.Labels
	// CallBuckets are the buckets, in seconds, of the JSON-RPC call latency
	// histogram (default 100 µs to 6.5 s, by powers of 4).
	CallBuckets []float64
}

// Metrics counts what servers, workers, layers and JSON-RPC consumers do.
// It is a prometheus.Collector: register it with the registry you serve
// (the package writes to no global registry). It implements
// channels.Observer and jsonrpc.Observer: set it as the Observer of the
// ServerConfig, WorkerConfig, layer config and jsonrpc.Options whose work
// it should count. Every series is resolved before it is counted, so that
// observing costs no allocation and no label lookup.
type Metrics struct {
	collectors []prometheus.Collector

	connOpen     [2]prometheus.Gauge // by transport: websocket, http
	connOpened   [2]prometheus.Counter
	wsClosed     *codeCounters
	httpClosed   *codeCounters
	sent         *kindCounter
	received     *kindCounter
	refusedFull  []prometheus.Counter
	refusedError []prometheus.Counter
	fullWait     []prometheus.Observer
	layerErrors  prometheus.Counter
	slowCuts     prometheus.Counter
	workerQueue  prometheus.Gauge
	groupSize    prometheus.Observer
	drain        prometheus.Observer

	calls        *prometheus.CounterVec // method, outcome
	callDuration *prometheus.HistogramVec
}

// kinds is the number of channels.Kind values.
var kinds = len(channels.Kinds())

// New returns the metrics, every counter at zero.
func New(opts Options) *Metrics {
	if opts.Namespace == "" {
		opts.Namespace = "channels"
	}
	if opts.CallBuckets == nil {
		opts.CallBuckets = prometheus.ExponentialBuckets(0.0001, 4, 9)
	}
	m := &Metrics{}
	f := factory{m: m, ns: opts.Namespace, labels: opts.ConstLabels}

	open := f.gaugeVec("connections_open", "Connections open now, by transport.", "transport")
	opened := f.counterVec("connections_opened_total", "Connections opened: WebSockets accepted, HTTP requests read.", "transport")
	closed := f.counterVec("connections_closed_total", "Connections closed, by transport and code: the WebSocket close code (1006: lost), or the HTTP status answered (499: the client left first).", "transport", "code")
	for i, t := range []channels.Transport{channels.Websocket, channels.HTTP} {
		m.connOpen[i] = open.WithLabelValues(string(t))
		m.connOpened[i] = opened.WithLabelValues(string(t))
	}
	m.wsClosed = newCodeCounters(closed, string(channels.Websocket), 1000, 1016)
	m.httpClosed = newCodeCounters(closed, string(channels.HTTP), 100, 600)

	m.sent = f.kindCounter("messages_sent_total", "Messages put on a channel, by kind of channel.")
	m.received = f.kindCounter("messages_received_total", "Messages taken from a channel, by kind of channel.")
	refused := f.counterVec("messages_refused_total", "Messages not sent, by kind of channel and reason: full (still full when the wait for room ended) or error (the layer failed).", "kind", "reason")
	fullWait := f.histogramVec("full_wait_seconds", "Waits for room on a full channel, by kind of channel.", prometheus.ExponentialBuckets(0.001, 4, 8), "kind")
	m.refusedFull, m.refusedError = make([]prometheus.Counter, kinds), make([]prometheus.Counter, kinds)
	m.fullWait = make([]prometheus.Observer, kinds)
	for _, k := range channels.Kinds() {
		m.refusedFull[k] = refused.WithLabelValues(k.String(), "full")
		m.refusedError[k] = refused.WithLabelValues(k.String(), "error")
		m.fullWait[k] = fullWait.WithLabelValues(k.String())
	}
	m.layerErrors = f.counter("layer_errors_total", "Failed receives from the layer by a server's or a worker's receive loop.")
	m.slowCuts = f.counter("slow_client_cutoffs_total", "Clients cut off because they did not take their frames (close 1008).")
	m.workerQueue = f.gauge("worker_queue_depth", "Messages a worker holds behind a message of their connection being consumed.")
	m.groupSize = f.histogram("group_send_members", "Group sends, by the number of channels in the group.", prometheus.ExponentialBuckets(1, 10, 6))
	m.drain = f.histogram("drain_duration_seconds", "Server drains (shutdowns), by how long they took.", []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60})

	m.calls = f.counterVec("jsonrpc_calls_total", "JSON-RPC calls, by method and outcome ("+UnknownMethod+": no registered method).", "method", "outcome")
	m.callDuration = f.histogramVec("jsonrpc_call_duration_seconds", "Time JSON-RPC methods ran, by method.", opts.CallBuckets, "method")
	return m
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors {
		c.Collect(ch)
	}
}

// factory makes the vectors of one Metrics and keeps them for Collect.
type factory struct {
	m      *Metrics
	ns     string
	labels prometheus.Labels
}

func (f factory) opts(name, help string) prometheus.Opts {
	return prometheus.Opts{Namespace: f.ns, Name: name, Help: help, ConstLabels: f.labels}
}

func (f factory) keep(c prometheus.Collector) { f.m.collectors = append(f.m.collectors, c) }

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts(f.opts(name, help)), labels)
	f.keep(v)
	return v
}

func (f factory) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	v := prometheus.NewGaugeVec(prometheus.GaugeOpts(f.opts(name, help)), labels)
	f.keep(v)
	return v
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	o := f.opts(name, help)
	v := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: o.Namespace, Name: o.Name, Help: o.Help, ConstLabels: o.ConstLabels, Buckets: buckets,
	}, labels)
	f.keep(v)
	return v
}

func (f factory) counter(name, help string) prometheus.Counter {
	return f.counterVec(name, help).WithLabelValues()
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	return f.gaugeVec(name, help).WithLabelValues()
}

func (f factory) histogram(name, help string, buckets []float64) prometheus.Observer {
	return f.histogramVec(name, help, buckets).WithLabelValues()
}

// codeCounters are the counters of one transport's close codes: those in
// [lo, hi) are resolved once and kept, the others looked up each time.
type codeCounters struct {
	vec       *prometheus.CounterVec
	transport string
	lo        int
	slots     []atomic.Pointer[prometheus.Counter]
}

func newCodeCounters(vec *prometheus.CounterVec, transport string, lo, hi int) *codeCounters {
	return &codeCounters{vec: vec, transport: transport, lo: lo, slots: make([]atomic.Pointer[prometheus.Counter], hi-lo)}
}

func (c *codeCounters) inc(code int) {
	i := code - c.lo
	if i < 0 || i >= len(c.slots) {
		c.vec.WithLabelValues(c.transport, strconv.Itoa(code)).Inc()
		return
	}
	if p := c.slots[i].Load(); p != nil {
		(*p).Inc()
		return
	}
	counter := c.vec.WithLabelValues(c.transport, strconv.Itoa(code))
	c.slots[i].Store(&counter)
	counter.Inc()
}
