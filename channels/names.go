package channels

import (
	"errors"
	"fmt"
	"strings"
)

// MaxNameLength is the longest channel or group name a layer accepts. ASGI
// layers reject names of 100 characters or more.
const MaxNameLength = 99

// ErrInvalidName is matched (with errors.Is) by every name validation error.
var ErrInvalidName = errors.New("channels: invalid name")

// NameError reports a channel or group name that breaks the ASGI naming rules.
type NameError struct {
	Kind   string // "channel" or "group"
	Name   string
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("channels: invalid %s name %q: %s", e.Kind, e.Name, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidName) true for every *NameError.
func (e *NameError) Is(target error) bool { return target == ErrInvalidName }

// ValidateChannel checks a channel name against the ASGI rules: ASCII letters,
// digits, '.', '-' and '_', optionally followed by one '!' (process-local) or
// '?' (single-reader) and a local part of the same characters, shorter than 100
// characters. A single-reader name must not end at its '?'.
func ValidateChannel(name string) error {
	if err := checkName("channel", name, true); err != nil {
		return err
	}
	if strings.HasSuffix(name, "?") {
		return &NameError{"channel", name, "single-reader channel names must not end with ?"}
	}
	return nil
}

// ValidateReceiveChannel checks a name passed to Receive. It is a channel name,
// except that a process-local name must end at its '!': receiving on "x!"
// yields the messages of every "x!local" channel.
func ValidateReceiveChannel(name string) error {
	if err := ValidateChannel(name); err != nil {
		return err
	}
	if i := strings.IndexByte(name, '!'); i >= 0 && i != len(name)-1 {
		return &NameError{"channel", name, "process-local channel names in Receive must end at the !"}
	}
	return nil
}

// ValidateGroup checks a group name: like a channel name, without '!' or '?'.
func ValidateGroup(name string) error {
	return checkName("group", name, false)
}

func checkName(kind, name string, typeChar bool) error {
	switch {
	case name == "":
		return &NameError{kind, name, "empty name"}
	case len(name) > MaxNameLength:
		return &NameError{kind, name, fmt.Sprintf("longer than %d characters", MaxNameLength)}
	}
	seenType := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isNameChar(c) {
			continue
		}
		if (c == '!' || c == '?') && typeChar && !seenType && i > 0 {
			seenType = true
			continue
		}
		return &NameError{kind, name, fmt.Sprintf("character %q at %d is not allowed", c, i)}
	}
	return nil
}

// localPartValid reports whether a process-local channel name whose
// non-local part is valid (a receiver was registered with it) is valid:
// only the rest is checked.
func localPartValid(channel string) bool {
	if len(channel) > MaxNameLength {
		return false
	}
	for i := strings.IndexByte(channel, '!') + 1; i < len(channel); i++ {
		if !isNameChar(channel[i]) {
			return false
		}
	}
	return true
}

func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '-' || c == '_'
}

// NonLocalName returns the part of a process-local channel name up to and
// including its '!', the name a process receives on. Other names are returned
// unchanged.
func NonLocalName(name string) string {
	if i := strings.IndexByte(name, '!'); i >= 0 {
		return name[:i+1]
	}
	return name
}

// IsProcessLocal reports whether name is a process-local ("x!y") channel.
func IsProcessLocal(name string) bool { return strings.IndexByte(name, '!') >= 0 }
