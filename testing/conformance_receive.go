package channelstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// The Go API's channels and receives: new names, blocking, waking,
// cancelling, fairness, order and concurrency.

// testNewChannelProcessLocal: a plain pattern gives a new process-local name,
// "pattern.<id>!<suffix>", whose messages this layer receives on its
// non-local name.
func testNewChannelProcessLocal(s *suite) {
	const pattern = "test.foo"
	name := s.newChannel(pattern)
	if !strings.HasPrefix(name, pattern+".") || strings.Count(name, "!") != 1 || strings.HasSuffix(name, "!") {
		s.t.Errorf("NewChannel(%q) = %q, want %q", pattern, name, pattern+".<id>!<suffix>")
	}
	if err := channels.ValidateChannel(name); err != nil {
		s.t.Errorf("NewChannel(%q) made an invalid name: %v", pattern, err)
	}
	s.send(name, channels.Content{"value": "blue"})
	s.expect([]string{channels.NonLocalName(name)}, name, channels.Content{"value": "blue"})
}

// testNewChannelUnique: NewChannel never returns a name twice.
func testNewChannelUnique(s *suite) {
	seen := make(map[string]bool)
	for i := range 200 {
		pattern := "uniq"
		if i%2 == 0 {
			pattern = "uniq?"
		}
		name := s.newChannel(pattern)
		if seen[name] {
			s.t.Fatalf("NewChannel(%q) returned %q twice", pattern, name)
		}
		seen[name] = true
	}
}

// testReceiveNonBlocking: with a context that is already done, Receive
// returns a waiting message, or the context's error when none is waiting.
func testReceiveNonBlocking(s *suite) {
	s.expectNothing("nb_test")
	s.send("nb_test", channels.Content{"n": 1})
	ch, c, ok := s.receiveNow("nb_test")
	if !ok || ch != "nb_test" {
		s.t.Fatalf("Receive with a cancelled context did not return the waiting message")
	}
	s.checkContent(c, channels.Content{"n": 1})

	ctx, cancel := context.WithDeadline(s.ctx, time.Now().Add(-time.Second))
	defer cancel()
	if _, _, err := s.l.Receive(ctx, "nb_test"); !errors.Is(err, context.DeadlineExceeded) {
		s.t.Errorf("Receive past its deadline: %v, want context.DeadlineExceeded", err)
	}
}

// A received is what a goroutine's Receive returned.
type received struct {
	channel string
	content channels.Content
	err     error
}

// goReceive calls Receive in a new goroutine; its result arrives on the
// returned channel.
func (s *suite) goReceive(ctx context.Context, chans ...string) <-chan received {
	out := make(chan received, 1)
	go func() {
		ch, c, err := s.l.Receive(ctx, chans...)
		out <- received{ch, c, err}
	}()
	return out
}

// await waits for the result of goReceive.
func (s *suite) await(r <-chan received, what string) received {
	s.t.Helper()
	select {
	case got := <-r:
		return got
	case <-time.After(waitTimeout):
		s.t.Fatalf("%s: Receive did not return within %v", what, waitTimeout)
		return received{}
	}
}

// stillWaiting checks that a goReceive has not returned yet.
func (s *suite) stillWaiting(r <-chan received, what string) {
	s.t.Helper()
	select {
	case got := <-r:
		s.t.Fatalf("%s: Receive returned %q, %v, %v before any message was sent", what, got.channel, got.content, got.err)
	default:
	}
}

// testReceiveBlocksUntilSend: Receive waits for a later Send, on a normal,
// a process-local and a single-reader channel.
func testReceiveBlocksUntilSend(s *suite) {
	single := s.newChannel("wake?")
	for _, tc := range []struct{ recv, send string }{
		{"wake_test", "wake_test"},
		{"wake!", "wake!local"},
		{single, single},
	} {
		r := s.goReceive(s.ctx, "wake_other", tc.recv)
		s.settle()
		s.stillWaiting(r, tc.recv)
		s.send(tc.send, channels.Content{"to": tc.send})
		got := s.await(r, tc.recv)
		if got.err != nil || got.channel != tc.send {
			s.t.Errorf("blocked Receive(%q) = %q, %v; want %q", tc.recv, got.channel, got.err, tc.send)
			continue
		}
		s.checkContent(got.content, channels.Content{"to": tc.send})
	}
}

