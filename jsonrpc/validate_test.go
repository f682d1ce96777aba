package jsonrpc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

var validJSONSeeds = []string{
	`{"jsonrpc":"2.0","method":"ping","id":1}`, `[]`, `{}`, ` [ ] `, `[{}]`, `{"a":[1,{"b":null}]}`,
	`0`, `-0`, `01`, `1.`, `.5`, `1.5e+10`, `1E-2`, `1e`, `-`, `- 1`, `1.5e+`, `123456789012345678901234567890`,
	`"\u00e9\n\"\\\/\b\f\r\t"`, `"\u12"`, `"\x"`, "\"\x01\"", "\"\x7f\"", `"é"`, "\"\xff\"", "\xff", "\"\xed\xa0\x80\"",
	`true`, `tru`, `false`, `null`, `nul`, `nulll`, `[1,]`, `[,1]`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `{1:2}`,
	`[1 2]`, `{"a":1 "b":2}`, ``, ` `, `[`, `]`, `{"a":[}`, `[}`, `{]`, `[1]]`, `{"a":1}}`, "\ufeff1", "[1]\x00",
	"\t\r\n[\t1\r,\n2 ]\n", `["a","b",{"c":["d",{"e":{}}]}]`,
}

// TestValidJSONAgreesWithEncodingJSON checks validJSON against json.Valid
// and utf8.Valid, nesting limit included.
func TestValidJSONAgreesWithEncodingJSON(t *testing.T) {
	cases := append([]string(nil), validJSONSeeds...)
	for _, depth := range []int{127, 128, 129, 200, maxDepth, maxDepth + 1} {
		cases = append(cases, strings.Repeat("[", depth)+strings.Repeat("]", depth),
			strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth),
			strings.Repeat(`[{"a":`, depth/2)+"[]"+strings.Repeat("}]", depth/2))
	}
	for _, c := range cases {
		checkValidJSON(t, []byte(c))
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, s := range validJSONSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkValidJSON)
}

func checkValidJSON(t *testing.T, b []byte) {
	valid, validUTF8 := validJSON(b)
	if want := json.Valid(b); valid != want {
		t.Errorf("validJSON(%.80q) = %v, json.Valid says %v", b, valid, want)
	}
	if want := utf8.Valid(b); validUTF8 != want {
		t.Errorf("validJSON(%.80q) says valid UTF-8 %v, utf8.Valid %v", b, validUTF8, want)
	}
}

// parseObjectSeeds are request objects, valid and not, for parseObject.
var parseObjectSeeds = []string{
	` {"jsonrpc":"2.0","method":"ping","params":[1,{"a":[]}],"id":"x"} `, `{"id":1,"id":2}`, `{"\u0069d":1,"method":"m"}`,
	`{"method":"m","params":{"jsonrpc":"1.0","id":9}}`, `{"a":1,"b":[{}],"c":{"d":[1,2]}}`, `{"id":1,}`, `{"id" 1}`,
	`{"id":1}x`, `{"id":01}`, "{\"method\":\"\xff\"}", "{\"\xff\":1}", `{"params":[}`, `{"method":"a\"b"}`, `{`, `{"id":1`,
}

// TestParseObjectAgreesWithTwoPasses checks that parseObject answers as
// validJSON then parseRequest do, nesting limit included.
func TestParseObjectAgreesWithTwoPasses(t *testing.T) {
	cases := append(append([]string(nil), validJSONSeeds...), parseObjectSeeds...)
	for _, depth := range []int{maxDepth - 1, maxDepth, maxDepth + 1} {
		cases = append(cases, strings.Repeat(`{"id":`, depth)+"1"+strings.Repeat("}", depth),
			`{"params":`+strings.Repeat("[", depth-1)+strings.Repeat("]", depth-1)+`}`)
	}
	for _, c := range cases {
		checkParseObject(t, []byte(c))
	}
}

func FuzzParseObject(f *testing.F) {
	for _, s := range append(append([]string(nil), validJSONSeeds...), parseObjectSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(checkParseObject)
}

func checkParseObject(t *testing.T, b []byte) {
	var r request
	ok := parseObject(b, &r)
	valid, validUTF8 := validJSON(b)
	object := valid && validUTF8 && trimSpace(b)[0] == '{'
	if ok != object {
		t.Fatalf("parseObject(%.80q) ok = %v; validJSON says valid %v, UTF-8 %v", b, ok, valid, validUTF8)
	}
	if !ok {
		return
	}
	var want request
	parseRequest(trimSpace(b), &want)
	for _, m := range []struct {
		name      string
		got, want []byte
	}{{"jsonrpc", r.jsonrpc, want.jsonrpc}, {"method", r.method, want.method}, {"params", r.params, want.params}, {"id", r.id, want.id}} {
		if !bytes.Equal(m.got, m.want) || (m.got == nil) != (m.want == nil) {
			t.Errorf("parseObject(%.80q): %s %q, parseRequest says %q", b, m.name, m.got, m.want)
		}
	}
}

func BenchmarkParseObject(b *testing.B) {
	payload := []byte(`{"jsonrpc":"2.0","method":"ping","id":1234}`)
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if !parseObject(payload, new(request)) {
			b.Fatal("not parsed")
		}
	}
}
