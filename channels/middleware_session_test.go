package channels_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/gorilla/websocket"

	"github.com/gochannels/channels-jsonrpc/channels"
)

func TestChannelSessionKey(t *testing.T) {
	tests := []struct{ reply, want string }{
		{"daphne.response.AbCdEfGhIj!KlMnOpQrSt", "chn3be2a8c5fbef5f6c59386e948e977"},
		{"defaultAbCdE", "chnc23a5eb3fd93060a041bd33b310e4"},
	}
	for _, tt := range tests {
		if got := channels.ChannelSessionKey(tt.reply); got != tt.want {
			t.Errorf("ChannelSessionKey(%q) = %q; want %q", tt.reply, got, tt.want)
		}
	}
}

// sessTestStore records the calls made to a MemorySessionStore and can fail
// them.
type sessTestStore struct {
	channels.MemorySessionStore
	mu    sync.Mutex
	calls []string
	fail  map[string]error // by method
}

func (s *sessTestStore) record(call, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call+" "+key)
	return s.fail[call]
}

func (s *sessTestStore) Load(ctx context.Context, key string) (channels.Content, error) {
	if err := s.record("load", key); err != nil {
		return nil, err
	}
	return s.MemorySessionStore.Load(ctx, key)
}

func (s *sessTestStore) Save(ctx context.Context, key string, values channels.Content) error {
	if err := s.record("save", key); err != nil {
		return err
	}
	return s.MemorySessionStore.Save(ctx, key, values)
}

func (s *sessTestStore) Delete(ctx context.Context, key string) error {
	if err := s.record("delete", key); err != nil {
		return err
	}
	return s.MemorySessionStore.Delete(ctx, key)
}

func (s *sessTestStore) takeCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
	return c
}

func sessTestStored(t *testing.T, s channels.SessionStore, key string) channels.Content {
	t.Helper()
	v, err := s.Load(context.Background(), key)
	if err != nil {
		t.Fatalf("Load(%q): %v", key, err)
	}
	return v
}

// sessTestReply is the reply channel of the messages TestChannelSession
// consumes, and sessTestKey the key of its channel session.
const (
	sessTestReply = "daphne.response.AbCdEfGhIj!KlMnOpQrSt"
	sessTestKey   = "chn3be2a8c5fbef5f6c59386e948e977"
)

// channelSessionCase is a session stored before a message (nil: none), what
// the consumer does with it, and the store calls and stored session after.
type channelSessionCase struct {
	name    string
	stored  channels.Content // nil: nothing stored
	consume func(s *channels.Session) error
	wantErr error
	calls   []string
	after   channels.Content // nil: nothing stored
}

// channelSessionCases are the sessions ChannelSession loads, and saves,
// deletes or leaves alone after the consumer.
func channelSessionCases() []channelSessionCase {
	const key = sessTestKey
	errConsumer := errors.New("consumer failed")
	return []channelSessionCase{
		{
			name:    "new session, set",
			consume: func(s *channels.Session) error { s.Set("a", "1"); return nil },
			calls:   []string{"load " + key, "save " + key},
			after:   channels.Content{"a": "1"},
		},
		{
			name:    "new session, untouched",
			consume: func(s *channels.Session) error { return nil },
			calls:   []string{"load " + key},
		},
		{
			name:    "stored session, read only",
			stored:  channels.Content{"a": "1"},
			consume: func(s *channels.Session) error { return nil },
			calls:   []string{"load " + key},
			after:   channels.Content{"a": "1"},
		},
		{
			name:    "stored session, changed",
			stored:  channels.Content{"a": "1"},
			consume: func(s *channels.Session) error { s.Set("b", int64(2)); return nil },
			calls:   []string{"load " + key, "save " + key},
			after:   channels.Content{"a": "1", "b": int64(2)},
		},
		{
			name:    "emptied session is deleted",
			stored:  channels.Content{"_auth_user_id": "1"},
			consume: func(s *channels.Session) error { s.Clear(); return nil },
			calls:   []string{"load " + key, "delete " + key},
		},
		{
			name:    "saved when the consumer fails",
			consume: func(s *channels.Session) error { s.Set("a", "1"); return errConsumer },
			wantErr: errConsumer,
			calls:   []string{"load " + key, "save " + key},
			after:   channels.Content{"a": "1"},
		},
	}
}

