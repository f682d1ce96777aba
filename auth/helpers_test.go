package auth_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// recStore is a MemorySessionStore that records calls and can fail them.
type recStore struct {
	channels.MemorySessionStore
	mu    sync.Mutex
	calls []string
	fail  map[string]error // by method: load, save, delete
}

func newRecStore() *recStore { return &recStore{fail: map[string]error{}} }

func (s *recStore) record(call, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call+" "+key)
	return s.fail[call]
}

func (s *recStore) Load(ctx context.Context, key string) (channels.Content, error) {
	if err := s.record("load", key); err != nil {
		return nil, err
	}
	return s.MemorySessionStore.Load(ctx, key)
}

func (s *recStore) Save(ctx context.Context, key string, values channels.Content) error {
	if err := s.record("save", key); err != nil {
		return err
	}
	return s.MemorySessionStore.Save(ctx, key, values)
}

func (s *recStore) Delete(ctx context.Context, key string) error {
	if err := s.record("delete", key); err != nil {
		return err
	}
	return s.MemorySessionStore.Delete(ctx, key)
}

func (s *recStore) takeCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
	return c
}

// put stores values under key without recording a call.
func (s *recStore) put(t *testing.T, key string, values channels.Content) {
	t.Helper()
	if err := s.MemorySessionStore.Save(context.Background(), key, values); err != nil {
		t.Fatal(err)
	}
}

// stored returns what the store holds under key.
func stored(t *testing.T, s channels.SessionStore, key string) channels.Content {
	t.Helper()
	v, err := s.Load(context.Background(), key)
	if err != nil {
		t.Fatalf("Load(%q): %v", key, err)
	}
	return v
}

const testReply = "daphne.response.AbCdEfGhIj!KlMnOpQrSt"

// connectMsg returns a websocket.connect message with the given query
// string and cookie header ("" for none).
func connectMsg(query, cookie string) *channels.Message {
	headers := []any{[]any{[]byte("host"), []byte("example.com")}}
	if cookie != "" {
		headers = append(headers, []any{[]byte("cookie"), []byte(cookie)})
	}
	return channels.NewMessage("websocket.connect", channels.Content{
		"reply_channel": testReply,
		"path":          "/ws/",
		"query_string":  []byte(query),
		"headers":       headers,
		"order":         int64(0),
	})
}

// receiveMsg returns a websocket.receive message, which has no headers.
func receiveMsg(text string) *channels.Message {
	return channels.NewMessage("websocket.receive", channels.Content{
		"reply_channel": testReply,
		"path":          "/ws/",
		"text":          text,
		"order":         int64(1),
	})
}

// capture is a consumer that records the message it saw and runs do, if
// set, before returning err.
type capture struct {
	seen *channels.Message
	do   func(m *channels.Message)
	err  error
}

func (c *capture) Consume(ctx context.Context, m *channels.Message) error {
	c.seen = m
	if c.do != nil {
		c.do(m)
	}
	return c.err
}

func run(t *testing.T, c channels.Consumer, m *channels.Message) error {
	t.Helper()
	return c.Consume(context.Background(), m)
}

func equalCalls(got, want []string) bool { return slices.Equal(got, want) }
