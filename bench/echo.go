package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strconv"
	"sync"

	"github.com/gorilla/websocket"
)

// The raw echo is the baseline every target is compared with: gorilla
// WebSocket and net/http with nothing between them and the socket. It
// answers a call with a fixed-format reply built around the call's id,
// found by a byte scan rather than by decoding JSON. Only the group calls
// of the fan-out, rare and not timed per call, decode their params.

// runServeEcho is the hidden serve-echo subcommand: it serves the echo on
// -addr until it is killed.
func runServeEcho(args []string) error {
	fs := flag.NewFlagSet("serve-echo", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return http.ListenAndServe(*addr, newEchoHandler())
}

// echoServer is the raw echo with its single in-memory group.
type echoServer struct {
	upgrader websocket.Upgrader
	mu       sync.Mutex
	members  map[*echoConn]struct{}
}

// echoConn is one WebSocket of the echo. Its own reader and the group's
// senders both write to it, one at a time.
type echoConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
}

func (c *echoConn) write(msg []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

// newEchoHandler serves WebSocket at /ws/, HTTP POST at /rpc/, the
// number of goroutines at /debug/goroutines and the heap profile.
func newEchoHandler() http.Handler {
	s := &echoServer{members: make(map[*echoConn]struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/", s.serveWS)
	mux.HandleFunc("/rpc/", s.serveHTTP)
	handleDebug(mux)
	return mux
}

// handleDebug serves, on a target of this binary's, the heap profile (for
// its allocation count) and runtime.NumGoroutine() at /debug/goroutines.
func handleDebug(mux *http.ServeMux) {
	mux.Handle("/debug/pprof/heap", pprof.Handler("heap"))
	mux.HandleFunc("/debug/goroutines", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, runtime.NumGoroutine())
	})
}

func (s *echoServer) serveWS(w http.ResponseWriter, r *http.Request) {
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c := &echoConn{ws: ws}
	defer func() {
		s.leave(c)
		ws.Close()
	}()
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if err := c.write(s.answer(c, msg)); err != nil {
			return
		}
	}
}

func (s *echoServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.answer(nil, body))
}

var (
	methodJoin = []byte(`"method":"group.join"`)
	methodSend = []byte(`"method":"group.send"`)
)

// answer is the reply to a call; c is nil over HTTP, which has no group.
// Anything but the group calls is answered as ping is.
func (s *echoServer) answer(c *echoConn, call []byte) []byte {
	id := scanID(call)
	switch {
	case c != nil && bytes.Contains(call, methodJoin):
		s.join(c)
		return reply(id, "true")
	case bytes.Contains(call, methodSend):
		s.send(call)
		return reply(id, "true")
	}
	return reply(id, `"pong"`)
}

// reply is a JSON-RPC answer with a result already in JSON.
func reply(id []byte, result string) []byte {
	msg := make([]byte, 0, 64)
	msg = append(msg, `{"jsonrpc":"2.0","id":`...)
	msg = append(msg, id...)
	msg = append(msg, `,"result":`...)
	msg = append(msg, result...)
	return append(msg, '}')
}

func (s *echoServer) join(c *echoConn) {
	s.mu.Lock()
	s.members[c] = struct{}{}
	s.mu.Unlock()
}

func (s *echoServer) leave(c *echoConn) {
	s.mu.Lock()
	delete(s.members, c)
	s.mu.Unlock()
}

// send writes a group.message with the call's group and payload to every
// member, in turn, from the sender's goroutine.
func (s *echoServer) send(call []byte) {
	var req struct {
		Params [2]json.RawMessage `json:"params"`
	}
	if json.Unmarshal(call, &req) != nil {
		return
	}
	msg := fmt.Appendf(nil, `{"jsonrpc":"2.0","method":"group.message","params":{"group":%s,"payload":%s}}`,
		req.Params[0], req.Params[1])
	s.mu.Lock()
	members := make([]*echoConn, 0, len(s.members))
	for c := range s.members {
		members = append(members, c)
	}
	s.mu.Unlock()
	for _, c := range members {
		c.write(msg)
	}
}

var idKey = []byte(`"id":`)

// scanID finds the number after the first "id": of msg, without decoding
// the JSON; "null" when there is none.
func scanID(msg []byte) []byte {
	if id := numberAfter(msg, idKey); id != nil {
		return id
	}
	return []byte("null")
}

// intAfter is the integer after the first key of msg (such as `"id":`);
// false when there is none.
func intAfter(msg, key []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(numberAfter(msg, key)), 10, 64)
	return n, err == nil
}

// numberAfter is the run of digits (with a leading '-') that follows the
// first key of msg and optional spaces; nil when there is none.
func numberAfter(msg, key []byte) []byte {
	i := bytes.Index(msg, key)
	if i < 0 {
		return nil
	}
	rest := msg[i+len(key):]
	start := 0
	for start < len(rest) && rest[start] == ' ' {
		start++
	}
	end := start
	for end < len(rest) && (rest[end] == '-' || rest[end] >= '0' && rest[end] <= '9') {
		end++
	}
	if end == start {
		return nil
	}
	return rest[start:end]
}
