package metrics

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// kindCounter is a counter by kind of channel whose counts lie side by
// side, for the counts every message makes: a count touches one cache
// line and no counter object, and is exported as the collector is read.
type kindCounter struct {
	desc   *prometheus.Desc
	counts []atomic.Uint64 // by channels.Kind
}

func (f factory) kindCounter(name, help string) *kindCounter {
	desc := prometheus.NewDesc(prometheus.BuildFQName(f.ns, "", name), help, []string{"kind"}, f.labels)
	c := &kindCounter{desc: desc, counts: make([]atomic.Uint64, kinds)}
	f.keep(c)
	return c
}

// inc counts one message of kind k (other when k is unknown).
func (c *kindCounter) inc(k channels.Kind) { c.counts[kind(k)].Add(1) }

// Describe implements prometheus.Collector.
func (c *kindCounter) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *kindCounter) Collect(ch chan<- prometheus.Metric) {
	for _, k := range channels.Kinds() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(c.counts[k].Load()), k.String())
	}
}
