package auth_test

import (
	"encoding/gob"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gochannels/channels-jsonrpc/auth"
	"github.com/gochannels/channels-jsonrpc/channels"
	"github.com/gorilla/sessions"
)

var (
	hashKey  = []byte("0123456789abcdef0123456789abcdef")
	blockKey = []byte("fedcba9876543210fedcba9876543210")
)

// gorillaCookie runs a login handler of a web application on store and
// returns the session cookie it set.
func gorillaCookie(t *testing.T, store sessions.Store, name string, values map[any]any) *http.Cookie {
	t.Helper()
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, name)
		if err != nil {
			t.Errorf("store.Get: %v", err)
		}
		for k, v := range values {
			s.Values[k] = v
		}
		if err := s.Save(r, w); err != nil {
			t.Errorf("Save: %v", err)
		}
	})
	rec := httptest.NewRecorder()
	login.ServeHTTP(rec, httptest.NewRequest("POST", "/login", nil))
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("login set no %s cookie", name)
	return nil
}

type point struct{ X, Y int }

func init() { gob.Register(point{}) }

func TestGorillaCookieStoreUser(t *testing.T) {
	store := sessions.NewCookieStore(hashKey, blockKey)
	cookie := gorillaCookie(t, store, "app", map[any]any{auth.UserIDKey: "17"})
	alice := &testUser{id: "17", name: "alice"}
	seen := &userSeen{}
	env := wsEnv(t, seen, nil)
	env.ApplyRoutes(wsRoutes(`^/ws/$`, channels.Chain(seen.consumer(),
		channels.ChannelSession(env.Sessions),
		auth.ChannelSessionUserFromHTTP(auth.GorillaSessions(store, "app"), newUserDB(alice)),
	))...)

	client := env.Client()
	client.SetCookie("sessionid", "ignored") // not the gorilla session's cookie
	client.SetCookie(cookie.Name, cookie.Value)
	client.Connect("/ws/")
	client.SendTextAndConsume("websocket.receive", "hi")
	for _, ch := range []string{"websocket.connect", "websocket.receive"} {
		if u := seen.on(ch); u != alice {
			t.Errorf("%s: m.User = %#v, want alice", ch, u)
		}
	}
}

func TestGorillaLoad(t *testing.T) {
	store := sessions.NewCookieStore(hashKey, blockKey)
	g := auth.GorillaSessions(store, "app")
	if got := g.SessionCookieName(); got != "app" {
		t.Errorf("SessionCookieName = %q", got)
	}
	cookie := gorillaCookie(t, store, "app", map[any]any{
		auth.UserIDKey: 42, // an int, read as int64
		"name":         "alice",
		"tags":         []string{"a", "b"},
		"point":        point{1, 2}, // not an ASGI value: left out
		7:              "int key",   // not a string key: left out
	})
	values, err := g.Load(t.Context(), cookie.Value)
	if err != nil {
		t.Fatal(err)
	}
	if values.String("name") != "alice" || len(values) != 3 {
		t.Errorf("values = %v, want name, tags and the id", values)
	}
	if id, ok := values.Int(auth.UserIDKey); !ok || id != 42 {
		t.Errorf("id = %v, want 42", values[auth.UserIDKey])
	}

	for name, key := range map[string]string{
		"forged":    cookie.Value[:len(cookie.Value)-4] + "AAAA",
		"garbage":   "not a cookie",
		"empty":     "",
		"other key": gorillaCookie(t, sessions.NewCookieStore([]byte("another 32-byte authentication k")), "app", map[any]any{"a": "b"}).Value,
	} {
		values, err := g.Load(t.Context(), key)
		if err != nil || values != nil {
			t.Errorf("%s: Load = %v, %v; want no session", name, values, err)
		}
	}
}

func TestGorillaExpired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := sessions.NewCookieStore(hashKey)
		store.MaxAge(60)
		cookie := gorillaCookie(t, store, "app", map[any]any{auth.UserIDKey: "1"})
		g := auth.GorillaSessions(store, "app")
		if values, _ := g.Load(t.Context(), cookie.Value); values == nil {
			t.Fatal("fresh cookie: no session")
		}
		time.Sleep(61 * time.Second) // the bubble's clock
		values, err := g.Load(t.Context(), cookie.Value)
		if err != nil || values != nil {
			t.Errorf("Load of an expired cookie = %v, %v; want no session", values, err)
		}
	})
}

