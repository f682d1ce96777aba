package channelstest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// asgiSubtests port asgiref 1.1's conformance suite (asgiref/conformance.py),
// one subtest per test, in its order. Receives that expect a message wait for
// it; receives that expect none do not block.
var asgiSubtests = []subtest{
	{name: "SendRecv", run: testSendRecv},
	{name: "SingleProcessReceive", run: testSingleProcessReceive},
	{name: "SingleProcessReceiveError", run: testSingleProcessReceiveError},
	{name: "MessageExpiry", check: needClock(func(f Features) time.Duration { return f.Expiry }, "Expiry"), run: testMessageExpiry},
	{name: "NewChannelSingleReader", run: testNewChannelSingleReader},
	{name: "NewChannelFailures", run: testNewChannelFailures},
	{name: "Strings", run: testStrings},
	{name: "Groups", needs: needGroups, run: testGroups},
	{name: "GroupsProcess", needs: needGroups, run: testGroupsProcess},
	{name: "GroupChannels", needs: needGroups | needLister, run: testGroupChannels},
	{name: "Flush", needs: needFlush, run: testFlush},
	{name: "FlushGroups", needs: needGroups | needFlush, run: testFlushGroups},
	{name: "GroupExpiry", needs: needGroups, check: needClock(func(f Features) time.Duration { return f.GroupExpiry }, "GroupExpiry"), run: testGroupExpiry},
	{name: "Capacity", check: needCapacity(1), run: testCapacity},
	{name: "CapacityProcess", check: needCapacity(2), run: testCapacityProcess},
	{name: "CapacityGroup", needs: needGroups, check: needCapacity(1), run: testCapacityGroup},
	{name: "Exceptions", run: testExceptions},
	{name: "MessageAlterationAfterSend", run: testMessageAlterationAfterSend},
}

// expirySlack is how far past an expiry the suite advances before it checks
// that something expired, for layers that count time in whole seconds.
const expirySlack = time.Second

func needClock(expiry func(Features) time.Duration, field string) func(Features) string {
	return func(f Features) string {
		switch {
		case f.Advance == nil:
			return "Features.Advance is not set"
		case expiry(f) <= 0:
			return "Features." + field + " is not set"
		}
		return ""
	}
}

// testSendRecv: messages come back in order, from the channel they were sent
// to, and Receive on several channels finds the one holding a message.
func testSendRecv(s *suite) {
	s.send("sr_test", channels.Content{"value": "blue"})
	s.send("sr_test", channels.Content{"value": "green"})
	s.send("sr_test2", channels.Content{"value": "red"})
	s.expect([]string{"sr_test"}, "sr_test", channels.Content{"value": "blue"})
	s.expect([]string{"sr_test"}, "sr_test", channels.Content{"value": "green"})
	s.expect([]string{"sr_test", "sr_test2"}, "sr_test2", channels.Content{"value": "red"})
	s.expectNothing("sr_test", "sr_test2")
}

// testSingleProcessReceive: receiving on "x!" gets the messages of every
// "x!local" channel, each with its full name.
func testSingleProcessReceive(s *suite) {
	s.send("spr_test!a", channels.Content{"best": "ponies"})
	s.expect([]string{"spr_test!"}, "spr_test!a", channels.Content{"best": "ponies"})
	s.send("spr_test!b", channels.Content{"best": "pangolins"})
	s.expect([]string{"spr_test!"}, "spr_test!b", channels.Content{"best": "pangolins"})
}

// testSingleProcessReceiveError: Receive rejects a process-local name with
// its local part.
func testSingleProcessReceiveError(s *suite) {
	_, _, err := s.l.Receive(s.ctx, "spr_test!c")
	s.checkNameError(`Receive("spr_test!c")`, err, "spr_test!c")
}

// testMessageExpiry: an unread message is gone once Expiry has passed, and
// still there before.
func testMessageExpiry(s *suite) {
	s.send("me_test", channels.Content{"value": "blue"})
	s.send("me_keep", channels.Content{"value": "green"})
	s.f.Advance(s.f.Expiry / 2)
	s.expect([]string{"me_keep"}, "me_keep", channels.Content{"value": "green"})
	s.f.Advance(s.f.Expiry/2 + expirySlack)
	s.expectNothing("me_test")
}

// testNewChannelSingleReader: a "?" pattern gives a new single-reader name,
// the pattern plus a suffix, on which messages can be sent and received.
func testNewChannelSingleReader(s *suite) {
	const pattern = "test.foo?"
	name1 := s.newChannel(pattern)
	if !strings.HasPrefix(name1, pattern) || name1 == pattern || strings.Count(name1, "?") != 1 {
		s.t.Errorf("NewChannel(%q) = %q, want the pattern followed by a suffix", pattern, name1)
	}
	if err := channels.ValidateChannel(name1); err != nil {
		s.t.Errorf("NewChannel(%q) made an invalid name: %v", pattern, err)
	}
	s.send(name1, channels.Content{"value": "blue"})
	name2 := s.newChannel(pattern)
	if name2 == name1 {
		s.t.Errorf("NewChannel(%q) returned %q twice", pattern, name1)
	}
	s.expect([]string{name1, name2}, name1, channels.Content{"value": "blue"})
}

