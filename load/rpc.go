package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// The JSON-RPC 2.0 wire format, as much of it as a load needs: calls
// written by hand into a reused buffer, and answers and notifications read
// into one struct.

// rpcMessage is an answer (id with result or error) or a notification
// (method, no id) from the server.
type rpcMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// parseMessage reads one message; a batch or anything not an object fails.
func parseMessage(data []byte) (rpcMessage, error) {
	var m rpcMessage
	err := json.Unmarshal(data, &m)
	return m, err
}

// callID is the integer id of an answer; false for a notification or an
// id this tool never sends (null, a string).
func (m *rpcMessage) callID() (int64, bool) {
	if len(m.ID) == 0 {
		return 0, false
	}
	id, err := strconv.ParseInt(string(m.ID), 10, 64)
	return id, err == nil
}

// isNotification reports whether the server sent a method call of its own.
func (m *rpcMessage) isNotification() bool { return m.Method != "" && len(m.ID) == 0 }

// resultIs reports whether the answer's result is the JSON text want.
func (m *rpcMessage) resultIs(want string) bool {
	return m.Error == nil && string(bytes.TrimSpace(m.Result)) == want
}

// pongResult is the result of the ping method.
const pongResult = `"pong"`

// appendPingCall appends the ping call with id to buf.
func appendPingCall(buf []byte, id int64) []byte {
	buf = append(buf, `{"jsonrpc":"2.0","method":"ping","id":`...)
	buf = strconv.AppendInt(buf, id, 10)
	return append(buf, '}')
}

// encodeCall is a call of method with positional params.
func encodeCall(id int64, method string, params ...any) ([]byte, error) {
	call := struct {
		JSONRPC string `json:"jsonrpc"`
		Method  string `json:"method"`
		Params  []any  `json:"params,omitempty"`
		ID      int64  `json:"id"`
	}{"2.0", method, params, id}
	return json.Marshal(call)
}

// pingBody is the ping call sent over HTTP.
var pingBody = appendPingCall(nil, 1)

// Timeouts of single operations, so that a silent server cannot hold a
// scenario beyond its bounds.
const (
	handshakeTimeout = 10 * time.Second
	writeTimeout     = 10 * time.Second
	closeWait        = 2 * time.Second  // for the server's close frame in reply
	callTimeout      = 10 * time.Second // for the answer to a single call
)

// newDialer is a WebSocket dialer for loopback load: no proxy, bounded
// handshakes, and buffers of bufSize bytes (0: gorilla's default), small
// for the thousands of idle sockets of the disconnect scenario.
func newDialer(bufSize int) *websocket.Dialer {
	return &websocket.Dialer{
		HandshakeTimeout: handshakeTimeout,
		ReadBufferSize:   bufSize,
		WriteBufferSize:  bufSize,
	}
}

// rpcClient is a WebSocket that makes one JSON-RPC call at a time, for the
// scenarios that do a few calls per socket (connect, disconnect). A
// goroutine reads every message into a channel, so that a wait for an
// answer can time out without a read deadline, after which a gorilla
// connection could not be read again.
type rpcClient struct {
	conn     *websocket.Conn
	incoming chan rpcMessage
	readDone chan struct{}
	readErr  error // why reading ended; set before readDone is closed
	nextID   int64
	// notifications are those that came while await or collect waited.
	notifications []rpcMessage
}

// incomingBuffer is how many unread messages a client keeps; it drops the
// ones past that, which only a misbehaving server would send to a client
// that makes one call at a time.
const incomingBuffer = 64

// dialError is a failed handshake, with its label for the report.
type dialError struct {
	label  string
	status int // the HTTP status that refused the upgrade; 0 without one
	err    error
}

func (e *dialError) Error() string { return fmt.Sprintf("dial: %v (%s)", e.err, e.label) }
func (e *dialError) Unwrap() error { return e.err }

