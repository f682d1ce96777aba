package jsonrpc

import (
	"errors"
	"strconv"
)

// Code is a JSON-RPC error code. The codes from -32768 to -32000 are
// reserved by the specification; applications may use any other integer.
type Code int

// The error codes defined by the JSON-RPC 2.0 specification.
const (
	// CodeParseError means the payload is not valid JSON.
	CodeParseError Code = -32700
	// CodeInvalidRequest means the JSON is not a valid request object.
	CodeInvalidRequest Code = -32600
	// CodeMethodNotFound means there is no such method, or it cannot be
	// called this way (transport, notification handler).
	CodeMethodNotFound Code = -32601
	// CodeInvalidParams means the params do not fit the method.
	CodeInvalidParams Code = -32602
	// CodeInternalError means the server failed while handling the call (a
	// handler panic, a result that cannot be encoded).
	CodeInternalError Code = -32603
	// CodeServerError is the code of an application error returned by a
	// handler as a plain Go error. The range -32099..-32000 is reserved for
	// such implementation-defined server errors.
	CodeServerError Code = -32000
	// CodeCallTimeout is the code of a call whose handler failed with the
	// deadline of its context: the worker's ConsumeTimeout passed.
	CodeCallTimeout Code = -32001
)

// String returns the specification's message for c: "Parse error",
// "Invalid Request", "Method not found", "Invalid params", "Internal error",
// and "Server error" for the range -32099..-32000. Other codes give
// "Code(n)".
func (c Code) String() string {
	switch c {
	case CodeParseError:
		return "Parse error"
	case CodeInvalidRequest:
		return "Invalid Request"
	case CodeMethodNotFound:
		return "Method not found"
	case CodeInvalidParams:
		return "Invalid params"
	case CodeInternalError:
		return "Internal error"
	}
	if c >= -32099 && c <= -32000 {
		return "Server error"
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// defaultMessage is the message sent for an error without one.
func (c Code) defaultMessage() string {
	switch {
	case c >= -32768 && c <= -32000:
		if s := c.String(); s[0] != 'C' {
			return s
		}
		return "Server error"
	default:
		return "Application error"
	}
}

// Error is a JSON-RPC error object. A handler returns one (directly or
// wrapped; errors.As finds it) to choose the code, message and data of the
// error response. An empty Message is sent as the standard text of Code.
type Error struct {
	// Code is the error code.
	Code Code
	// Message is a short description; the code's standard text when empty.
	Message string
	// Data is optional extra information, encoded with the dispatch Encoder
	// and omitted when nil.
	Data any
}

// Error implements error: "jsonrpc: <message> (<code>)".
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code.defaultMessage()
	}
	return "jsonrpc: " + msg + " (" + strconv.Itoa(int(e.Code)) + ")"
}

// NewError returns an *Error with the given code, message and data.
func NewError(code Code, message string, data any) *Error {
	return &Error{Code: code, Message: message, Data: data}
}

// asRPCError finds an *Error in err's chain.
func asRPCError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