// testNewChannelFailures: NewChannel rejects a pattern with '!' (local parts
// are the layer's to make) and invalid names. asgiref also rejects a plain
// pattern; here a plain pattern asks for a process-local channel, tested by
// NewChannelProcessLocal.
func testNewChannelFailures(s *suite) {
	for _, pattern := range []string{
		"test!", "test!foo", "test?foo?", "?", "", "bad name?", "bad name",
		strings.Repeat("a", channels.MaxNameLength) + "?",
	} {
		name, err := s.l.NewChannel(s.ctx, pattern)
		s.checkNameError(fmt.Sprintf("NewChannel(%q) = %q", pattern, name), err, pattern)
	}
}

// testStrings: bytes and text survive the layer, nested two levels deep,
// each as its own type and unchanged.
func testStrings(s *suite) {
	values := map[string]any{
		"utf-bytes": []byte("\xc2\xa3"), // UTF-8 for £, which must stay bytes
		"unicode":   "\u00a3",
		"emoji":     "\U0001F612",
		"control":   []byte("\x01\x00\x03\x21"),
	}
	s.send("str_test", channels.Content{"values": values})
	_, got := s.receive("str_test")
	gotValues, ok := asMap(got["values"])
	if !ok {
		s.t.Fatalf(`received "values" is %T, want a map`, got["values"])
	}
	for key, want := range values {
		switch want := want.(type) {
		case []byte:
			if b, ok := gotValues[key].([]byte); !ok || string(b) != string(want) {
				s.t.Errorf("values[%q] = %#v, want []byte %q", key, gotValues[key], want)
			}
		case string:
			if str, ok := gotValues[key].(string); !ok || str != want {
				s.t.Errorf("values[%q] = %#v, want string %q", key, gotValues[key], want)
			}
		}
	}
}

// testGroups: a group send reaches the members, and not a discarded one.
func testGroups(s *suite) {
	s.groupAdd("tgroup", "tg_test")
	s.groupAdd("tgroup", "tg_test2")
	s.groupAdd("tgroup", "tg_test3")
	s.groupDiscard("tgroup", "tg_test3")
	s.groupSend("tgroup", channels.Content{"value": "orange"})
	s.expect([]string{"tg_test"}, "tg_test", channels.Content{"value": "orange"})
	s.expect([]string{"tg_test2"}, "tg_test2", channels.Content{"value": "orange"})
	s.expectNothing("tg_test3")
}

// testGroupsProcess: groups of process-local channels deliver one message
// per member, under its full name.
func testGroupsProcess(s *suite) {
	s.groupAdd("tgroup", "tgp!test")
	s.groupAdd("tgroup", "tgp!test2")
	s.groupAdd("tgroup", "tgp!test3")
	s.groupDiscard("tgroup", "tgp!test2")
	s.groupSend("tgroup", channels.Content{"value": "orange"})
	var got []string
	for range 2 {
		ch, c := s.receive("tgp!")
		s.checkContent(c, channels.Content{"value": "orange"})
		got = append(got, ch)
	}
	slices.Sort(got)
	if want := []string{"tgp!test", "tgp!test3"}; !slices.Equal(got, want) {
		s.t.Errorf("group members received on %q, want %q", got, want)
	}
	s.expectNothing("tgp!")
}

// testGroupChannels: GroupChannels lists the members.
func testGroupChannels(s *suite) {
	lister := s.l.(channels.GroupLister)
	check := func(want ...string) {
		s.t.Helper()
		got, err := lister.GroupChannels(s.ctx, "tgroup")
		if err != nil {
			s.t.Fatalf("GroupChannels: %v", err)
		}
		got = slices.Clone(got)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			s.t.Errorf("GroupChannels = %q, want %q", got, want)
		}
	}
	s.groupAdd("tgroup", "tg_test")
	s.groupAdd("tgroup", "tg_test2")
	s.groupAdd("tgroup", "tg_test3")
	check("tg_test", "tg_test2", "tg_test3")
	s.groupDiscard("tgroup", "tg_test3")
	check("tg_test", "tg_test2")
}

// testFlush: Flush drops waiting messages.
func testFlush(s *suite) {
	s.send("fl_test", channels.Content{"value": "blue"})
	s.send("fl_test!a", channels.Content{"value": "green"})
	if err := s.l.(channels.Flusher).Flush(s.ctx); err != nil {
		s.t.Fatalf("Flush: %v", err)
	}
	s.expectNothing("fl_test", "fl_test!")
}

// testFlushGroups: Flush drops group messages and the groups themselves.
func testFlushGroups(s *suite) {
	s.groupAdd("tfg_group", "tfg_test")
	s.groupSend("tfg_group", channels.Content{"value": "blue"})
	if err := s.l.(channels.Flusher).Flush(s.ctx); err != nil {
		s.t.Fatalf("Flush: %v", err)
	}
	s.expectNothing("tfg_test")
	s.groupSend("tfg_group", channels.Content{"value": "green"})
	s.expectNothing("tfg_test")
}

