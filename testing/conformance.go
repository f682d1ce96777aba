package channelstest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// Features describes the layer under test to [TestLayer]: how it is
// configured and how the suite controls its clock. The zero value runs every
// subtest that needs neither a known capacity nor a clock.
type Features struct {
	// Capacity is the layer's capacity for the channels the suite uses
	// (names such as "cap_test" and "capp!1", which must not match a
	// per-channel override). Zero means unknown: the capacity subtests are
	// skipped and the others put at most 10 messages in a channel.
	Capacity int

	// Expiry is how long the layer keeps an unread message. Zero skips the
	// message expiry subtest.
	Expiry time.Duration

	// GroupExpiry is how long a group membership lasts after its last
	// GroupAdd. Zero skips the group expiry subtest.
	GroupExpiry time.Duration

	// Advance moves the layer's clock forward by d: time.Sleep when the
	// suite runs in synctest bubbles, or a function that moves the clock of
	// a simulated server (miniredis's FastForward). Nil skips the expiry
	// subtests. The suite advances one second past an expiry before it
	// checks that something expired, which allows for layers that count
	// whole seconds. Subtests run one at a time, so Advance may act on the
	// layer the factory made last.
	Advance func(d time.Duration)

	// Run, if set, runs the body of each subtest, which makes the layer,
	// tests it and cleans it up. Pass synctest.Test to run each subtest in
	// its own bubble, with a fake clock. The suite calls t.Run itself,
	// outside any bubble, since a bubble must not call it.
	Run func(t *testing.T, body func(t *testing.T))

	// Listen, if set, is called with each channel before the suite sends to
	// it or adds it to a group, for layers that deliver only to a process
	// already listening when a message is sent (Redis pub/sub): such a layer
	// makes the process listen to the channel, and returns once it does.
	Listen func(l channels.Layer, channel string)

	// Settle, if set, returns once the goroutines a subtest started are
	// blocked, so that the subtest can check that a receiver is waiting
	// before it sends. Pass synctest.Wait together with Run: synctest.Test.
	// Without Settle those checks are weaker but still sound.
	Settle func()
}

// TestLayer runs the layer conformance suite as subtests of t. newLayer
// returns a new, empty layer each time it is called and may register its
// cleanup with t.Cleanup; f describes that layer. See the package
// documentation for examples.
//
// The subtests named after asgiref 1.1's conformance tests (test_send_recv is
// SendRecv, and so on) check the same behaviour through the Go API. The
// others check what the Go API adds: blocking receives, contexts, fairness,
// concurrency and the canonical form of content.
func TestLayer(t *testing.T, newLayer func(t *testing.T) channels.Layer, f Features) {
	for _, st := range subtests {
		t.Run(st.name, func(t *testing.T) {
			if st.check != nil {
				if why := st.check(f); why != "" {
					t.Skip(why)
				}
			}
			// A bubble's t must not skip the test: the reason is carried out.
			var missing string
			f.run(t, func(t *testing.T) {
				l := newLayer(t)
				if l == nil {
					t.Fatal("newLayer returned a nil layer")
				}
				if missing = st.needs.missing(l); missing != "" {
					return
				}
				s := &suite{t: t, l: l, f: f, ctx: t.Context()}
				if fl, ok := l.(channels.Flusher); ok {
					if err := fl.Flush(s.ctx); err != nil {
						t.Fatalf("Flush before the subtest: %v", err)
					}
				}
				st.run(s)
			})
			if missing != "" {
				t.Skip(missing)
			}
		})
	}
}

func (f Features) run(t *testing.T, body func(t *testing.T)) {
	if f.Run != nil {
		f.Run(t, body)
		return
	}
	body(t)
}

// A subtest is one test of the suite.
type subtest struct {
	name  string
	needs extensions            // optional interfaces the layer must have
	check func(Features) string // why f cannot run it, or ""
	run   func(s *suite)
}

// subtests is the suite, in the order it runs.
var subtests = append(asgiSubtests, goSubtests...)

type extensions uint

const (
	needGroups extensions = 1 << iota
	needLister
	needFlush
)

func (e extensions) missing(l channels.Layer) string {
	if _, ok := l.(channels.GroupLayer); e&needGroups != 0 && !ok {
		return "layer is not a channels.GroupLayer"
	}
	if _, ok := l.(channels.GroupLister); e&needLister != 0 && !ok {
		return "layer is not a channels.GroupLister"
	}
	if _, ok := l.(channels.Flusher); e&needFlush != 0 && !ok {
		return "layer is not a channels.Flusher"
	}
	return ""
}

func needCapacity(min int) func(Features) string {
	return func(f Features) string {
		switch {
		case f.Capacity <= 0:
			return "Features.Capacity is not set"
		case f.Capacity < min:
			return fmt.Sprintf("Features.Capacity %d is below %d", f.Capacity, min)
		}
		return ""
	}
}

// waitTimeout bounds every wait for a message that should arrive. Inside a
// synctest bubble it is fake time; otherwise it is only reached on failure.
const waitTimeout = 10 * time.Second

// A suite is the state of one running subtest.
type suite struct {
	t   *testing.T
	l   channels.Layer
	f   Features
	ctx context.Context
}

func (s *suite) groups() channels.GroupLayer { return s.l.(channels.GroupLayer) }

// settle lets the goroutines started by the subtest block, if it can.
func (s *suite) settle() {
	if s.f.Settle != nil {
		s.f.Settle()
	}
}

// unknownCapacity is the capacity the suite assumes when Features.Capacity
// is zero: that of asgiref's in-memory layer.
const unknownCapacity = 10