// testReceiveWakesEveryWaiter: as many sends as blocked receivers wake all of
// them, each with its own message.
func testReceiveWakesEveryWaiter(s *suite) {
	receivers := s.smallCapacity(5)
	var waiting []<-chan received
	for range receivers {
		waiting = append(waiting, s.goReceive(s.ctx, "many_test"))
	}
	s.settle()
	for i := range receivers {
		s.send("many_test", channels.Content{"n": i})
	}
	seen := make(map[int64]bool)
	for _, r := range waiting {
		got := s.await(r, "one of several receivers")
		if got.err != nil {
			s.t.Fatalf("Receive: %v", got.err)
		}
		i, _ := got.content.Int("n")
		if seen[i] {
			s.t.Errorf("message %d received twice", i)
		}
		seen[i] = true
	}
}

// testReceiveNoLostWakeup: a receiver woken for a message it then leaves on
// the channel (it took a message of another channel instead) must not leave
// other receivers of that channel asleep.
func testReceiveNoLostWakeup(s *suite) {
	for trial := range 8 {
		for range trial { // vary where a rotating layer starts its scan
			s.receiveNow("lw_a", "lw_b")
		}
		ctx, cancel := context.WithCancel(s.ctx)
		both := s.goReceive(ctx, "lw_a", "lw_b")
		s.settle()
		onlyA := s.goReceive(ctx, "lw_a")
		s.settle()
		s.send("lw_a", channels.Content{"to": "a"})
		s.send("lw_b", channels.Content{"to": "b"})
		first := s.await(both, "receiver of lw_a and lw_b")
		if first.err != nil {
			s.t.Fatalf("Receive(lw_a, lw_b): %v", first.err)
		}
		if first.channel == "lw_b" { // lw_a's message is onlyA's
			if got := s.await(onlyA, "receiver of lw_a"); got.err != nil || got.channel != "lw_a" {
				s.t.Fatalf("trial %d: Receive(lw_a) = %q, %v after its message was sent", trial, got.channel, got.err)
			}
		} else {
			s.expect([]string{"lw_b"}, "lw_b", channels.Content{"to": "b"})
			cancel()
			if got := s.await(onlyA, "receiver of lw_a"); got.err == nil {
				s.t.Fatalf("trial %d: Receive(lw_a) got %q, %v; one message was sent and taken", trial, got.channel, got.content)
			}
		}
		cancel()
	}
}

// testReceiveCancel: cancelling the context of a blocked Receive makes it
// return the context's error, and takes no message with it.
func testReceiveCancel(s *suite) {
	ctx, cancel := context.WithCancel(s.ctx)
	r := s.goReceive(ctx, "cancel_test", "cancel!")
	s.settle()
	s.stillWaiting(r, "cancel_test")
	cancel()
	if got := s.await(r, "cancelled receiver"); !errors.Is(got.err, context.Canceled) {
		s.t.Fatalf("cancelled Receive = %q, %v, %v; want context.Canceled", got.channel, got.content, got.err)
	}
	s.send("cancel_test", channels.Content{"after": "cancel"})
	s.expect([]string{"cancel_test"}, "cancel_test", channels.Content{"after": "cancel"})
}

// fairChannels and fairDepth shape testReceiveFair: with a fair layer, the
// chance that all fairDepth first receives come from one channel is
// fairChannels^(1-fairDepth), below one in a million.
const (
	fairChannels = 5
	fairDepth    = 10
)

func fairnessCapacity(f Features) string {
	if f.Capacity > 0 && f.Capacity < fairDepth {
		return fmt.Sprintf("Features.Capacity %d is below %d", f.Capacity, fairDepth)
	}
	return ""
}

// testReceiveFair: Receive on several busy channels does not serve one of
// them until it is empty, whichever end of the list it is at.
func testReceiveFair(s *suite) {
	var chans []string
	for i := range fairChannels {
		ch := fmt.Sprintf("fair_test%d", i)
		chans = append(chans, ch)
		for j := range fairDepth {
			s.send(ch, channels.Content{"n": j})
		}
	}
	counts := make(map[string]int)
	for range fairDepth {
		ch, _ := s.receive(chans...)
		counts[ch]++
	}
	if len(counts) == 1 {
		s.t.Errorf("the first %d receives from %q all came from %v: a busy channel starves the others", fairDepth, chans, counts)
	}
}

