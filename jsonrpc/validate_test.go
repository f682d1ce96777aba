package jsonrpc

import (
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
