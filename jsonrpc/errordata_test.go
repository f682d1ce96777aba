package jsonrpc

import (
	"context"
	"errors"
	"testing"
)

func TestErrorDataAsTheOriginal(t *testing.T) {
	var r Registry
	r.MustRegister(func() error { return errors.New("fake_error") }, Name("one"))
	r.MustRegister(func() error { return errors.Join(errors.New("a"), errors.New(`b "quoted"`)) }, Name("joined"))
	r.MustRegister(func() error { return &Error{Code: -32001, Message: "mine"} }, Name("own"))
	for _, tt := range []struct {
		method    string
		errorData bool
		want      string
	}{
		{"one", false, `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"fake_error"}}`},
		{"one", true, `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"fake_error","data":"fake_error"}}`},
		{"joined", true, `{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"a\nb \"quoted\"","data":["a","b \"quoted\""]}}`},
		{"own", true, `{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"mine"}}`},
	} {
		req := `{"jsonrpc":"2.0","id":1,"method":"` + tt.method + `"}`
		if got := string(r.Dispatch(context.Background(), []byte(req), &Options{ErrorData: tt.errorData}).Body); got != tt.want {
			t.Errorf("%s, ErrorData %v:\n got %s\nwant %s", tt.method, tt.errorData, got, tt.want)
		}
	}
}
