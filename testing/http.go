package channelstest

import (
	"strings"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// Response is an HTTP response a consumer sent, with its chunks joined.
type Response struct {
	Status  int
	Headers []channels.Header
	Body    []byte
}

// Header returns the first value of the named header, or "".
func (r *Response) Header(name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// Request sends an http.request with method, the client's Path, its
// headers and cookies, and body; consumes it; and returns the response
// the consumer sent. It fails the test when no complete response came.
func (c *Client) Request(method string, body []byte) *Response {
	c.env.tb.Helper()
	c.SendAndConsume("http.request", channels.Content{"method": method, "body": body})
	first := c.ReceiveContent()
	if first == nil {
		c.env.tb.Fatalf("channelstest: no response to %s %s", method, c.Path)
	}
	status, ok := first.Int("status")
	if !ok {
		c.env.tb.Fatalf("channelstest: response without a status: %v", first)
	}
	m := channels.NewMessage("", first)
	r := &Response{Status: int(status), Headers: m.Headers(), Body: contentBytes(first["content"])}
	for more, _ := first.Bool("more_content"); more; more, _ = first.Bool("more_content") {
		if first = c.ReceiveContent(); first == nil {
			c.env.tb.Fatalf("channelstest: response to %s %s ends without its last chunk", method, c.Path)
		}
		r.Body = append(r.Body, contentBytes(first["content"])...)
	}
	return r
}

func contentBytes(v any) []byte {
	switch v := v.(type) {
	case []byte:
		return append([]byte(nil), v...)
	case string:
		return []byte(v)
	}
	return nil
}
