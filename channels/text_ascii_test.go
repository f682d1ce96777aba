package channels

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestValidUTF8AgreesWithUTF8 checks the ASCII pass against utf8.Valid on
// texts whose one non-ASCII byte sits at each place of a word and of the
// tail.
func TestValidUTF8AgreesWithUTF8(t *testing.T) {
	texts := []string{"", "a", "pong", `{"jsonrpc":"2.0","id":1,"result":"pong"}`, "é", "\xff", "\xed\xa0\x80"}
	for n := range 20 {
		for at := range n {
			for _, odd := range []string{"\x80", "\xc3\xa9", "\xff", "\x7f"} {
				texts = append(texts, strings.Repeat("x", at)+odd+strings.Repeat("y", n-at))
			}
		}
	}
	for _, s := range texts {
		if got, want := validUTF8String(s), utf8.ValidString(s); got != want {
			t.Errorf("validUTF8String(%q) = %v, utf8 says %v", s, got, want)
		}
		if got, want := validUTF8([]byte(s)), utf8.Valid([]byte(s)); got != want {
			t.Errorf("validUTF8(%q) = %v, utf8 says %v", s, got, want)
		}
		if got, want := isASCII(s), !strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf }); got != want {
			t.Errorf("isASCII(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzValidUTF8(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":"pong"}`))
	f.Add([]byte("\xed\xa0\x80 \xc3\xa9"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validUTF8(b), utf8.Valid(b); got != want {
			t.Errorf("validUTF8(%q) = %v, utf8 says %v", b, got, want)
		}
		if got, want := validUTF8String(string(b)), utf8.ValidString(string(b)); got != want {
			t.Errorf("validUTF8String(%q) = %v, utf8 says %v", b, got, want)
		}
	})
}
