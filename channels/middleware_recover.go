package channels

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
)

// ErrPanic is matched by the error Recover returns for a consumer that
// panicked.
var ErrPanic = errors.New("channels: consumer panicked")

// Recover returns middleware that turns a panic of the consumer into an
// error matching ErrPanic (and the panic value, when that is an error),
// logged at level Error with the stack to logger, or to slog.Default() when
// logger is nil.
func Recover(logger *slog.Logger) Middleware {
	return func(next Consumer) Consumer {
		return ConsumerFunc(func(ctx context.Context, m *Message) (err error) {
			defer func() {
				if v := recover(); v != nil {
					err = panicked(ctx, logger, m, v)
				}
			}()
			return next.Consume(ctx, m)
		})
	}
}

// panicked logs the panic v of the consumer of m, with the stack, to
// logger (slog.Default() when nil), and returns its error.
func panicked(ctx context.Context, logger *slog.Logger, m *Message, v any) error {
	if logger == nil {
		logger = slog.Default()
	}
	logger.ErrorContext(ctx, "channels: consumer panicked",
		slog.String("channel", m.Channel),
		slog.String("reply_channel", m.ReplyChannel()),
		slog.Any("panic", v),
		slog.String("stack", string(debug.Stack())))
	if perr, ok := v.(error); ok {
		return fmt.Errorf("%w on channel %s: %w", ErrPanic, m.Channel, perr)
	}
	return fmt.Errorf("%w on channel %s: %v", ErrPanic, m.Channel, v)
}
