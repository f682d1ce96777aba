package django_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gochannels/channels-jsonrpc/jsonrpc"
	"github.com/gochannels/channels-jsonrpc/jsonrpc/django"
)

// Encoder writes times and durations as Django's DjangoJSONEncoder does.
// Set it as a consumer's Encoder to encode every result that way.
func ExampleEncoder() {
	at := time.Date(2024, time.January, 2, 3, 4, 5, 678901234, time.UTC)
	took := 26*time.Hour + 3*time.Minute + 4*time.Second + 5*time.Microsecond
	b, err := django.Encoder{}.Marshal(map[string]any{"at": at, "took": took})
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println(string(b))

	paris := time.FixedZone("CET", 3600)
	b, _ = django.Encoder{}.Marshal([]any{time.Date(2024, 6, 1, 12, 0, 0, 0, paris), -90 * time.Second})
	fmt.Println(string(b))

	var r jsonrpc.Registry
	r.Register(func() time.Time { return at }, jsonrpc.Name("now"))
	opts := &jsonrpc.Options{Encoder: django.Encoder{}}
	fmt.Printf("%s\n", r.Dispatch(context.Background(), []byte(`{"jsonrpc":"2.0","method":"now","id":1}`), opts).Body)
	// Output:
	// {"at":"2024-01-02T03:04:05.678Z","took":"P1DT02H03M04.000005S"}
	// ["2024-06-01T12:00:00+01:00","-P0DT00H01M30S"]
	// {"jsonrpc":"2.0","id":1,"result":"2024-01-02T03:04:05.678Z"}
}
