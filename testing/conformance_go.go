package channelstest

import (
	"errors"
	"fmt"
	"math"
	"strings"

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
