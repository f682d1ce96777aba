package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"
)

// Report is what one scenario measured, as metrics in the order they were
// added. It prints as a table of one line per metric, or as one JSON
// object with the same numbers.
type Report struct {
	scenario string
	metrics  []metric
}

// metric is one measured value. value is an int64, an int, a float64, a
// bool, a string, a time.Duration or Counts.
type metric struct {
	key   string // the JSON key, in snake_case
	label string // the table's words for it
	value any
}

func newReport(scenario string) *Report { return &Report{scenario: scenario} }

// add appends a metric.
func (r *Report) add(key, label string, value any) {
	r.metrics = append(r.metrics, metric{key: key, label: label, value: value})
}

// addRate adds the answers per second from start to the last answer, and
// their latency.
func (r *Report) addRate(start, lastAnswer time.Time, latency *Histogram) {
	var elapsed time.Duration
	if !lastAnswer.IsZero() {
		elapsed = lastAnswer.Sub(start)
	}
	r.add("rps", "answers per second", perSecond(int64(latency.Count()), elapsed))
	r.addLatency("latency", "latency", latency)
}

// addLatency appends the median, 99th percentile and maximum of h.
func (r *Report) addLatency(key, label string, h *Histogram) {
	r.add(key+"_p50", label+" p50", h.Percentile(0.50))
	r.add(key+"_p99", label+" p99", h.Percentile(0.99))
	r.add(key+"_max", label+" max", h.Max())
}

// addNote appends a remark, such as a warning about the machine's limits,
// when it is not empty.
func (r *Report) addNote(key, note string) {
	if note != "" {
		r.add(key, "note", note)
	}
}

// include appends the metrics of section, its keys and labels prefixed
// with name: the HTTP load that runs beside a WebSocket load, say.
func (r *Report) include(name string, section *Report) {
	for _, m := range section.metrics {
		r.add(name+"_"+m.key, name+": "+m.label, m.value)
	}
}

// labelWidth aligns the table's values.
const labelWidth = 44

// writeTable prints the report as a table: a title line, then one line per
// metric.
func (r *Report) writeTable(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "== %s ==\n", r.scenario)
	for _, m := range r.metrics {
		fmt.Fprintf(&b, "  %-*s %s\n", labelWidth, m.label, tableValue(m.value))
	}
	_, err := w.Write(b.Bytes())
	return err
}

func tableValue(v any) string {
	switch v := v.(type) {
	case time.Duration:
		return formatDuration(v)
	case float64:
		return fmt.Sprintf("%.1f", v)
	case Counts:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

// formatDuration prints d with a unit that suits its size.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.3fs", d.Seconds())
	}
}

// writeJSON prints the report as one JSON object on one line: "scenario"
// first, then the metrics in order.
func (r *Report) writeJSON(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString(`{"scenario":`)
	writeJSONValue(&b, r.scenario)
	for _, m := range r.metrics {
		key, value := jsonMetric(m)
		b.WriteByte(',')
		writeJSONValue(&b, key)
		b.WriteByte(':')
		writeJSONValue(&b, value)
	}
	b.WriteString("}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// jsonMetric gives a metric's key and value in JSON: durations in
// milliseconds (to the microsecond) under their key with "_ms" appended,
// rates to one decimal as the table prints them, counts as objects.
func jsonMetric(m metric) (string, any) {
	switch v := m.value.(type) {
	case time.Duration:
		return m.key + "_ms", math.Round(float64(v)/float64(time.Microsecond)) / 1000
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return m.key, nil
		}
		return m.key, math.Round(v*10) / 10
	case Counts:
		if v == nil {
			return m.key, Counts{} // {} rather than null
		}
	}
	return m.key, m.value
}

// writeJSONValue encodes one value; the values of a Report always encode.
func writeJSONValue(b *bytes.Buffer, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		data = []byte("null")
	}
	b.Write(data)
}
