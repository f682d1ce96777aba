package redislayer

import (
	"bytes"
	"net/url"
	"reflect"
	"testing"
	"time"
)

// FuzzDecodeContent: no input makes the msgpack decoder panic, and what it
// decodes encodes back to a message that decodes to the same content.
func FuzzDecodeContent(f *testing.F) {
	f.Add([]byte{0x80})                                             // {}
	f.Add([]byte("\x81\xa4text\xa2hi"))                             // {"text": "hi"}
	f.Add([]byte("\x82\xa1a\x93\x01\xc0\xc3\xa1b\xc4\x02\x00\xff")) // {"a": [1, nil, true], "b": b"\x00\xff"}
	f.Add([]byte("\x81\xa1f\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00"))  // {"f": 1.5}
	f.Add([]byte("\x81\xa1n\xcf\xff\xff\xff\xff\xff\xff\xff\xff"))  // a uint64 over MaxInt64
	f.Add([]byte("\x81\xa1t\xd6\xff\x00\x00\x00\x01"))              // a timestamp extension
	f.Add([]byte("\x91\x01"))                                       // a list at the top
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decodeString(string(data))
		if err != nil {
			return
		}
		b, err := encodeBody(c)
		if err != nil {
			t.Fatalf("decoded %#v but cannot encode it: %v", c, err)
		}
		again, err := decodeString(string(b.payload(0, nil)))
		if err != nil {
			t.Fatalf("re-encoded %#v does not decode: %v", c, err)
		}
		if !sameValue(map[string]any(c), map[string]any(again)) {
			t.Fatalf("round trip changed %#v into %#v", c, again)
		}
	})
}

// sameValue is reflect.DeepEqual but for NaN, which msgpack carries and
// which equals nothing, itself included.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && (a == b || a != a && b != b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if w, ok := b[k]; !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// FuzzFernet: no token makes decryption panic or pass without the key, and
// what is encrypted decrypts to itself.
func FuzzFernet(f *testing.F) {
	f.Add([]byte("hello"), []byte("gAAAAABkAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
	f.Add([]byte{}, []byte{})
	f.Add(bytes.Repeat([]byte{0x80}, 40), []byte("not base64 !!"))
	ring, err := newFernet([]string{"fuzz key"})
	if err != nil {
		f.Fatal(err)
	}
	other, _ := newFernet([]string{"another key"})
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, plain, token []byte) {
		if out, err := ring.decrypt(token, time.Minute, now); err == nil {
			if _, err := other.decrypt(token, time.Minute, now); err == nil {
				t.Fatalf("token %q opens with two keys (to %q)", token, out)
			}
		}
		sealed := ring.encrypt(plain, now)
		got, err := ring.decrypt(sealed, time.Minute, now)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("encrypt then decrypt of %q: %q, %v", plain, got, err)
		}
		if _, err := other.decrypt(sealed, time.Minute, now); err == nil {
			t.Fatalf("a token of one key opens with another")
		}
	})
}

// FuzzParseURL: no URL makes the parser or RedactURL panic, and what
// RedactURL gives holds no secret: every password and key in it reads
// "xxxxx".
func FuzzParseURL(f *testing.F) {
	for _, u := range []string{
		"redis://localhost:6379/0",
		"redis://:hunter2@10.0.0.5:6379/1?capacity=100&expiry=60&group_expiry=86400&prefix=asgi",
		"rediss://user:pw@host/0?symmetric_encryption_key=k1&symmetric_encryption_key=k2",
		"redis+sentinel://:pw@s1:26379,s2:26379/0?master_name=m&sentinel_password=sp",
		"redis://h/0?host=redis://:p2@h2:6380/0&channel_capacity=http.*:200",
		"unix:///run/redis.sock?db=2&password=pw",
		"redis://%zz@h/0", "redis://h/0?capacity=-1", "", "::",
	} {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ParseURL(raw)
		redacted := RedactURL(raw)
		for _, secret := range secretsOf(redacted, 0) {
			if secret != "xxxxx" {
				t.Fatalf("RedactURL(%q) = %q keeps the secret %q", raw, redacted, secret)
			}
		}
	})
}

// secretsOf lists the passwords and keys a layer URL carries, those of its
// host= entries included.
func secretsOf(raw string, depth int) []string {
	u, err := url.Parse(raw)
	if err != nil || depth > 10 {
		return nil
	}
	var out []string
	if p, ok := u.User.Password(); ok && p != "" {
		out = append(out, p)
	}
	q := u.Query()
	for _, k := range []string{paramEncryptionKey, "password", paramSentinelPassword} {
		for _, v := range q[k] {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	for _, h := range q[paramHost] {
		out = append(out, secretsOf(h, depth+1)...)
	}
	return out
}
