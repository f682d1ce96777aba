package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

// FuzzDispatch checks that no payload makes Dispatch panic, that the body is
// nil or valid JSON, that a batch is answered by an array and anything else
// by an object, and that every response is well formed.
func FuzzDispatch(f *testing.F) {
	for _, g := range allEngineGolden() {
		f.Add([]byte(g.req), uint8(0))
	}
	f.Add([]byte(`[{"jsonrpc":"2.0","method":"ctxinfo","id":1},{"method":"echo","params":["x"],"id":null}]`), uint8(1))
	f.Add([]byte(`{"jsonrpc":"2.0","method":"ws_only","id":1}`), uint8(2))
	f.Add([]byte(`{"jsonrpc":"2.0","method":"point","params":{"x":1e2,"y":-0.0,"label":"\ud83d\ude00"},"id":1}`), uint8(0))

	rec := &engRecorder{}
	r := newEngineRegistry(f, rec)
	const maxBatch = 8
	opts := &Options{MaxBatch: maxBatch, Logger: slog.New(slog.DiscardHandler)}
	transports := []Transport{"", Websocket, HTTP}

	f.Fuzz(func(t *testing.T, payload []byte, transport uint8) {
		ctx := context.Background()
		if tr := transports[int(transport)%len(transports)]; tr != "" {
			ctx = WithCall(ctx, &Call{Transport: tr})
		}
		rep := r.Dispatch(ctx, payload, opts)
		rec.take()
		if rep.Body == nil {
			if rep.ErrorCode != 0 {
				t.Fatalf("ErrorCode %d without a body", rep.ErrorCode)
			}
			return
		}
		if !json.Valid(rep.Body) {
			t.Fatalf("invalid JSON body %q for %q", rep.Body, payload)
		}
		elems, isBatch := engBatchElements(payload)
		isBatch = isBatch && len(elems) > 0 && len(elems) <= maxBatch
		switch {
		case isBatch && rep.Body[0] != '[':
			t.Fatalf("batch %q answered by %q", payload, rep.Body)
		case !isBatch && rep.Body[0] != '{':
			t.Fatalf("non-batch %q answered by %q", payload, rep.Body)
		}
		if isBatch {
			if rep.ErrorCode != 0 {
				t.Fatalf("ErrorCode %d for a batch", rep.ErrorCode)
			}
			var resps []json.RawMessage
			if err := json.Unmarshal(rep.Body, &resps); err != nil {
				t.Fatal(err)
			}
			if len(resps) == 0 || len(resps) > len(elems) {
				t.Fatalf("%d responses to %d requests", len(resps), len(elems))
			}
			for _, resp := range resps {
				engCheckResponse(t, resp, true)
			}
			return
		}
		code := engCheckResponse(t, rep.Body, false)
		if rep.ErrorCode != code {
			t.Fatalf("ErrorCode %d, body %s", rep.ErrorCode, rep.Body)
		}
	})
}

// batchElements returns the elements of a payload that is a JSON array.
func engBatchElements(payload []byte) ([]json.RawMessage, bool) {
	p := bytes.TrimLeft(payload, " \t\r\n")
	if len(p) == 0 || p[0] != '[' || !json.Valid(payload) {
		return nil, false
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(payload, &elems); err != nil {
		return nil, false
	}
	return elems, true
}

// checkResponse validates one response object and returns its error code
// (0 for success).
func engCheckResponse(t *testing.T, resp json.RawMessage, inBatch bool) Code {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(resp, &m); err != nil {
		t.Fatalf("response %s: %v", resp, err)
	}
	if _, ok := m["id"]; !ok {
		t.Fatalf("response without id: %s", resp)
	}
	result, hasResult := m["result"]
	errObj, hasError := m["error"]
	if v, ok := m["jsonrpc"]; ok {
		if string(v) != `"2.0"` || hasResult == hasError || len(m) != 3 {
			t.Fatalf("bad 2.0 response %s", resp)
		}
	} else {
		if inBatch || !hasResult || !hasError || len(m) != 3 {
			t.Fatalf("bad 1.0 response %s", resp)
		}
		if string(errObj) == "null" {
			return 0
		}
		if string(result) != "null" {
			t.Fatalf("1.0 response with result and error: %s", resp)
		}
	}
	if !hasError {
		return 0
	}
	var e struct {
		Code    *Code           `json:"code"`
		Message *string         `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(errObj, &e); err != nil || e.Code == nil || e.Message == nil || *e.Message == "" {
		t.Fatalf("bad error object %s", errObj)
	}
	return *e.Code
}
