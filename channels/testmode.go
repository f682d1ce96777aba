package channels

import "context"

type testModeKey struct{}

// WithTestMode returns a context in test mode (the TEST_MODE of
// django-channels-jsonrpc): consumers that would run work in the background
// run it synchronously, in message order, in the calling goroutine, so that
// a test sees every reply as soon as Consume returns. The channelstest
// harness consumes in test mode.
func WithTestMode(ctx context.Context) context.Context {
	return context.WithValue(ctx, testModeKey{}, true)
}

// TestMode reports whether ctx is in test mode.
func TestMode(ctx context.Context) bool {
	on, _ := ctx.Value(testModeKey{}).(bool)
	return on
}
