package main

import (
	"context"
	"errors"
	"io"
	"maps"
	"math"
	"math/bits"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// Latencies are recorded into a log-linear histogram: each power of two is
// split into subBuckets equal buckets, so a bucket is at most 1/16 of its
// values wide and a percentile read at a bucket's middle is within about 3%.
// Recording is an index computation and an increment; each goroutine owns
// its histogram and the scenario merges them at the end.
const (
	subBucketBits = 4
	subBuckets    = 1 << subBucketBits
	// bucketCount covers every int64 nanosecond count.
	bucketCount = (64 - subBucketBits) * subBuckets
)

// Histogram counts durations. The zero value is empty and ready to use. It
// is not safe for concurrent use.
type Histogram struct {
	counts [bucketCount]uint64
	n      uint64
	max    time.Duration
}

// bucketIndex gives the bucket of a duration: values below subBuckets
// nanoseconds have a bucket each, and from there each power of two has
// subBuckets of them.
func bucketIndex(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBucketBits - 1
	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// bucketMiddle is the value a bucket stands for in percentiles.
func bucketMiddle(i int) time.Duration {
	if i < subBuckets {
		return time.Duration(i)
	}
	shift := i/subBuckets - 1
	low := uint64(i%subBuckets+subBuckets) << shift
	return time.Duration(low + (uint64(1)<<shift)/2)
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) {
	h.counts[bucketIndex(d)]++
	h.n++
	h.max = max(h.max, d)
}

// Merge adds every duration of o.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count is the number of durations recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest duration recorded, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Percentile gives the duration below which a fraction q (0 to 1) of the
// recorded ones fall; 0 when nothing was recorded.
func (h *Histogram) Percentile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n))) // nearest rank
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(bucketMiddle(i), h.max)
		}
	}
	return h.max
}

// Counts counts events by a label: an HTTP status, a close code, an error
// class. A nil Counts reads as empty; Add needs one made by make. It is not
// safe for concurrent use.
type Counts map[string]int64

// Add counts one event labelled label.
func (c Counts) Add(label string) { c[label]++ }

// AddCode counts one event labelled with a number.
func (c Counts) AddCode(code int) { c[strconv.Itoa(code)]++ }

// Merge adds the counts of o.
func (c Counts) Merge(o Counts) {
	for label, n := range o {
		c[label] += n
	}
}

// Total is the number of events of every label.
func (c Counts) Total() int64 {
	var total int64
	for _, n := range c {
		total += n
	}
	return total
}

// String lists the counts as "label=n" sorted by label, or "none".
func (c Counts) String() string {
	if len(c) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(c))
	for _, label := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, label+"="+strconv.FormatInt(c[label], 10))
	}
	return strings.Join(parts, " ")
}

// perSecond is a rate over elapsed, 0 when no time passed.
func perSecond(n int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(n) / elapsed.Seconds()
}

// durationStats summarizes a few durations that were kept whole (the calls
// in flight at a fault): their nearest-rank 99th percentile and maximum.
func durationStats(ds []time.Duration) (p99, longest time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	sorted := slices.Sorted(slices.Values(ds))
	rank := int(math.Ceil(0.99 * float64(len(sorted))))
	return sorted[max(rank, 1)-1], sorted[len(sorted)-1]
}

// The labels under which failures are counted are short and few, so that a
// report's counts stay readable: an HTTP status ("503"), a close code
// ("1013"), or an error class ("eof", "reset", "refused", "timeout").

// dialFailure labels a failed WebSocket handshake: the HTTP status when
// the server answered with one, else the error's class.
func dialFailure(resp *http.Response, err error) string {
	if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
		return strconv.Itoa(resp.StatusCode)
	}
	return errorClass(err)
}

// closeLabel labels how a socket ended for its reader: the close code the
// server sent (1006 when the connection dropped without one, as gorilla
// reports it), else the error's class.
func closeLabel(err error) string {
	if ce, ok := errors.AsType[*websocket.CloseError](err); ok {
		return strconv.Itoa(ce.Code)
	}
	return errorClass(err)
}

// closeCode is the close code the server sent, or 0 when err carries none.
func closeCode(err error) int {
	if ce, ok := errors.AsType[*websocket.CloseError](err); ok {
		return ce.Code
	}
	return 0
}

// errorClass labels a transport error.
func errorClass(err error) string {
	switch {
	case err == nil:
		return "none"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.EPIPE):
		return "broken-pipe"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too-many-open-files"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no-local-port"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, net.ErrClosed):
		return "closed"
	}
	return "other: " + lastPart(err.Error())
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

// lastPart keeps the end of an error message, which names the cause, at
// most 40 bytes of it.
func lastPart(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if len(msg) > 40 {
		msg = msg[:40]
	}
	return msg
}
