package channels

import (
	"fmt"
	"net/http/httptest"
	"testing"
)

// asgiHeaders: the host first, then the headers sorted by name, names
// lowercased, one pair per value, names with '_' dropped, all as bytes;
// Message.Header finds them whatever the case.
func TestASGIHeaders(t *testing.T) {
	r := httptest.NewRequest("POST", "http://example.com/rpc/", nil)
	r.Header = map[string][]string{
		"X-B": {"2", "3"}, "Accept": {"a"}, "X_Bad": {"z"}, "Upper-CASE": {"V"},
	}
	hs := asgiHeaders(r)
	var got []string
	for _, h := range hs {
		pair := h.([]any)
		got = append(got, fmt.Sprintf("%s=%s", pair[0].([]byte), pair[1].([]byte)))
	}
	if want := "[host=example.com accept=a upper-case=V x-b=2 x-b=3]"; fmt.Sprint(got) != want {
		t.Fatalf("headers %v, want %s", got, want)
	}
	// The pairs share arrays: growing one must not write over the next.
	first := hs[0].([]any)
	_ = append(first, "extra")
	name := first[0].([]byte)
	_ = append(name, 'X')
	if pair := hs[1].([]any); string(pair[0].([]byte)) != "accept" {
		t.Errorf("appending to the first pair changed the second: %q", pair[0])
	}
	m := NewMessage("", Content{"headers": hs})
	for name, want := range map[string]string{"HOST": "example.com", "x-b": "2", "Upper-Case": "V", "X_Bad": "", "none": ""} {
		if got := m.Header(name); got != want {
			t.Errorf("Header(%q) = %q, want %q", name, got, want)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { m.Header("x-b") }); allocs > 1 {
		t.Errorf("Header allocates %v times, want at most 1 (the value)", allocs)
	}
}
