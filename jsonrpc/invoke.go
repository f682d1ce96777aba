package jsonrpc

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"time"

	"github.com/gochannels/channels-jsonrpc/channels"
)

// Running a method: finding it, binding its arguments, calling it, and
// answering what it returned.

// appendErrorData appends the data the original library gave a plain
// error (Python's e.args): its message, or the messages of its parts when
// it joins several (errors.Join), as an array.
func appendErrorData(buf []byte, err error) []byte {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return appendJSONString(buf, err.Error())
	}
	buf = append(buf, '[')
	for i, e := range j.Unwrap() {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, e.Error())
	}
	return append(buf, ']')
}

// invocation is the per-call state of a handler with arguments.
type invocation struct {
	cc   callContext
	ctx  context.Context // &cc, as the interface the handler takes
	args [4]reflect.Value
}

// lookup finds the method a raw method name refers to, or nil.
func (d *dispatcher) lookup(raw []byte) *method {
	name, esc := rawString(raw)
	if esc {
		s := unquote(raw)
		if len(s) > 0 && s[0] == '_' {
			return nil
		}
		return d.state.byName[s]
	}
	if len(name) > 0 && name[0] == '_' {
		return nil
	}
	return d.state.byName[string(name)]
}

// allowed reports whether m may be called over the call's transport.
func (d *dispatcher) allowed(m *method) bool {
	switch d.call.transport {
	case "":
		return true
	case Websocket:
		return m.info.Websocket
	case HTTP:
		return m.info.HTTP
	}
	return m.info.Websocket && m.info.HTTP
}

// callContext fills inv's context for a call of m: the Call of the
// dispatch, with the version, method and id of this request.
func (d *dispatcher) callContext(cc *callContext, m *method, version int, id []byte, notification bool) {
	cc.Context = d.ctx
	cc.call = Call{Transport: d.call.transport, Version: "2.0", Method: m.info.Name, Message: d.call.message, Consumer: d.call.consumer}
	if version == v1 {
		cc.call.Version = "1.0"
	}
	if !notification {
		cc.call.ID = id
	}
}

// invoke runs a call of m, with ctx and args (or through run, the
// interceptors' call, when it is not nil), appends its response (none for
// a notification) and, when there is an observer, records the call with
// its time. A panic of the call, or of the encoders, is an Internal error.
func (d *dispatcher) invoke(buf []byte, env *envelope, m *method, ctx context.Context, args []reflect.Value, run func() (result, error)) (out []byte, answered bool, code Code) {
	mark, version, id, notification := len(buf), env.version, env.id, env.notification
	stage := "handler"
	var start time.Duration
	if d.opts.Observer != nil {
		start = sinceEpoch()
	}
	defer func() {
		if p := recover(); p != nil {
			out, answered, code = d.panicked(buf[:mark], env, m, stage, p)
		}
		if d.opts.Observer != nil {
			d.observe(m, code, sinceEpoch()-start)
		}
	}()
	var res result
	var err error
	if run != nil {
		res, err = run()
	} else {
		res, err = m.call(ctx, args)
	}
	if notification {
		return buf, false, d.notified(m, version, id, err)
	}
	if err != nil {
		stage = "error encoder"
		out, code = d.appendHandlerError(buf, version, id, m, err)
		return out, true, code
	}
	stage = "result encoder"
	out = appendResultOpen(buf, version, id)
	if out, err = d.appendResult(out, res); err != nil {
		return d.unencodable(buf[:mark], m, version, id, err), true, CodeInternalError
	}
	return appendResultClose(out, version, id), true, 0
}

// panicked logs the panic p of a call of m at stage, and appends its
// Internal error response, unless env is a notification's.
func (d *dispatcher) panicked(buf []byte, env *envelope, m *method, stage string, p any) ([]byte, bool, Code) {
	d.log().Error("jsonrpc: "+stage+" panicked", "method", m.info.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	if env.notification {
		return buf, false, CodeInternalError
	}
	return appendInternalError(buf, env.version, env.id), true, CodeInternalError
}

// notified is the code of a notification of m that returned err: it gets
// no answer, but the Observer counts the code the call would have been
// answered with.
func (d *dispatcher) notified(m *method, version int, id []byte, err error) Code {
	if err == nil {
		return 0
	}
	d.log().Debug("jsonrpc: notification failed", "method", m.info.Name, "error", err)
	if d.opts.Observer == nil {
		return 0
	}
	_, code := d.appendHandlerError(nil, version, id, m, err)
	return code
}

// unencodable appends the Internal error answering a call of m whose result
// the encoder refused with err.
func (d *dispatcher) unencodable(buf []byte, m *method, version int, id []byte, err error) []byte {
	d.log().Error("jsonrpc: cannot encode result", "method", m.info.Name, "error", err)
	return appendInternalError(buf, version, id)
}

// appendHandlerError writes the error response for an error a handler
// returned: the *Error in its chain as is, else a server error whose
// message is the error's text.
func (d *dispatcher) appendHandlerError(buf []byte, version int, id []byte, m *method, err error) ([]byte, Code) {
	e, ok := asRPCError(err)
	if !ok && errors.Is(err, channels.ErrLayerUnavailable) {
		// The layer's address and driver error are the operator's business.
		d.log().Error("jsonrpc: channel layer unavailable", "method", m.info.Name, "err", err)
		return appendInternalError(buf, version, id), CodeInternalError
	}
	if !ok && errors.Is(err, context.DeadlineExceeded) {
		return appendError(buf, version, id, CodeCallTimeout, "Call timed out", nil), CodeCallTimeout
	}
	if !ok {
		msg := err.Error()
		var data []byte
		if d.opts.ErrorData {
			data = appendErrorData(nil, err)
		}
		if msg == "" {
			msg = CodeServerError.String()
		}
		return appendError(buf, version, id, CodeServerError, msg, data), CodeServerError
	}
	if e == nil { // a nil *Error in the chain
		return appendInternalError(buf, version, id), CodeInternalError
	}
	msg := e.Message
	if msg == "" {
		msg = e.Code.defaultMessage()
	}
	var data []byte
	if e.Data != nil {
		var encErr error
		if data, encErr = d.appendValue(nil, reflect.ValueOf(e.Data)); encErr != nil {
			d.log().Error("jsonrpc: cannot encode error data", "method", m.info.Name, "error", encErr)
			return appendInternalError(buf, version, id), CodeInternalError
		}
	}
	return appendError(buf, version, id, e.Code, msg, data), e.Code
}

// appendInternalError appends the Internal error response of a request of
// version and id.
func appendInternalError(buf []byte, version int, id []byte) []byte {
	return appendError(buf, version, id, CodeInternalError, CodeInternalError.String(), nil)
}
