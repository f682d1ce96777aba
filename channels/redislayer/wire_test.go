package redislayer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// The expected values of these tests were produced by channels_redis 4.0.0,
// msgpack 1.0.3 and cryptography 38 (Debian bookworm).

func TestConsistentHash(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  [6]int // ring sizes 1, 2, 3, 5, 7 and 16
	}{
		{"test.channel", [6]int{0, 1, 2, 3, 5, 11}},
		{"specific.abc!", [6]int{0, 1, 2, 4, 6, 14}},
		{"specific.772c35c2dc6041f5a485efe683491900!", [6]int{0, 0, 0, 1, 1, 4}},
		{"grp", [6]int{0, 1, 2, 4, 6, 14}},
		{"chat_lobby", [6]int{0, 1, 1, 2, 3, 8}},
		{"daphne.response.AbCdEfGhIj!", [6]int{0, 0, 0, 0, 1, 2}},
		{"", [6]int{0, 0, 0, 0, 0, 0}},
		{"\u00e9t\u00e9", [6]int{0, 1, 2, 4, 5, 12}},
	} {
		for i, n := range []int{1, 2, 3, 5, 7, 16} {
			if got := consistentHash(tc.value, n); got != tc.want[i] {
				t.Errorf("consistentHash(%q, %d) = %d, want %d", tc.value, n, got, tc.want[i])
			}
		}
	}
}

// msgpackOf encodes {"v": v} as the layer does.
func msgpackOf(t *testing.T, v any) []byte {
	t.Helper()
	c, err := channels.Content{"v": v}.Clone()
	if err != nil {
		t.Fatal(err)
	}
	b, err := encodeBody(c)
	if err != nil {
		t.Fatal(err)
	}
	return b.payload(0, nil)
}

// A msgpackCase is a value and Python's encoding of {"v": value}.
type msgpackCase struct {
	value any
	want  string // hex, or "sha256:<hex>" for long encodings
	back  any    // the decoded value, when not the canonical form of value
}

// msgpackLikePythonCases returns a value of every kind with
// msgpack.packb({"v": value}, use_bin_type=True).
func msgpackLikePythonCases() []msgpackCase {
	x := func(n int) string { return strings.Repeat("x", n) }
	return []msgpackCase{
		{nil, "81a176c0", nil},
		{true, "81a176c3", nil},
		{false, "81a176c2", nil},
		{0, "81a17600", nil},
		{1, "81a17601", nil},
		{127, "81a1767f", nil},
		{128, "81a176cc80", nil},
		{255, "81a176ccff", nil},
		{256, "81a176cd0100", nil},
		{65535, "81a176cdffff", nil},
		{65536, "81a176ce00010000", nil},
		{uint32(math.MaxUint32), "81a176ceffffffff", nil},
		{int64(1) << 32, "81a176cf0000000100000000", nil},
		{int64(math.MaxInt64), "81a176cf7fffffffffffffff", nil},
		{-1, "81a176ff", nil},
		{-32, "81a176e0", nil},
		{-33, "81a176d0df", nil},
		{-128, "81a176d080", nil},
		{-129, "81a176d1ff7f", nil},
		{-32768, "81a176d18000", nil},
		{-32769, "81a176d2ffff7fff", nil},
		{int64(math.MinInt32), "81a176d280000000", nil},
		{int64(math.MinInt32) - 1, "81a176d3ffffffff7fffffff", nil},
		{int64(math.MinInt64), "81a176d38000000000000000", nil},
		{1.5, "81a176cb3ff8000000000000", nil},
		{0.0, "81a176cb0000000000000000", nil},
		{float32(-2.25), "81a176cbc002000000000000", -2.25},
		{"", "81a176a0", nil},
		{"a", "81a176a161", nil},
		{x(31), "81a176bf" + hex.EncodeToString([]byte(x(31))), nil},
		{x(32), "81a176d920" + hex.EncodeToString([]byte(x(32))), nil},
		{x(256), "sha256:48a08443371cbffd7e849d4d2df9968e06a61c907204dcf48cc6d7c0e3afed5f", nil},
		{x(65536), "sha256:3bf521c76f7b8ba0af5ce662cfbd43801f67046274abca1bcfef0624bf9d2198", nil},
		{"\u00a3", "81a176a2c2a3", nil},
		{[]byte{}, "81a176c400", nil},
		{[]byte{0, 0xff}, "81a176c40200ff", nil},
		{[]byte(x(256)), "sha256:a0e94a8676bb9a1f7f4a486f3948015c7b9dce8460f0e95e2d500997e86e45e5", nil},
		{[]byte(x(65536)), "sha256:f54d087a41defa365723faddff6229291759027ef0c3aeaace211bc68ee52d87", nil},
		{[]any{}, "81a17690", nil},
		{[]any{1, "a", []byte("b"), nil}, "81a1769401a161c40162c0", nil},
		{map[string]any{"k": map[string]any{"n": []any{true}}}, "81a17681a16b81a16e91c3", nil},
	}
}