// dialLabel labels a failed dialRPC for the report.
func dialLabel(err error) string {
	if de, ok := errors.AsType[*dialError](err); ok {
		return de.label
	}
	return errorClass(err)
}

// dialRPC opens a WebSocket to url and starts reading it.
func dialRPC(ctx context.Context, d *websocket.Dialer, url string) (*rpcClient, error) {
	conn, resp, err := d.DialContext(ctx, url, nil)
	closeBody(resp)
	if err != nil {
		de := &dialError{label: dialFailure(resp, err), err: err}
		if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
			de.status = resp.StatusCode
		}
		return nil, de
	}
	c := &rpcClient{
		conn:     conn,
		incoming: make(chan rpcMessage, incomingBuffer),
		readDone: make(chan struct{}),
	}
	go c.read()
	return c, nil
}

// closeBody closes a handshake response's body, if any.
func closeBody(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
}

func (c *rpcClient) read() {
	defer close(c.readDone)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.readErr = err
			return
		}
		m, err := parseMessage(data)
		if err != nil {
			continue
		}
		select {
		case c.incoming <- m:
		default: // see incomingBuffer
		}
	}
}

// call sends a call of method and waits for its answer.
func (c *rpcClient) call(ctx context.Context, method string, params ...any) (rpcMessage, error) {
	id, err := c.send(method, params...)
	if err != nil {
		return rpcMessage{}, err
	}
	return c.await(ctx, id)
}

// send writes a call of method and gives its id.
func (c *rpcClient) send(method string, params ...any) (int64, error) {
	c.nextID++
	data, err := encodeCall(c.nextID, method, params...)
	if err != nil {
		return 0, err
	}
	c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.nextID, c.conn.WriteMessage(websocket.TextMessage, data)
}

// await waits for the answer to the call id, skipping other answers.
func (c *rpcClient) await(ctx context.Context, id int64) (rpcMessage, error) {
	for {
		m, err := c.next(ctx)
		if err != nil {
			return m, err
		}
		if got, ok := m.callID(); ok && got == id {
			return m, nil
		}
	}
}

// errSocketClosed wraps the read error of a socket that ended.
var errSocketClosed = errors.New("socket closed")

// next waits for the next answer, keeping notifications aside.
func (c *rpcClient) next(ctx context.Context) (rpcMessage, error) {
	for {
		var m rpcMessage
		select {
		case m = <-c.incoming:
		case <-c.readDone:
			select {
			case m = <-c.incoming: // read before the socket ended
			default:
				return rpcMessage{}, fmt.Errorf("%w: %w", errSocketClosed, c.readErr)
			}
		case <-ctx.Done():
			return rpcMessage{}, ctx.Err()
		}
		if !m.isNotification() {
			return m, nil
		}
		c.notifications = append(c.notifications, m)
	}
}

// collect keeps the notifications that come until ctx is done or the
// socket ends.
func (c *rpcClient) collect(ctx context.Context) {
	for {
		if _, err := c.next(ctx); err != nil {
			return
		}
	}
}

// closeCleanly sends a normal close frame, waits a little for the server's
// close frame in reply, and closes the connection. It reports whether the
// server answered the close.
func (c *rpcClient) closeCleanly() bool {
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	err := c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeWait))
	answered := false
	if err == nil {
		select {
		case <-c.readDone:
			answered = closeCode(c.readErr) != 0
		case <-time.After(closeWait):
		}
	}
	c.drop()
	return answered
}

// drop closes the TCP connection without a close frame, as a client that
// goes away does.
func (c *rpcClient) drop() { c.conn.Close() }

// callFailure labels a call that did not get the wanted result: an error
// code, the socket's close code, a timeout, or a wrong result.
func callFailure(m rpcMessage, err error) string {
	switch {
	case errors.Is(err, errSocketClosed):
		return "closed:" + closeLabel(err)
	case err != nil:
		return errorClass(err)
	case m.Error != nil:
		return fmt.Sprintf("rpc:%d", m.Error.Code)
	}
	return "wrong-result"
}
