package redislayer_test

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

type quietRedisLogger struct{}

func (quietRedisLogger) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	// go-redis logs failed dials to stderr; the fault tests cause many.
	redis.SetLogger(quietRedisLogger{})
	os.Exit(m.Run())
}
