package channels_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"strings"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

func recTestPanicky(v any) channels.Consumer {
	return channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		panic(v)
	})
}

// recoverCase is a consumer wrapped in Recover, the error the wrapper
// returns and whether it logs.
type recoverCase struct {
	name     string
	consumer channels.Consumer
	want     []error // matched by the error
	text     string  // in the error
	logged   bool
}

// recoverCases are consumers that panic in several ways, and one that fails
// without panicking.
func recoverCases() []recoverCase {
	errConsumer := errors.New("plain failure")
	return []recoverCase{
		{"string panic", recTestPanicky("boom"), []error{channels.ErrPanic}, "channels: consumer panicked on channel websocket.receive: boom", true},
		{"error panic", recTestPanicky(fs.ErrNotExist), []error{channels.ErrPanic, fs.ErrNotExist}, "file does not exist", true},
		{"nil panic", recTestPanicky(nil), []error{channels.ErrPanic}, "panic called with nil", true},
		{
			"runtime error",
			channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
				var mp map[string]int
				mp["x"] = 1
				return nil
			}),
			[]error{channels.ErrPanic},
			"assignment to entry in nil map",
			true,
		},
		{
			"no panic",
			channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error { return errConsumer }),
			[]error{errConsumer},
			"plain failure",
			false,
		},
	}
}

func TestRecover(t *testing.T) {
	for _, tt := range recoverCases() {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, nil))
			c := channels.Recover(logger)(tt.consumer)
			m := channels.NewMessage("websocket.receive", channels.Content{"reply_channel": "defaultAbCdE"})
			err := c.Consume(context.Background(), m)
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("Consume = %v; want an error matching %v", err, want)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Consume = %v; want an error containing %q", err, tt.text)
			}
			if !tt.logged {
				if buf.Len() != 0 {
					t.Errorf("logged %q; want nothing", buf.String())
				}
				return
			}
			log := buf.String()
			for _, want := range []string{"level=ERROR", "channel=websocket.receive", "reply_channel=defaultAbCdE", "stack=", "middleware_recover_test.go"} {
				if !strings.Contains(log, want) {
					t.Errorf("log %q does not contain %q", log, want)
				}
			}
		})
	}
}

func TestRecoverNilLoggerUsesDefault(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)

	c := channels.Recover(nil)(recTestPanicky("boom"))
	err := c.Consume(context.Background(), channels.NewMessage("http.request", channels.Content{}))
	if !errors.Is(err, channels.ErrPanic) {
		t.Errorf("Consume = %v; want an error matching ErrPanic", err)
	}
	if !strings.Contains(buf.String(), "panic=boom") {
		t.Errorf("default logger got %q; want the panic logged", buf.String())
	}
}
