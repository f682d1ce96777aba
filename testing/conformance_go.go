package channelstest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// goSubtests check what the Go API adds to ASGI: contexts, blocking
// receives, concurrency, canonical content and name validation.
var goSubtests = []subtest{
	{name: "NewChannelProcessLocal", run: testNewChannelProcessLocal},
	{name: "NewChannelUnique", run: testNewChannelUnique},
	{name: "ReceiveNonBlocking", run: testReceiveNonBlocking},
	{name: "ReceiveBlocksUntilSend", run: testReceiveBlocksUntilSend},
	{name: "ReceiveWakesEveryWaiter", run: testReceiveWakesEveryWaiter},
	{name: "ReceiveNoLostWakeup", run: testReceiveNoLostWakeup},
	{name: "ReceiveCancel", run: testReceiveCancel},
	{name: "ReceiveFair", check: fairnessCapacity, run: testReceiveFair},
	{name: "ReceiveOrder", run: testReceiveOrder},
	{name: "ConcurrentSendReceive", run: testConcurrentSendReceive},
	{name: "BytesAndText", run: testBytesAndText},
	{name: "CanonicalValues", run: testCanonicalValues},
	{name: "InvalidContent", run: testInvalidContent},
	{name: "ReservedKey", run: testReservedKey},
	{name: "BadNames", run: testBadNames},
	{name: "LongestName", run: testLongestName},
	{name: "GroupMembership", needs: needGroups, run: testGroupMembership},
	{name: "GroupSendCopies", needs: needGroups, run: testGroupSendCopies},
}

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
	const senders, receivers, perSender = 4, 4, 50
	// Tokens keep the messages in flight below any capacity, so that no Send
	// fails with ErrChannelFull.
	tokens := make(chan struct{}, s.smallCapacity(8))
	ctx, cancel := context.WithTimeout(s.ctx, 3*waitTimeout)
	defer cancel()

	var (
		mu    sync.Mutex
		count = make(map[string]int)
		total int
		errs  []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
		cancel()
	}
	s.listen("conc_test")
	s.listen("conc!")
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for j := range perSender {
				select {
				case tokens <- struct{}{}:
				case <-ctx.Done():
					fail(fmt.Errorf("sender %d stalled at message %d: %w", i, j, ctx.Err()))
					return
				}
				ch := "conc_test"
				if j%2 == 1 {
					ch = fmt.Sprintf("conc!s%d", i)
				}
				if err := s.l.Send(ctx, ch, channels.Content{"id": fmt.Sprintf("%d/%d", i, j)}); err != nil {
					fail(fmt.Errorf("Send(%q): %w", ch, err))
					return
				}
			}
		})
	}
	for range receivers {
		wg.Go(func() {
			for {
				_, c, err := s.l.Receive(ctx, "conc_test", "conc!")
				if err != nil {
					mu.Lock()
					done := total == senders*perSender
					mu.Unlock()
					if !done {
						fail(fmt.Errorf("Receive: %w", err))
					}
					return
				}
				<-tokens
				mu.Lock()
				count[c.String("id")]++
				total++
				if total == senders*perSender {
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		s.t.Error(err)
	}
	for i := range senders {
		for j := range perSender {
			if id := fmt.Sprintf("%d/%d", i, j); count[id] != 1 {
				s.t.Errorf("message %s received %d times, want 1", id, count[id])
			}
		}
	}
	if total != senders*perSender {
		s.t.Errorf("received %d messages, want %d", total, senders*perSender)
	}
}

// testBytesAndText: []byte is delivered as []byte and string as string, at
// the top level and nested, empty or not.
func testBytesAndText(s *suite) {
	s.send("bt_test", channels.Content{
		"text": "hello", "bytes": []byte("hello"),
		"empty_text": "", "empty_bytes": []byte{},
		"list": []any{"x", []byte("x")},
	})
	_, c := s.receive("bt_test")
	for key, wantBytes := range map[string]bool{"text": false, "bytes": true, "empty_text": false, "empty_bytes": true} {
		if _, isBytes := c[key].([]byte); isBytes != wantBytes {
			s.t.Errorf("%q delivered as %T", key, c[key])
		}
		if _, isText := c[key].(string); isText == wantBytes {
			s.t.Errorf("%q delivered as %T", key, c[key])
		}
	}
	list, ok := c["list"].([]any)
	if !ok || len(list) != 2 {
		s.t.Fatalf(`"list" delivered as %#v, want []any of 2`, c["list"])
	}
	if _, ok := list[0].(string); !ok {
		s.t.Errorf("list[0] delivered as %T, want string", list[0])
	}
	if _, ok := list[1].([]byte); !ok {
		s.t.Errorf("list[1] delivered as %T, want []byte", list[1])
	}
}

// testCanonicalValues: values of any Go integer or float width, typed
// slices and maps arrive in canonical form: int64, float64, []any and
// map[string]any.
func testCanonicalValues(s *suite) {
	type myInt int16
	sent := channels.Content{
		"int": 1, "int8": int8(-8), "int16": int16(-16), "int32": int32(-32), "int64": int64(math.MinInt64),
		"uint": uint(1), "uint8": uint8(8), "uint16": uint16(16), "uint32": uint32(32), "uint64": uint64(math.MaxInt64),
		"named": myInt(7), "float32": float32(1.5), "float64": math.MaxFloat64,
		"ints": []int{1, 2}, "strings": []string{"a"}, "map": map[string]int{"k": 3},
		"content": channels.Content{"nested": int8(9)}, "bool": true, "nil": nil,
	}
	want := map[string]any{
		"int": int64(1), "int8": int64(-8), "int16": int64(-16), "int32": int64(-32), "int64": int64(math.MinInt64),
		"uint": int64(1), "uint8": int64(8), "uint16": int64(16), "uint32": int64(32), "uint64": int64(math.MaxInt64),
		"named": int64(7), "float32": 1.5, "float64": math.MaxFloat64,
		"ints": []any{int64(1), int64(2)}, "strings": []any{"a"}, "map": map[string]any{"k": int64(3)},
		"content": map[string]any{"nested": int64(9)}, "bool": true, "nil": nil,
	}
	s.send("canon_test", sent)
	_, c := s.receive("canon_test")
	for key, w := range want {
		got, ok := c[key]
		if !ok {
			s.t.Errorf("%q missing from delivered content", key)
			continue
		}
		if !sameCanonical(got, w) {
			s.t.Errorf("%q delivered as %#v (%T), want %#v (%T)", key, got, got, w, w)
		}
	}
}

// sameCanonical compares got with want exactly in type for scalars and
// lists, and accepts Content for map[string]any.
func sameCanonical(got, want any) bool {
	switch want := want.(type) {
	case map[string]any:
		m, ok := asMap(got)
		if !ok || len(m) != len(want) {
			return false
		}
		for k, w := range want {
			if !sameCanonical(m[k], w) {
				return false
			}
		}
		return true
	case []any:
		l, ok := got.([]any)
		if !ok || len(l) != len(want) {
			return false
		}
		for i, w := range want {
			if !sameCanonical(l[i], w) {
				return false
			}
		}
		return true
	}
	return got == want
}

// testInvalidContent: content outside the ASGI value set is refused with an
// error matching ErrInvalidMessage, and nothing is delivered.
func testInvalidContent(s *suite) {
	for name, c := range map[string]channels.Content{
		"nil content":       nil,
		"struct":            {"v": struct{ A int }{1}},
		"func":              {"v": func() {}},
		"chan":              {"v": make(chan int)},
		"int map key":       {"v": map[int]string{1: "a"}},
		"nested struct":     {"v": []any{"ok", map[string]any{"deep": struct{}{}}}},
		"uint64 overflow":   {"v": uint64(math.MaxUint64)},
		"complex":           {"v": complex(1, 2)},
		"pointer to struct": {"v": &struct{}{}},
	} {
		err := s.l.Send(s.ctx, "inv_test", c)
		if !errors.Is(err, channels.ErrInvalidMessage) {
			s.t.Errorf("Send with %s: %v, want an error matching channels.ErrInvalidMessage", name, err)
		}
		if g, ok := s.l.(channels.GroupLayer); ok {
			if err := g.GroupSend(s.ctx, "inv_group", c); !errors.Is(err, channels.ErrInvalidMessage) {
				s.t.Errorf("GroupSend with %s: %v, want an error matching channels.ErrInvalidMessage", name, err)
			}
		}
	}
	s.expectNothing("inv_test")
}

// testReservedKey: user content must not use the key the layers route
// process-local messages with, and received content never shows it.
func testReservedKey(s *suite) {
	c := channels.Content{channels.ReservedKey: "rk!x", "v": 1}
	if err := s.l.Send(s.ctx, "rk!x", c); !errors.Is(err, channels.ErrInvalidMessage) {
		s.t.Errorf("Send with key %q: %v, want an error matching channels.ErrInvalidMessage", channels.ReservedKey, err)
	}
	if g, ok := s.l.(channels.GroupLayer); ok {
		s.groupAdd("rk_group", "rk!x")
		if err := g.GroupSend(s.ctx, "rk_group", c); !errors.Is(err, channels.ErrInvalidMessage) {
			s.t.Errorf("GroupSend with key %q: %v, want an error matching channels.ErrInvalidMessage", channels.ReservedKey, err)
		}
	}
	s.expectNothing("rk!")
	s.send("rk!y", channels.Content{"v": 2}) // expect checks the key is absent
	s.expect([]string{"rk!"}, "rk!y", channels.Content{"v": 2})
}

// badChannelNames break the ASGI rules for every use of a channel name.
var badChannelNames = []string{
	"", "bad name", "tab\tname", "newline\n", "caf\u00e9", "\u00a3_test", "slash/name", "colon:name",
	"a!b!c", "a?b?c", "a!b?c", "a?b!c", "!start", "?start", "ends?",
	strings.Repeat("a", channels.MaxNameLength+1),
}

// testBadNames: every method refuses invalid channel and group names with an
// error matching ErrInvalidName that names the bad name.
func testBadNames(s *suite) {
	ok := channels.Content{"v": 1}
	for _, name := range badChannelNames {
		s.checkNameError(fmt.Sprintf("Send(%q)", name), s.l.Send(s.ctx, name, ok), name)
		_, _, err := s.l.Receive(s.ctx, "good_name", name)
		s.checkNameError(fmt.Sprintf("Receive(%q)", name), err, name)
	}
	_, _, err := s.l.Receive(s.ctx, "bn!local")
	s.checkNameError(`Receive("bn!local")`, err, "bn!local")

	g, isGroups := s.l.(channels.GroupLayer)
	if !isGroups {
		return
	}
	for _, name := range badChannelNames {
		s.checkNameError(fmt.Sprintf("GroupAdd(group, %q)", name), g.GroupAdd(s.ctx, "bn_group", name), name)
	}
	for _, name := range append(badChannelNames, "g!x", "g?x", "g!") {
		s.checkNameError(fmt.Sprintf("GroupAdd(%q, ...)", name), g.GroupAdd(s.ctx, name, "bn_test"), name)
		s.checkNameError(fmt.Sprintf("GroupDiscard(%q, ...)", name), g.GroupDiscard(s.ctx, name, "bn_test"), name)
		s.checkNameError(fmt.Sprintf("GroupSend(%q)", name), g.GroupSend(s.ctx, name, ok), name)
		if lister, isLister := s.l.(channels.GroupLister); isLister {
			_, err := lister.GroupChannels(s.ctx, name)
			s.checkNameError(fmt.Sprintf("GroupChannels(%q)", name), err, name)
		}
	}
}

// testLongestName: names of MaxNameLength characters work everywhere.
func testLongestName(s *suite) {
	long := strings.Repeat("a", channels.MaxNameLength)
	s.send(long, channels.Content{"v": "long"})
	s.expect([]string{long}, long, channels.Content{"v": "long"})
	local := strings.Repeat("b", 50) + "!" + strings.Repeat("c", channels.MaxNameLength-51)
	s.send(local, channels.Content{"v": "local"})
	s.expect([]string{channels.NonLocalName(local)}, local, channels.Content{"v": "local"})
	if _, ok := s.l.(channels.GroupLayer); ok {
		s.groupAdd(long, long)
		s.groupSend(long, channels.Content{"v": "group"})
		s.expect([]string{long}, long, channels.Content{"v": "group"})
	}
}

// testGroupMembership: adding twice makes one membership, discarding what is
// not there is not an error, and a group send to an empty group does nothing.
func testGroupMembership(s *suite) {
	s.groupAdd("gm_group", "gm_test")
	s.groupAdd("gm_group", "gm_test")
	s.groupDiscard("gm_group", "gm_absent")
	s.groupDiscard("gm_nogroup", "gm_test")
	s.groupSend("gm_group", channels.Content{"n": 1})
	s.expect([]string{"gm_test"}, "gm_test", channels.Content{"n": 1})
	s.expectNothing("gm_test")
	s.groupDiscard("gm_group", "gm_test")
	s.groupSend("gm_group", channels.Content{"n": 2})
	s.groupSend("gm_empty", channels.Content{"n": 3})
	s.expectNothing("gm_test")
}

// testGroupSendCopies: each member receives its own copy of the content in
// canonical form; changing one member's message changes no other's.
func testGroupSendCopies(s *suite) {
	list := []any{1, "two"}
	s.groupAdd("gc_group", "gc_a")
	s.groupAdd("gc_group", "gc_b!x")
	s.groupSend("gc_group", channels.Content{"n": int8(1), "list": list})
	list[0] = "changed"
	want := channels.Content{"n": 1, "list": []any{1, "two"}}
	_, a := s.receive("gc_a")
	s.checkContent(a, want)
	a["n"] = "changed by a"
	_, b := s.receive("gc_b!")
	s.checkContent(b, want)
}
