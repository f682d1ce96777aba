package channels

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzFrameGuard: whatever bytes a client sends, read in whatever pieces,
// the guard never panics, passes no more than it is given, and stops the
// same frame, with the same code, whether it reads them whole or in pieces.
func FuzzFrameGuard(f *testing.F) {
	f.Add(clientFrame(opText, true, 5, []byte("hello")), uint8(1))
	f.Add(clientFrame(opClose, true, 1, []byte{3}), uint8(2))
	f.Add(clientFrame(opText, true, 1<<62, []byte("{}")), uint8(3))
	f.Add(append(clientFrame(opText, false, 600, make([]byte, 600)), clientFrame(opContinuation, true, 600, nil)...), uint8(7))
	f.Add(append(clientFrame(opPing, true, 2, []byte("hi")), clientFrame(opClose, true, 2, []byte{3, 232})...), uint8(5))
	f.Fuzz(func(t *testing.T, stream []byte, step uint8) {
		whole := newFrameGuard(nil, 1000)
		passedWhole := whole.scan(stream)
		if passedWhole > len(stream) || (whole.failed == nil && passedWhole != len(stream)) {
			t.Fatalf("passed %d of %d bytes, failed %v", passedWhole, len(stream), whole.failed)
		}
		pieces := newFrameGuard(nil, 1000)
		n := int(step%16) + 1
		passed := 0
		for i := 0; i < len(stream) && pieces.failed == nil; i += n {
			piece := stream[i:min(i+n, len(stream))]
			p := pieces.scan(piece)
			if p > len(piece) {
				t.Fatalf("passed %d of a %d-byte piece", p, len(piece))
			}
			passed += p
		}
		if (whole.failed == nil) != (pieces.failed == nil) ||
			(whole.failed != nil && *whole.failed != *pieces.failed) {
			t.Fatalf("whole: %v; in %d-byte pieces: %v", whole.failed, n, pieces.failed)
		}
		if passed < passedWhole {
			t.Fatalf("in pieces passed %d bytes, whole %d", passed, passedWhole)
		}
	})
}

// FuzzContentClone: every value JSON decodes to is in the ASGI value set,
// and its clone is canonical (cloning again changes nothing) and equal to
// it but for number types.
func FuzzContentClone(f *testing.F) {
	for _, s := range []string{`{"text":"hi"}`, `{"a":[1,2.5,null,true,{"b":"c"}]}`, `{"n":1e300,"s":"\u00e9\ud83d\ude00"}`, `{}`, `{"deep":[[[[[[]]]]]]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil || m == nil {
			return
		}
		c, err := Content(m).Clone()
		if err != nil {
			if depth(m) < maxDepth-2 { // near the limit, either way
				t.Fatalf("Clone of %s: %v", data, err)
			}
			return
		}
		if !c.canonicalAlready() {
			t.Fatalf("Clone of %s is not canonical: %#v", data, c)
		}
		again, err := c.Clone()
		if err != nil || !reflect.DeepEqual(c, again) {
			t.Fatalf("cloning the clone of %s: %#v, %v", data, again, err)
		}
		back, _ := json.Marshal(c)
		var m2 map[string]any
		if err := json.Unmarshal(back, &m2); err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("the clone of %s is %s", data, back)
		}
	})
}

// depth is how deeply v nests lists and maps (a scalar is 0).
func depth(v any) int {
	d := 0
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			d = max(d, depth(e))
		}
		return d + 1
	case map[string]any:
		for _, e := range v {
			d = max(d, depth(e))
		}
		return d + 1
	}
	return 0
}
