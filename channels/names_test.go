package channels_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

var (
	name99  = strings.Repeat("a", channels.MaxNameLength)
	name100 = strings.Repeat("a", channels.MaxNameLength+1)
)

// nameTests give, for each name, whether it is valid as a channel in Send, as
// a channel in Receive and as a group.
var nameTests = []struct {
	name                    string
	channel, receive, group bool
}{
	{"http.request", true, true, true},
	{"a", true, true, true},
	{"A-Z_a-z.0-9", true, true, true},
	{".-_", true, true, true},
	{name99, true, true, true},
	{name100, false, false, false},
	{"", false, false, false},

	// Process-local: one '!', receive only up to it.
	{"daphne.response.abc!def", true, false, false},
	{"daphne.response.abc!", true, true, false},
	{"x!a.b-c_d", true, false, false},
	{"!local", false, false, false},
	{"a!b!c", false, false, false},
	{strings.Repeat("a", 98) + "!", true, true, false},
	{strings.Repeat("a", 99) + "!", false, false, false},

	// Single-reader: one '?', never at the end.
	{"http.request.body?ABCDEF", true, true, false},
	{"x?", false, false, false},
	{"?x", false, false, false},
	{"a?b?c", false, false, false},

	// At most one type character.
	{"a!b?c", false, false, false},
	{"a?b!c", false, false, false},

	// ASCII letters, digits, '.', '-', '_' only: Python's regex would also
	// take Unicode digits and a trailing newline; this port does not.
	{"bad name", false, false, false},
	{"tab\t", false, false, false},
	{"abc\n", false, false, false},
	{"caf\u00e9", false, false, false},
	{"\u0663abc", false, false, false},
	{"abc!d\u00e9f", false, false, false},
	{"\u00a3_test", false, false, false},
	{"a/b", false, false, false},
	{"a:b", false, false, false},
	{"a*", false, false, false},
	{"a\x00b", false, false, false},
}

func TestValidateNames(t *testing.T) {
	for _, tt := range nameTests {
		for _, v := range []struct {
			fn   func(string) error
			desc string
			want bool
			kind string
		}{
			{channels.ValidateChannel, "ValidateChannel", tt.channel, "channel"},
			{channels.ValidateReceiveChannel, "ValidateReceiveChannel", tt.receive, "channel"},
			{channels.ValidateGroup, "ValidateGroup", tt.group, "group"},
		} {
			err := v.fn(tt.name)
			if (err == nil) != v.want {
				t.Errorf("%s(%q) = %v, want valid %v", v.desc, tt.name, err, v.want)
				continue
			}
			if err == nil {
				continue
			}
			var ne *channels.NameError
			if !errors.Is(err, channels.ErrInvalidName) || !errors.As(err, &ne) {
				t.Errorf("%s(%q) = %v, want a *NameError matching ErrInvalidName", v.desc, tt.name, err)
				continue
			}
			if ne.Name != tt.name || ne.Kind != v.kind || ne.Reason == "" {
				t.Errorf("%s(%q) = %+v, want Name %q, Kind %q and a reason", v.desc, tt.name, ne, tt.name, v.kind)
			}
		}
	}
}

func TestNameErrorMessage(t *testing.T) {
	err := channels.ValidateChannel("x?")
	want := `channels: invalid channel name "x?": single-reader channel names must not end with ?`
	if err == nil || err.Error() != want {
		t.Errorf("ValidateChannel(\"x?\") = %v, want %s", err, want)
	}
	err = channels.ValidateReceiveChannel("x!y")
	if err == nil || !strings.Contains(err.Error(), `"x!y"`) || !strings.Contains(err.Error(), "end at the !") {
		t.Errorf("ValidateReceiveChannel(\"x!y\") = %v", err)
	}
	if errors.Is(err, channels.ErrInvalidMessage) || errors.Is(err, channels.ErrChannelFull) {
		t.Errorf("a name error matches another sentinel: %v", err)
	}
}

func TestNonLocalName(t *testing.T) {
	for _, tt := range []struct {
		name, nonLocal string
		local          bool
	}{
		{"daphne.response.abc!def", "daphne.response.abc!", true},
		{"x!", "x!", true},
		{"x", "x", false},
		{"x?abc", "x?abc", false},
		{"", "", false},
	} {
		if got := channels.NonLocalName(tt.name); got != tt.nonLocal {
			t.Errorf("NonLocalName(%q) = %q, want %q", tt.name, got, tt.nonLocal)
		}
		if got := channels.IsProcessLocal(tt.name); got != tt.local {
			t.Errorf("IsProcessLocal(%q) = %v, want %v", tt.name, got, tt.local)
		}
	}
}

// The names Django Channels 4 makes and accepts are accepted here too.
func TestChannels4Names(t *testing.T) {
	for _, ch := range []string{"specific.0b7c4a1f2e3d4c5b!a1b2c3d4e5f6", "asgispecific.d4a1b5f8c3e64bd3a2f0a3d2b1c4e5f6"} {
		if err := channels.ValidateChannel(ch); err != nil {
			t.Errorf("ValidateChannel(%q): %v", ch, err)
		}
	}
	if err := channels.ValidateGroup(strings.Repeat("g", 99)); err != nil {
		t.Errorf("a 99-character group: %v", err)
	}
	for _, g := range []string{strings.Repeat("g", 100), "chat room", "chat!room", "ünïcode"} {
		if err := channels.ValidateGroup(g); err == nil {
			t.Errorf("ValidateGroup(%q) accepted a name Channels 4 refuses", g)
		}
	}
}