func TestChannelSession(t *testing.T) {
	const reply, key = sessTestReply, sessTestKey
	for _, tt := range channelSessionCases() {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := &sessTestStore{}
			if tt.stored != nil {
				if err := store.Save(ctx, key, tt.stored); err != nil {
					t.Fatal(err)
				}
				store.takeCalls()
			}
			var got *channels.Session
			c := channels.ChannelSession(store)(channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
				got = m.ChannelSession
				if got == nil {
					t.Fatal("m.ChannelSession is nil in the consumer")
				}
				if got.Key() != key {
					t.Errorf("session key = %q; want %q", got.Key(), key)
				}
				if !maps.Equal(got.Values(), tt.stored) {
					t.Errorf("session values = %v; want %v", got.Values(), tt.stored)
				}
				return tt.consume(got)
			}))
			m := channels.NewMessage("websocket.receive", channels.Content{"reply_channel": reply})
			if err := c.Consume(ctx, m); !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Consume = %v; want %v", err, tt.wantErr)
			}
			if calls := store.takeCalls(); !slices.Equal(calls, tt.calls) {
				t.Errorf("store calls = %q; want %q", calls, tt.calls)
			}
			if after := sessTestStored(t, store, key); !reflect.DeepEqual(after, tt.after) {
				t.Errorf("stored after = %v; want %v", after, tt.after)
			}
			if m.ChannelSession != got {
				t.Errorf("m.ChannelSession after = %p; want the consumer's session %p", m.ChannelSession, got)
			}
		})
	}
}

func TestChannelSessionKeepsExistingSession(t *testing.T) {
	ctx := context.Background()
	store := &sessTestStore{}
	mine := channels.NewSession("chnmine", channels.Content{"a": "1"})
	c := channels.ChannelSession(store)(channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		if m.ChannelSession != mine {
			t.Errorf("m.ChannelSession = %p; want the message's own %p", m.ChannelSession, mine)
		}
		m.ChannelSession.Set("b", "2")
		return nil
	}))
	m := channels.NewMessage("websocket.receive", channels.Content{})
	m.ChannelSession = mine
	if err := c.Consume(ctx, m); err != nil {
		t.Fatalf("Consume: %v", err)
	}
	if calls, want := store.takeCalls(), []string{"save chnmine"}; !slices.Equal(calls, want) {
		t.Errorf("store calls = %q; want %q", calls, want)
	}
}

func TestChannelSessionNestedSavesOnce(t *testing.T) {
	ctx := context.Background()
	store := &sessTestStore{}
	inner := channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
		m.ChannelSession.Set("a", "1")
		return nil
	})
	c := channels.Chain(inner, channels.ChannelSession(store), channels.ChannelSession(store))
	m := channels.NewMessage("websocket.receive", channels.Content{"reply_channel": "defaultAbCdE"})
	if err := c.Consume(ctx, m); err != nil {
		t.Fatalf("Consume: %v", err)
	}
	want := []string{"load chnc23a5eb3fd93060a041bd33b310e4", "save chnc23a5eb3fd93060a041bd33b310e4"}
	if calls := store.takeCalls(); !slices.Equal(calls, want) {
		t.Errorf("store calls = %q; want %q", calls, want)
	}
}

func TestChannelSessionErrors(t *testing.T) {
	errStore := errors.New("store down")
	errConsumer := errors.New("consumer failed")
	tests := []struct {
		name     string
		reply    string
		fail     string // the store method that fails
		consumer error
		want     []error // all matched by the error
		ran      bool
	}{
		{name: "no reply channel", want: []error{channels.ErrNoReplyChannel}},
		{name: "load fails", reply: "defaultAbCdE", fail: "load", want: []error{errStore}, ran: true},
		{name: "save fails", reply: "defaultAbCdE", fail: "save", want: []error{errStore}, ran: true},
		{name: "save and consumer fail", reply: "defaultAbCdE", fail: "save", consumer: errConsumer, want: []error{errStore, errConsumer}, ran: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &sessTestStore{fail: map[string]error{tt.fail: errStore}}
			ran := false
			c := channels.ChannelSession(store)(channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
				ran = true
				m.ChannelSession.Set("a", "1")
				return tt.consumer
			}))
			m := channels.NewMessage("websocket.receive", channels.Content{})
			if tt.reply != "" {
				m.Content()["reply_channel"] = tt.reply
			}
			err := c.Consume(context.Background(), m)
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("Consume = %v; want an error matching %v", err, want)
				}
			}
			if ran != tt.ran {
				t.Errorf("consumer ran = %v; want %v", ran, tt.ran)
			}
		})
	}
}