func TestGorillaFilesystemStore(t *testing.T) {
	dir := t.TempDir()
	store := sessions.NewFilesystemStore(dir, hashKey)
	cookie := gorillaCookie(t, store, "fs", map[any]any{auth.UserIDKey: "3"})
	g := auth.GorillaSessions(store, "fs")
	values, err := g.Load(t.Context(), cookie.Value)
	if err != nil || values.String(auth.UserIDKey) != "3" {
		t.Fatalf("Load = %v, %v; want the user 3", values, err)
	}

	// Another store on an empty directory decodes the cookie but finds
	// no file.
	other := auth.GorillaSessions(sessions.NewFilesystemStore(t.TempDir(), hashKey), "fs")
	values, err = other.Load(t.Context(), cookie.Value)
	if err != nil || values != nil {
		t.Errorf("Load without the file = %v, %v; want no session", values, err)
	}
}

// failingStore is a gorilla store whose sessions cannot be read.
type failingStore struct{ err error }

func (s failingStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return s.New(r, name)
}

func (s failingStore) New(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.NewSession(s, name), s.err
}

func (s failingStore) Save(r *http.Request, w http.ResponseWriter, se *sessions.Session) error {
	return nil
}

func TestGorillaStoreError(t *testing.T) {
	boom := errors.New("backend down")
	g := auth.GorillaSessions(failingStore{boom}, "app")
	if _, err := g.Load(t.Context(), "anything"); !errors.Is(err, boom) {
		t.Errorf("Load error = %v, want the store's", err)
	}
	// Through the middleware, the consumer does not run.
	c := &capture{}
	err := run(t, channels.Chain(c, auth.HTTPSession(g)), connectMsg("", "app=x"))
	if !errors.Is(err, boom) || c.seen != nil {
		t.Errorf("middleware: err = %v, consumer ran = %v", err, c.seen != nil)
	}
}

func TestGorillaReadOnly(t *testing.T) {
	store := sessions.NewCookieStore(hashKey)
	g := auth.GorillaSessions(store, "app")
	if err := g.Save(t.Context(), "k", channels.Content{}); !errors.Is(err, auth.ErrReadOnly) {
		t.Errorf("Save error = %v, want ErrReadOnly", err)
	}
	if err := g.Delete(t.Context(), "k"); !errors.Is(err, auth.ErrReadOnly) {
		t.Errorf("Delete error = %v, want ErrReadOnly", err)
	}

	cookie := gorillaCookie(t, store, "app", map[any]any{"a": "b"})
	for name, change := range map[string]func(*channels.Session){
		"set":   func(s *channels.Session) { s.Set("a", "c") },
		"clear": func(s *channels.Session) { s.Clear() },
		"none":  func(s *channels.Session) {},
	} {
		c := &capture{do: func(m *channels.Message) { change(m.HTTPSession) }}
		err := run(t, channels.Chain(c, auth.HTTPSession(g)), connectMsg("", "app="+cookie.Value))
		if want := name != "none"; errors.Is(err, auth.ErrReadOnly) != want {
			t.Errorf("%s: err = %v, want ErrReadOnly %v", name, err, want)
		}
	}
}

func TestGorillaCookieNameOption(t *testing.T) {
	store := sessions.NewCookieStore(hashKey)
	cookie := gorillaCookie(t, store, "app", map[any]any{"a": "b"})
	g := auth.GorillaSessions(store, "app")
	c := &capture{}
	// The cookie is read under another name (a proxy renamed it, say).
	err := run(t, channels.Chain(c, auth.HTTPSession(g, auth.CookieName("renamed"))), connectMsg("", "renamed="+cookie.Value))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.seen.HTTPSession; s == nil || s.String("a") != "b" {
		t.Errorf("HTTPSession = %v, want the gorilla session", s)
	}
}

func TestGorillaSessionKeyParam(t *testing.T) {
	store := sessions.NewCookieStore(hashKey)
	cookie := gorillaCookie(t, store, "app", map[any]any{auth.UserIDKey: "from query"})
	c := &capture{}
	h := channels.Chain(c, auth.HTTPSession(auth.GorillaSessions(store, "app")), auth.HTTPUser(nil))
	if err := run(t, h, connectMsg("session_key="+cookie.Value, "")); err != nil {
		t.Fatal(err)
	}
	if c.seen.User != auth.UserID("from query") {
		t.Errorf("m.User = %#v", c.seen.User)
	}
}
