package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// The clients' side of the protocol, shared by every measurement: the calls
// are written with fixed formats and the answers checked by byte scans, so
// that the bench process spends as little CPU as it can beside the servers
// it measures on the same machine.

const (
	handshakeTimeout = 10 * time.Second
	callTimeout      = 10 * time.Second
	// smallBuffer is the read and write buffer of the many sockets of the
	// fan-out and idle tests, which carry short messages only.
	smallBuffer = 512
)

var (
	pongResult = []byte(`"result":"pong"`)
	trueResult = []byte(`"result":true`)
)

func newDialer(bufferSize int) *websocket.Dialer {
	return &websocket.Dialer{
		HandshakeTimeout: handshakeTimeout,
		ReadBufferSize:   bufferSize,
		WriteBufferSize:  bufferSize,
	}
}

// pingCall is the JSON-RPC call of ping with id.
func pingCall(id int64) []byte {
	return fmt.Appendf(make([]byte, 0, 48), `{"jsonrpc":"2.0","id":%d,"method":"ping"}`, id)
}

// joinCall and sendCall are the fan-out's group calls.
func joinCall(group string) []byte {
	return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":1,"method":"group.join","params":[%q]}`, group)
}

func sendCall(id int64, group string, payload int) []byte {
	return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%d,"method":"group.send","params":[%q,%d]}`, id, group, payload)
}

// isPong reports whether msg answers call id with "pong".
func isPong(msg []byte, id int64) bool {
	got, ok := intAfter(msg, idKey)
	return ok && got == id && bytes.Contains(msg, pongResult)
}

// call writes msg on c and reads the next message, within callTimeout.
func call(c *websocket.Conn, msg []byte) ([]byte, error) {
	c.SetWriteDeadline(time.Now().Add(callTimeout))
	if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
		return nil, err
	}
	c.SetReadDeadline(time.Now().Add(callTimeout))
	_, answer, err := c.ReadMessage()
	c.SetReadDeadline(time.Time{})
	return answer, err
}

// joinGroup calls group.join on c and checks that it answered true.
func joinGroup(c *websocket.Conn, group string) error {
	answer, err := call(c, joinCall(group))
	if err != nil {
		return err
	}
	if !bytes.Contains(answer, trueResult) {
		return fmt.Errorf("group.join answered %s", answer)
	}
	return nil
}

// dialMany opens n sockets to url, parallel dials at a time, and runs
// setup (when not nil) on each. It stops dialling at the first failure and
// gives the sockets it opened (all set up) with that failure.
func dialMany(ctx context.Context, url string, n, parallel int, setup func(*websocket.Conn) error) ([]*websocket.Conn, error) {
	dialer := newDialer(smallBuffer)
	var (
		taken atomic.Int64
		mu    sync.Mutex
		conns = make([]*websocket.Conn, 0, n)
		errs  []error
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range min(parallel, n) {
		wg.Go(func() {
			for ctx.Err() == nil && taken.Add(1) <= int64(n) {
				c, err := dialOne(ctx, dialer, url, setup)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
					cancel()
				} else {
					conns = append(conns, c)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return conns, fmt.Errorf("socket %d of %d: %w", len(conns)+1, n, errs[0])
	}
	return conns, ctx.Err()
}

func dialOne(ctx context.Context, dialer *websocket.Dialer, url string, setup func(*websocket.Conn) error) (*websocket.Conn, error) {
	c, resp, err := dialer.DialContext(ctx, url, nil)
	bodyClose(resp)
	if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
		return nil, fmt.Errorf("handshake answered %s", resp.Status)
	}
	if err != nil {
		return nil, err
	}
	if setup != nil {
		if err := setup(c); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// closeAll closes every socket without a close handshake.
func closeAll(conns []*websocket.Conn) {
	for _, c := range conns {
		c.Close()
	}
}

// bodyClose closes the body of a response, if there is one.
func bodyClose(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
}