// testReceiveOrder: single-reader and process-local channels deliver the
// messages of one sender in order.
func testReceiveOrder(s *suite) {
	n := s.smallCapacity(20)
	single := s.newChannel("order?")
	for _, tc := range []struct{ recv, send string }{
		{single, single},
		{"order!", "order!local"},
		{"order_test", "order_test"},
	} {
		for i := range n {
			s.send(tc.send, channels.Content{"n": i})
		}
		for i := range n {
			_, c := s.receive(tc.recv)
			if got, _ := c.Int("n"); got != int64(i) {
				s.t.Fatalf("message %d from %q has n = %v, want %d: out of order", i, tc.send, c["n"], i)
			}
		}
	}
}

// testConcurrentSendReceive: concurrent senders and receivers, on a normal
// and a process-local channel, lose and duplicate nothing. Run with -race.
func testConcurrentSendReceive(s *suite) {
	ctx, cancel := context.WithTimeout(s.ctx, 3*waitTimeout)
	defer cancel()
	r := &concurrentRun{s: s, ctx: ctx, cancel: cancel, count: make(map[string]int),
		// Tokens keep the messages in flight below any capacity, so that no
		// Send fails with ErrChannelFull.
		tokens: make(chan struct{}, s.smallCapacity(8))}
	s.listen("conc_test")
	s.listen("conc!")
	var wg sync.WaitGroup
	for i := range concSenders {
		wg.Go(func() { r.send(i) })
	}
	for range concReceivers {
		wg.Go(r.receive)
	}
	wg.Wait()
	r.check()
}

const concSenders, concReceivers, concPerSender = 4, 4, 50

// concurrentRun is the state testConcurrentSendReceive's goroutines share.
type concurrentRun struct {
	s      *suite
	ctx    context.Context
	cancel context.CancelFunc
	tokens chan struct{}

	mu    sync.Mutex
	count map[string]int // receipts per message id
	total int
	errs  []error
}

func (r *concurrentRun) fail(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
	r.cancel()
}

// send sends sender i's messages, alternately on the normal and on a
// process-local channel.
func (r *concurrentRun) send(i int) {
	for j := range concPerSender {
		select {
		case r.tokens <- struct{}{}:
		case <-r.ctx.Done():
			r.fail(fmt.Errorf("sender %d stalled at message %d: %w", i, j, r.ctx.Err()))
			return
		}
		ch := "conc_test"
		if j%2 == 1 {
			ch = fmt.Sprintf("conc!s%d", i)
		}
		if err := r.s.l.Send(r.ctx, ch, channels.Content{"id": fmt.Sprintf("%d/%d", i, j)}); err != nil {
			r.fail(fmt.Errorf("Send(%q): %w", ch, err))
			return
		}
	}
}

// receive counts what it receives until every message has been received.
func (r *concurrentRun) receive() {
	for {
		_, c, err := r.s.l.Receive(r.ctx, "conc_test", "conc!")
		if err != nil {
			r.mu.Lock()
			done := r.total == concSenders*concPerSender
			r.mu.Unlock()
			if !done {
				r.fail(fmt.Errorf("Receive: %w", err))
			}
			return
		}
		<-r.tokens
		r.mu.Lock()
		r.count[c.String("id")]++
		r.total++
		if r.total == concSenders*concPerSender {
			r.cancel()
		}
		r.mu.Unlock()
	}
}

// check reports errors, and every message not received exactly once.
func (r *concurrentRun) check() {
	t := r.s.t
	for _, err := range r.errs {
		t.Error(err)
	}
	for i := range concSenders {
		for j := range concPerSender {
			if id := fmt.Sprintf("%d/%d", i, j); r.count[id] != 1 {
				t.Errorf("message %s received %d times, want 1", id, r.count[id])
			}
		}
	}
	if r.total != concSenders*concPerSender {
		t.Errorf("received %d messages, want %d", r.total, concSenders*concPerSender)
	}
}
