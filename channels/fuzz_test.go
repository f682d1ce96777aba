package channels

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"testing"
)

// FuzzWSReader: whatever bytes a client sends, read in whatever pieces,
// the reader never panics, and reads the same messages and control frames,
// and stops with the same error, whether the bytes come whole or in pieces.
func FuzzWSReader(f *testing.F) {
	f.Add(clientFrame(opText, true, 5, []byte("hello")), uint8(1))
	f.Add(clientFrame(opClose, true, 1, []byte{3}), uint8(2))
	f.Add(clientFrame(opText, true, 1<<62, []byte("{}")), uint8(3))
	f.Add(append(clientFrame(opText, false, 600, make([]byte, 600)), clientFrame(opContinuation, true, 600, nil)...), uint8(7))
	f.Add(append(clientFrame(opPing, true, 2, []byte("hi")), clientFrame(opClose, true, 2, []byte{3, 232})...), uint8(5))
	f.Fuzz(func(t *testing.T, stream []byte, step uint8) {
		n := int(step%16) + 1
		whole, wholeErr := readAll(stream, 5000, func(r io.Reader) io.Reader { return r })
		pieces, piecesErr := readAll(stream, 5000, func(r io.Reader) io.Reader { return &pieceReader{r, n} })
		if !slices.Equal(whole, pieces) || fmt.Sprint(wholeErr) != fmt.Sprint(piecesErr) {
			t.Fatalf("whole: %.100q, %v; in %d-byte pieces: %.100q, %v", whole, wholeErr, n, pieces, piecesErr)
		}
	})
}

// pieceReader reads at most n bytes at a time.
type pieceReader struct {
	r io.Reader
	n int
}

func (p *pieceReader) Read(b []byte) (int, error) { return p.r.Read(b[:min(len(b), p.n)]) }

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