// testGroupExpiry: a membership ends GroupExpiry after its last GroupAdd.
// asgiref skips it for expiries over 20 s; Advance makes any expiry testable.
func testGroupExpiry(s *suite) {
	ge := s.f.GroupExpiry
	s.groupAdd("tge_group", "tge_test")
	if ge > 4*expirySlack { // room to check that a second GroupAdd refreshes
		s.groupAdd("tge_group", "tge_refreshed")
		s.f.Advance(ge / 2)
		s.groupAdd("tge_group", "tge_refreshed")
		s.f.Advance(ge/2 + expirySlack)
		s.groupSend("tge_group", channels.Content{"value": "blue"})
		s.expect([]string{"tge_refreshed"}, "tge_refreshed", channels.Content{"value": "blue"})
		s.expectNothing("tge_test")
	}
	s.f.Advance(ge + expirySlack)
	s.groupSend("tge_group", channels.Content{"value": "green"})
	s.expectNothing("tge_test", "tge_refreshed")
}

// testCapacity: Send fails with ErrChannelFull once a channel holds Capacity
// unread messages, and works again after a Receive.
func testCapacity(s *suite) {
	for range s.f.Capacity {
		s.send("cap_test", channels.Content{"hey": "there"})
	}
	err := s.l.Send(s.ctx, "cap_test", channels.Content{"hey": "there"})
	if !errors.Is(err, channels.ErrChannelFull) {
		s.t.Fatalf("Send to a full channel: %v, want an error matching channels.ErrChannelFull", err)
	}
	s.send("cap_test2", channels.Content{"hey": "there"}) // other channels are not full
	s.receive("cap_test")
	s.send("cap_test", channels.Content{"hey": "again"})
}

// testCapacityProcess: the local parts of a process-local channel share the
// capacity of its non-local name.
func testCapacityProcess(s *suite) {
	for i := range s.f.Capacity {
		s.send(fmt.Sprintf("capp!%d", i), channels.Content{"hey": "there"})
	}
	err := s.l.Send(s.ctx, "capp!final", channels.Content{"hey": "there"})
	if !errors.Is(err, channels.ErrChannelFull) {
		s.t.Fatalf("Send to a full process-local channel: %v, want an error matching channels.ErrChannelFull", err)
	}
}

// testCapacityGroup: GroupSend never fails with ErrChannelFull; a full member
// misses the message, and the others still get it.
func testCapacityGroup(s *suite) {
	s.groupAdd("tcg_group", "tcg_test")
	for range s.f.Capacity + 1 {
		s.groupSend("tcg_group", channels.Content{"hey": "there"})
	}
	s.groupAdd("tcg_group", "tcg_test2")
	s.groupSend("tcg_group", channels.Content{"hey": "you"})
	s.expect([]string{"tcg_test2"}, "tcg_test2", channels.Content{"hey": "you"})
	for range s.f.Capacity {
		s.expect([]string{"tcg_test"}, "tcg_test", channels.Content{"hey": "there"})
	}
	s.expectNothing("tcg_test")
}

// testExceptions: asgiref checks that the layer has ChannelFull and
// MessageTooLarge. In Go the layer's errors must match the package's
// sentinels, and only their own.
func testExceptions(s *suite) {
	sentinels := []error{channels.ErrInvalidName, channels.ErrInvalidMessage, channels.ErrChannelFull}
	check := func(call string, err, want error) {
		s.t.Helper()
		for _, sentinel := range sentinels {
			if got := errors.Is(err, sentinel); got != (sentinel == want) {
				s.t.Errorf("%s: errors.Is(%v, %v) = %v", call, err, sentinel, got)
			}
		}
	}
	check("Send to a bad name", s.l.Send(s.ctx, "bad name", channels.Content{}), channels.ErrInvalidName)
	check("Send bad content", s.l.Send(s.ctx, "exc_test", channels.Content{"f": func() {}}), channels.ErrInvalidMessage)
	if s.f.Capacity > 0 {
		for range s.f.Capacity {
			s.send("exc_test", channels.Content{})
		}
		check("Send to a full channel", s.l.Send(s.ctx, "exc_test", channels.Content{}), channels.ErrChannelFull)
	}
}

// testMessageAlterationAfterSend: changing content after Send changes
// nothing that is delivered.
func testMessageAlterationAfterSend(s *suite) {
	list := []any{1, 2, 3}
	inner := map[string]any{"k": "v"}
	raw := []byte("abc")
	msg := channels.Content{"value": list, "inner": inner, "raw": raw}
	s.send("channel", msg)
	list[0] = "new value"
	inner["k"] = "changed"
	raw[0] = 'X'
	msg["extra"] = true
	s.expect([]string{"channel"}, "channel", channels.Content{
		"value": []any{1, 2, 3}, "inner": map[string]any{"k": "v"}, "raw": []byte("abc"),
	})
}