// TestMsgpackLikePython checks the encoding of every kind of value, byte for
// byte, against Python's msgpack.packb({"v": value}, use_bin_type=True), and
// that decoding gives the canonical value back.
func TestMsgpackLikePython(t *testing.T) {
	for _, tc := range msgpackLikePythonCases() {
		got := msgpackOf(t, tc.value)
		if want, ok := strings.CutPrefix(tc.want, "sha256:"); ok {
			sum := sha256.Sum256(got)
			if hex.EncodeToString(sum[:]) != want {
				t.Errorf("%.20v: encoding (%d bytes) differs from Python's", tc.value, len(got))
			}
		} else if hex.EncodeToString(got) != tc.want {
			t.Errorf("%.20v: encoded %x, Python encodes %s", tc.value, got, tc.want)
		}
		c, err := decodeString(string(got))
		if err != nil {
			t.Errorf("%.20v: decoding: %v", tc.value, err)
			continue
		}
		want := tc.back
		if want == nil {
			want, _ = channels.Content{"v": tc.value}.Clone()
			want = want.(channels.Content)["v"]
		}
		if !reflect.DeepEqual(c["v"], want) {
			t.Errorf("%.20v: decoded %#v, want %#v", tc.value, c["v"], want)
		}
	}
}

// TestDecodeFromPython decodes encodings that Go never writes but Python
// (or another msgpack writer) may: float32, narrow signed ints for positive
// values, bin map keys, and refuses what is not an ASGI value.
func TestDecodeFromPython(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want any // the value of "v", or an error
	}{
		{"float32", "81a176ca3fc00000", 1.5},
		{"int8 positive", "81a176d005", int64(5)},
		{"int64 small", "81a176d3000000000000002a", int64(42)},
		{"uint64 max int64", "81a176cf7fffffffffffffff", int64(math.MaxInt64)},
		{"bin key", "81c40176a161", "a"},
		{"str8 empty", "81a176d900", ""},
		{"array16", "81a176dc0001c3", []any{true}},
		{"map16", "81a176de0001a16bc0", map[string]any{"k": nil}},
		{"uint64 overflow", "81a176cfffffffffffffffff", errBadMessage},
		{"int key", "8101c0", errBadMessage},
		{"timestamp ext", "81a176d6ff00000000", errBadMessage},
		{"top-level array", "9101", errBadMessage},
		{"truncated", "81a176", errBadMessage},
		{"trailing data", "81a176c0c0", errBadMessage},
	} {
		data, err := hex.DecodeString(tc.hex)
		if err != nil {
			t.Fatal(err)
		}
		c, err := decodeString(string(data))
		if wantErr, ok := tc.want.(error); ok {
			if !errors.Is(err, wantErr) {
				t.Errorf("%s: decoded %v, %v; want an error matching %v", tc.name, c, err, wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(c["v"], tc.want) {
			t.Errorf("%s: decoded %#v, want %#v", tc.name, c["v"], tc.want)
		}
	}
}

func TestDecodeDepthLimit(t *testing.T) {
	data := []byte{0x81, 0xa1, 'v'}
	for range maxDecodeDepth + 1 {
		data = append(data, 0x91)
	}
	data = append(data, 0xc0)
	if _, err := decodeString(string(data)); !errors.Is(err, errBadMessage) {
		t.Fatalf("decoding %d nested lists: %v, want an error", maxDecodeDepth+1, err)
	}
}

// A str or bin that declares more bytes than the message holds is refused
// before it is allocated (the fuzzer's find: 9 bytes asking for 3.3 GB).
func TestDecodeDeclaredLengthBound(t *testing.T) {
	for _, data := range []string{
		"\x81\xc6\xc6\xc6\x30\x30\xe3\x92",      // a bin32 key
		"\x81\xa1a\xdb\xc6\xc6\x30\x30\xe3\x92", // a str32 value
		"\x81\xa1a\xc5\x00\x05ab",               // a bin16 value, 3 bytes short
	} {
		_, err := decodeString(data)
		if !errors.Is(err, errBadMessage) || !strings.Contains(err.Error(), "declares") {
			t.Errorf("decoding %q: %v, want the declared length refused", data, err)
		}
	}
}

func TestPayloadRoute(t *testing.T) {
	b, err := encodeBody(channels.Content{"type": "x.y"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		route any
		want  string
	}{
		{nil, "81a474797065a3782e79"},
		{"a!b", "82a474797065a3782e79b05f5f617367695f6368616e6e656c5f5fa3612162"},
		{[]string{"a!b", "a!c"}, "82a474797065a3782e79b05f5f617367695f6368616e6e656c5f5f92a3612162a3612163"},
	} {
		p := b.payload(memberPrefix, tc.route)
		if !bytes.Equal(p[:memberPrefix], make([]byte, memberPrefix)) {
			t.Errorf("route %v: prefix not reserved", tc.route)
		}
		if got := hex.EncodeToString(p[memberPrefix:]); got != tc.want {
			t.Errorf("route %v: payload %s, want %s", tc.route, got, tc.want)
		}
	}
}

var fernetTime = time.Unix(1732540000, 0)

func TestFernetLikePython(t *testing.T) {
	for _, tc := range []struct {
		secret string
		plain  string
		iv     [16]byte
		token  string
	}{
		{"secret-one", "\x81\xa4type\xa3x.y", [16]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
			"gAAAAABnRHZgAAECAwQFBgcICQoLDA0ODyCkIaYyhybIGDZPbZy4NoqBeyj4DIPSn_QyooR1BAYhxYsFJ5M8MB2ff4aKBGgPGA=="},
		{"cl\u00e9", "", [16]byte{},
			"gAAAAABnRHZgAAAAAAAAAAAAAAAAAAAAAG4ojMRlAeeUgjr2RpU6mnycX3Yg_6AmsWYiCCKBJbpgMWfTDP2kU-EigyictxOx8g=="},
		{"cl\u00e9", "0123456789abcdef", [16]byte{},
			"gAAAAABnRHZgAAAAAAAAAAAAAAAAAAAAAIeeKiYHYWp-aaOdZ4Ezhk_mCHzbI86t4ta-Q05SKiU0wV8JBEaC1q80k5kp_wpQgOUnHdVh_6d9bh3ALv2DNY8="},
	} {
		f, err := newFernet([]string{tc.secret})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(f.encryptWith([]byte(tc.plain), fernetTime, tc.iv)); got != tc.token {
			t.Errorf("key %q: token %s, Python makes %s", tc.secret, got, tc.token)
		}
		plain, err := f.decrypt([]byte(tc.token), 70*time.Second, fernetTime.Add(time.Minute))
		if err != nil || string(plain) != tc.plain {
			t.Errorf("key %q: decrypt = %q, %v; want %q", tc.secret, plain, err, tc.plain)
		}
	}
}

func TestFernetChecks(t *testing.T) {
	ring, _ := newFernet([]string{"new", "old"})
	old, _ := newFernet([]string{"old"})
	other, _ := newFernet([]string{"other"})
	tok := old.encrypt([]byte("hello"), fernetTime)
	if p, err := ring.decrypt(tok, time.Minute, fernetTime); err != nil || string(p) != "hello" {
		t.Errorf("a ring does not decrypt with its second key: %q, %v", p, err)
	}
	if _, err := other.decrypt(tok, time.Minute, fernetTime); !errors.Is(err, errInvalidToken) {
		t.Errorf("decrypt with a wrong key: %v", err)
	}
	for name, at := range map[string]time.Time{
		"expired":           fernetTime.Add(61 * time.Second),
		"from the future":   fernetTime.Add(-61 * time.Second),
		"at the ttl":        fernetTime.Add(60 * time.Second),
		"within clock skew": fernetTime.Add(-60 * time.Second),
	} {
		_, err := old.decrypt(tok, time.Minute, at)
		if wantOK := strings.HasPrefix(name, "at") || strings.HasPrefix(name, "within"); (err == nil) != wantOK {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := bytes.Clone(tok)
	bad[len(bad)/2] ^= 1
	for name, tok := range map[string][]byte{
		"tampered": bad, "not base64": []byte("!!!!"), "short": []byte("gAAAAAA="), "empty": nil,
	} {
		if _, err := old.decrypt(tok, time.Minute, fernetTime); !errors.Is(err, errInvalidToken) {
			t.Errorf("%s token: %v, want errInvalidToken", name, err)
		}
	}
	if _, err := newFernet([]string{""}); err == nil {
		t.Error("an empty key is accepted")
	}
}