// TestChannelSessionReadWhenUsed: the store is read only when the consumer
// first uses the session, once; a session whose read failed reads as empty,
// reports the error from Load and is not saved.
func TestChannelSessionReadWhenUsed(t *testing.T) {
	const key = "chnc23a5eb3fd93060a041bd33b310e4" // of "defaultAbCdE"
	errStore := errors.New("store down")
	tests := []struct {
		name    string
		fail    error
		use     func(s *channels.Session)
		calls   []string
		wantErr error
	}{
		{name: "unused", use: func(*channels.Session) {}},
		{name: "read twice", use: func(s *channels.Session) { s.String("a"); s.Len() },
			calls: []string{"load " + key}},
		{name: "written", use: func(s *channels.Session) { s.Set("a", "2") },
			calls: []string{"load " + key, "save " + key}},
		{name: "read fails", fail: errStore, use: func(s *channels.Session) { s.Set("a", "2") },
			calls: []string{"load " + key}, wantErr: errStore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &sessTestStore{}
			if err := store.MemorySessionStore.Save(context.Background(), key, channels.Content{"a": "1"}); err != nil {
				t.Fatal(err)
			}
			store.fail = map[string]error{"load": tt.fail}
			c := channels.ChannelSession(store)(channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
				tt.use(m.ChannelSession)
				if tt.calls == nil {
					return nil // Load would read the store
				}
				if err := m.ChannelSession.Load(); !errors.Is(err, tt.wantErr) {
					t.Errorf("Load = %v; want %v", err, tt.wantErr)
				}
				if tt.fail != nil && m.ChannelSession.Len() != 1 {
					t.Errorf("a session that could not be read holds %v; want only what was set", m.ChannelSession.Values())
				}
				return nil
			}))
			m := channels.NewMessage("websocket.receive", channels.Content{"reply_channel": "defaultAbCdE"})
			if err := c.Consume(context.Background(), m); !errors.Is(err, tt.wantErr) {
				t.Errorf("Consume = %v; want %v", err, tt.wantErr)
			}
			if calls := store.takeCalls(); !slices.Equal(calls, tt.calls) {
				t.Errorf("store calls = %q; want %q", calls, tt.calls)
			}
			if got := sessTestStored(t, &store.MemorySessionStore, key); got.String("a") != "1" && tt.name != "written" {
				t.Errorf("stored session = %v; want it unchanged", got)
			}
		})
	}
}

// TestChannelSessionOfServedFrames: the frames of a served WebSocket get
// the session that its websocket.connect saved, under ChannelSessionKey of
// the reply channel (the server makes the key once per connection).
func TestChannelSessionOfServedFrames(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := channels.NewMemorySessionStore()
		sessions := channels.ChannelSession(store)
		connect := sessions(channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			m.ChannelSession.Set("seen", "connect")
			return m.Accept(ctx)
		}))
		receive := sessions(channels.ConsumerFunc(func(ctx context.Context, m *channels.Message) error {
			seen, _ := m.ChannelSession.Get("seen")
			text, _ := m.Text()
			m.ChannelSession.Set("seen", text)
			ok := m.ChannelSession.Key() == channels.ChannelSessionKey(m.ReplyChannel())
			return m.SendText(ctx, fmt.Sprintf("%v %v", seen, ok))
		}))
		b := startBubble(t, nil, channels.ServerConfig{}, channels.WorkerConfig{},
			channels.Route("websocket.connect", connect), channels.Route("websocket.receive", receive))
		conn := b.mustDial("/")
		for _, tt := range []struct{ send, want string }{{"a", "connect true"}, {"b", "a true"}} {
			conn.WriteMessage(websocket.TextMessage, []byte(tt.send))
			if _, data, err := conn.ReadMessage(); err != nil || string(data) != tt.want {
				t.Fatalf("sent %q: read %q, %v; want %q", tt.send, data, err, tt.want)
			}
		}
	})
}
