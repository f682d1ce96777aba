package redislayer_test

import (
	"context"
	"fmt"

	"github.com/gochannels/channels-jsonrpc/channels/redislayer"
)

// A layer URL holds what Django's CHANNEL_LAYERS holds for a
// RedisChannelLayer.
func ExampleParseURL() {
	cfg, err := redislayer.ParseURL("redis://redis-a:6379/0?capacity=200&expiry=30&prefix=asgi" +
		"&channel_capacity=http.request:500&host=redis://redis-b:6379/0")
	if err != nil {
		panic(err)
	}
	fmt.Println("hosts:", cfg.Hosts)
	fmt.Println("capacity:", cfg.Capacity, cfg.ChannelCapacity)
	fmt.Println("expiry:", cfg.Expiry, "prefix:", cfg.Prefix)
	// Output:
	// hosts: [redis://redis-a:6379/0 redis://redis-b:6379/0]
	// capacity: 200 [{http.request 500}]
	// expiry: 30s prefix: asgi
}

// Open is ParseURL followed by New. It does not connect: the first call
// that needs Redis does.
func ExampleOpen() {
	layer, err := redislayer.Open("redis://localhost:6379/0?prefix=myapp")
	if err != nil {
		panic(err)
	}
	defer layer.Close()
	name, _ := layer.NewChannel(context.Background(), "specific")
	fmt.Println(name[:9], len(name))
	// Output:
	// specific. 74
}
