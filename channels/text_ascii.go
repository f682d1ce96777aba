package channels

import "unicode/utf8"

// Text frames are UTF-8 (RFC 6455 8.1), checked both ways: on a frame the
// server reads, and on a text it writes. Most are ASCII, as JSON-RPC is,
// and isASCII tells that a word at a time before utf8 walks them.

// validUTF8 reports whether b is valid UTF-8.
func validUTF8(b []byte) bool { return isASCII(b) || utf8.Valid(b) }

// validUTF8String reports whether s is valid UTF-8.
func validUTF8String(s string) bool { return isASCII(s) || utf8.ValidString(s) }

// isASCII reports whether no byte of s has its high bit set: eight bytes at
// a time, the last eight overlapping the word before when the length is
// not a multiple of eight.
func isASCII[T string | []byte](s T) bool {
	if len(s) < 8 {
		for i := range len(s) {
			if s[i] >= utf8.RuneSelf {
				return false
			}
		}
		return true
	}
	high := word(s[len(s)-8:])
	for ; len(s) > 8; s = s[8:] {
		high |= word(s)
	}
	return high&0x8080808080808080 == 0
}

// word is the eight bytes of w in one little-endian load.
func word[T string | []byte](w T) uint64 {
	w = w[:8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}
