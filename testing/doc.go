// Package channelstest provides test support for code built on package
// channels. Import it under its package name:
//
//	import channelstest "github.com/gochannels/channels-jsonrpc/testing"
//
// # Layer conformance
//
// [TestLayer] checks that a [channels.Layer] behaves the way consumers,
// workers and interface servers rely on: it ports every test of asgiref
// 1.1's ASGI conformance suite and adds checks of the Go API (blocking
// receives, cancellation, fairness, concurrency, content canonicalisation,
// name validation). The in-memory layer runs it, so does the Redis layer, and
// a layer of your own can run it with one call:
//
//	func TestMyLayer(t *testing.T) {
//		channelstest.TestLayer(t, func(t *testing.T) channels.Layer {
//			l := mylayer.New(mylayer.Config{Capacity: 10})
//			t.Cleanup(func() { l.Close() })
//			return l
//		}, channelstest.Features{Capacity: 10})
//	}
//
// Each subtest gets a fresh layer from the factory, so subtests do not see
// each other's messages. The extensions a layer implements ([channels.GroupLayer],
// [channels.GroupLister], [channels.Flusher]) are found by type assertion;
// the subtests of a missing extension are skipped. A layer that is a Flusher
// is flushed before each subtest, which lets a factory hand out layers that
// share one server.
//
// # Time
//
// Message and group expiry are tested without waiting: [Features.Advance]
// moves the layer's clock forward. A layer that reads time.Now runs the suite
// in [testing/synctest] bubbles, where time.Sleep advances a fake clock at
// once:
//
//	channelstest.TestLayer(t, newLayer, channelstest.Features{
//		Capacity:    10,
//		Expiry:      time.Minute,
//		GroupExpiry: time.Hour,
//		Run:         synctest.Test, // each subtest in its own bubble
//		Settle:      synctest.Wait, // let blocked receivers block
//		Advance:     time.Sleep,    // fake time: returns at once
//	})
//
// Without Advance the expiry subtests are skipped; nothing in the suite
// sleeps in real time.
package channelstest
