// Package channelstest provides test support for code built on package
// channels: the counterparts of Channels' ChannelTestCase ([Env]), test
// client ([Client]) and live server ([LiveServer]), and a conformance suite
// for channel layers ([TestLayer]). Import it under its package name:
//
//	import channelstest "github.com/gochannels/channels-jsonrpc/testing"
//
// # Layer conformance
//
// [TestLayer] checks that a [channels.Layer] behaves the way consumers,
// workers and interface servers rely on. It ports every test of asgiref 1.1's
// ASGI conformance suite and adds checks of what the Go API adds: blocking
// receives, cancellation, fairness, concurrency, canonical content and name
// validation. The memory layer runs it, so does the Redis layer, and a layer
// of your own runs it with one call:
//
//	func TestMyLayer(t *testing.T) {
//		channelstest.TestLayer(t, func(t *testing.T) channels.Layer {
//			l := mylayer.New(mylayer.Config{Capacity: 10})
//			t.Cleanup(func() { l.Close() })
//			return l
//		}, channelstest.Features{Capacity: 10})
//	}
//
// Every subtest gets a fresh layer from the factory, so no subtest sees
// another's messages. The extensions a layer implements
// ([channels.GroupLayer], [channels.GroupLister], [channels.Flusher]) are
// found by type assertion, and the subtests of a missing one are skipped. A
// layer that is a Flusher is flushed before each subtest, so a factory may
// hand out layers that share one server.
//
// # Time
//
// Nothing in the suite sleeps. Message and group expiry are tested by moving
// the layer's clock with [Features.Advance]; without it those subtests are
// skipped. A layer that reads time.Now, like the memory layer, runs each
// subtest in a [testing/synctest] bubble, where time.Sleep advances a fake
// clock at once:
//
//	channelstest.TestLayer(t, newLayer, channelstest.Features{
//		Capacity:    10,
//		Expiry:      time.Minute,
//		GroupExpiry: time.Hour,
//		Run:         synctest.Test, // each subtest in its own bubble
//		Settle:      synctest.Wait, // lets receivers block before a send
//		Advance:     time.Sleep,    // moves the fake clock
//	})
//
// A layer whose clock is on a server passes a function that moves that
// clock instead, such as the FastForward method of a miniredis server.
package channelstest