// smallCapacity is how many messages, up to want, a subtest may put in one
// channel.
func (s *suite) smallCapacity(want int) int {
	limit := s.f.Capacity
	if limit <= 0 {
		limit = unknownCapacity
	}
	return min(want, limit)
}

// listen tells the layer that channel is about to be sent to (see
// Features.Listen).
func (s *suite) listen(channel string) {
	if s.f.Listen != nil {
		s.f.Listen(s.l, channel)
	}
}

func (s *suite) send(channel string, c channels.Content) {
	s.t.Helper()
	s.listen(channel)
	if err := s.l.Send(s.ctx, channel, c); err != nil {
		s.t.Fatalf("Send(%q, %v): %v", channel, c, err)
	}
}

func (s *suite) groupAdd(group, channel string) {
	s.t.Helper()
	s.listen(channel)
	if err := s.groups().GroupAdd(s.ctx, group, channel); err != nil {
		s.t.Fatalf("GroupAdd(%q, %q): %v", group, channel, err)
	}
}

func (s *suite) groupDiscard(group, channel string) {
	s.t.Helper()
	if err := s.groups().GroupDiscard(s.ctx, group, channel); err != nil {
		s.t.Fatalf("GroupDiscard(%q, %q): %v", group, channel, err)
	}
}

func (s *suite) groupSend(group string, c channels.Content) {
	s.t.Helper()
	if err := s.groups().GroupSend(s.ctx, group, c); err != nil {
		s.t.Fatalf("GroupSend(%q, %v): %v", group, c, err)
	}
}

func (s *suite) newChannel(pattern string) string {
	s.t.Helper()
	name, err := s.l.NewChannel(s.ctx, pattern)
	if err != nil {
		s.t.Fatalf("NewChannel(%q): %v", pattern, err)
	}
	return name
}

// receive waits for a message on any of chans.
func (s *suite) receive(chans ...string) (string, channels.Content) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, waitTimeout)
	defer cancel()
	ch, c, err := s.l.Receive(ctx, chans...)
	if err != nil {
		s.t.Fatalf("Receive(%q): %v", chans, err)
	}
	if c == nil {
		s.t.Fatalf("Receive(%q) returned channel %q with nil content", chans, ch)
	}
	return ch, c
}

// receiveNow takes a waiting message without blocking: it calls Receive with
// a context that is already cancelled.
func (s *suite) receiveNow(chans ...string) (ch string, c channels.Content, ok bool) {
	s.t.Helper()
	ctx, cancel := context.WithCancel(s.ctx)
	cancel()
	ch, c, err := s.l.Receive(ctx, chans...)
	switch {
	case err == nil:
		return ch, c, true
	case errors.Is(err, context.Canceled):
		return "", nil, false
	}
	s.t.Fatalf("Receive(%q) with a cancelled context: %v, want nil or context.Canceled", chans, err)
	return "", nil, false
}

// expect receives from chans and checks the channel and content.
func (s *suite) expect(chans []string, wantChannel string, want channels.Content) {
	s.t.Helper()
	ch, got := s.receive(chans...)
	if ch != wantChannel {
		s.t.Errorf("Receive(%q) channel = %q, want %q", chans, ch, wantChannel)
	}
	s.checkContent(got, want)
}

// expectNothing checks that no message is waiting on chans.
func (s *suite) expectNothing(chans ...string) {
	s.t.Helper()
	if ch, c, ok := s.receiveNow(chans...); ok {
		s.t.Errorf("Receive(%q) = %q, %v; want no message", chans, ch, c)
	}
}

// checkContent compares received content with what was sent, after
// normalising both: the layer may hand back its own copy in any
// representation of the same ASGI value.
func (s *suite) checkContent(got, want channels.Content) {
	s.t.Helper()
	if got.Has(channels.ReservedKey) {
		s.t.Errorf("received content has the reserved key %q: %v", channels.ReservedKey, got)
	}
	if g, w := normalize(got), normalize(want); !reflect.DeepEqual(g, w) {
		s.t.Errorf("received content\n\t%#v\nwant\n\t%#v", g, w)
	}
}

// checkNameError checks that err reports the invalid name: it matches
// channels.ErrInvalidName and quotes the name.
func (s *suite) checkNameError(call string, err error, name string) {
	s.t.Helper()
	switch {
	case err == nil:
		s.t.Errorf("%s: no error, want one matching channels.ErrInvalidName", call)
	case !errors.Is(err, channels.ErrInvalidName):
		s.t.Errorf("%s: %v, want an error matching channels.ErrInvalidName", call, err)
	case !strings.Contains(err.Error(), name) && !strings.Contains(err.Error(), strconv.Quote(name)):
		s.t.Errorf("%s: error %q does not name %q", call, err, name)
	}
}

// normalize maps v to one representation of its ASGI value: maps to
// map[string]any, lists to []any, integers to int64 and floats to float64.
// Bytes and strings stay distinct.
func normalize(v any) any {
	switch v := v.(type) {
	case nil, bool, string, int64, float64:
		return v
	case []byte:
		return append([]byte{}, v...)
	case channels.Content:
		return normalize(map[string]any(v))
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if u := rv.Uint(); u <= 1<<63-1 {
			return int64(u)
		}
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	case reflect.Slice:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	}
	return v
}

// asMap returns v as a map, whatever map type the layer delivered.
func asMap(v any) (map[string]any, bool) {
	switch v := v.(type) {
	case map[string]any:
		return v, true
	case channels.Content:
		return v, true
	}
	return nil, false
}
