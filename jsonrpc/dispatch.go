package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Encoder encodes results and error data to JSON.
type Encoder interface {
	// Marshal returns the JSON encoding of v.
	Marshal(v any) ([]byte, error)
}

// JSONEncoder is the default Encoder: encoding/json with its defaults.
type JSONEncoder struct{}

// Marshal encodes v with json.Marshal.
func (JSONEncoder) Marshal(v any) ([]byte, error) { return json.Marshal(v) }

// DefaultMaxBatch is the batch size limit used when Options.MaxBatch is 0.
const DefaultMaxBatch = 100

// Options tunes Dispatch. The zero value (or a nil *Options) uses the
// defaults.
type Options struct {
	// MaxBatch is the largest number of requests in a batch; a larger batch
	// is answered with one Invalid Request error (id null) whose data
	// explains the limit. 0 means DefaultMaxBatch; a negative value means
	// no limit.
	MaxBatch int
	// Encoder encodes results and error data; JSONEncoder when nil. An
	// encoding that fails, or is not valid JSON, gives an Internal error
	// response with the request's id.
	Encoder Encoder
	// Logger receives handler panics (with stack), encoding failures and,
	// at debug level, failed notifications; slog.Default() when nil.
	Logger *slog.Logger
	// Observer is told about every call (see Observer); nil observes
	// nothing.
	Observer Observer
	// ErrorData gives the -32000 error of a plain Go error (not an *Error)
	// the data django-channels-jsonrpc gave an exception (its e.args): the
	// error's message, or an array of the messages of its parts when it
	// joins several (errors.Join). Off, such an error has no data.
	ErrorData bool
}

// Reply is what Dispatch produced for one payload.
type Reply struct {
	// Body is the response to send: one object, or an array for a batch.
	// It is nil when nothing is to be sent (notifications only).
	Body []byte
	// ErrorCode is the code of the error when Body is a single error
	// object (not a batch array); 0 otherwise, so an application error
	// with code 0 reads as success here. The glue derives HTTP statuses
	// from it.
	ErrorCode Code
}

// Dispatch handles one JSON-RPC payload: a JSON-RPC 2.0 request or
// notification, a batch of them, or a JSON-RPC 1.0 request or notification
// (an object without a "jsonrpc" member). It never panics because of the
// payload or a handler: a handler panic is logged and answered with an
// Internal error.
//
// The transport is taken from CallFrom(ctx) (every method is allowed when
// there is no Call or its Transport is empty). A handler taking a
// context.Context receives ctx carrying a copy of that Call with Version,
// Method and ID filled in. Batch requests run one after another, in order.
func (r *Registry) Dispatch(ctx context.Context, payload []byte, opts *Options) Reply {
	if ctx == nil {
		ctx = context.Background()
	}
	d := dispatcher{ctx: ctx, reg: r, state: r.snapshot(), call: CallFrom(ctx), maxBatch: DefaultMaxBatch, enc: JSONEncoder{}}
	if opts != nil {
		d.obs, d.errorData = opts.Observer, opts.ErrorData
		if opts.MaxBatch != 0 {
			d.maxBatch = opts.MaxBatch
		}
		if opts.Encoder != nil {
			d.enc = opts.Encoder
		}
		d.logger = opts.Logger
	}
	switch d.enc.(type) {
	case JSONEncoder, *JSONEncoder:
		d.stdJSON = true
	}
	if !json.Valid(payload) {
		d.observe(nil, CodeParseError, 0)
		return errorReply(CodeParseError, nil)
	}
	if !utf8.Valid(payload) {
		// What is echoed (ids, raw params) goes out as valid UTF-8 too
		// (RFC 8259 8.1): invalid bytes become U+FFFD, as they do in the
		// strings a method is given.
		payload = bytes.ToValidUTF8(payload, []byte("\uFFFD"))
	}
	start := skipSpace(payload, 0)
	v := payload[start:skipValue(payload, start)]
	if v[0] == '[' {
		return d.batch(v)
	}
	buf, answered, code := d.single(make([]byte, 0, 64+len(v)/4), v, false)
	if !answered {
		return Reply{}
	}
	return Reply{Body: buf, ErrorCode: code}
}

// errorReply is a lone 2.0 error response with id null.
func errorReply(code Code, data []byte) Reply {
	return Reply{Body: appendError(nil, v2, nil, code, code.String(), data), ErrorCode: code}
}

type dispatcher struct {
	ctx       context.Context
	reg       *Registry // may be nil
	state     *registryState
	obs       Observer // may be nil
	errorData bool
	call      *Call // from ctx; may be nil
	maxBatch  int
	enc       Encoder
	stdJSON   bool // enc is JSONEncoder
	logger    *slog.Logger
}

func (d *dispatcher) log() *slog.Logger {
	if d.logger != nil {
		return d.logger
	}
	return slog.Default()
}

// batch answers an array of requests with an array of responses.
func (d *dispatcher) batch(arr []byte) Reply {
	n := countElements(arr)
	if n == 0 {
		d.observe(nil, CodeInvalidRequest, 0)
		return errorReply(CodeInvalidRequest, nil)
	}
	if d.maxBatch > 0 && n > d.maxBatch {
		d.observe(nil, CodeInvalidRequest, 0)
		msg := "batch of " + strconv.Itoa(n) + " requests exceeds the limit of " + strconv.Itoa(d.maxBatch)
		return errorReply(CodeInvalidRequest, appendJSONString(nil, msg))
	}
	buf := make([]byte, 0, 2+n*64)
	buf = append(buf, '[')
	answeredAny := false
	it := newArrayIter(arr)
	for el, ok := it.next(); ok; el, ok = it.next() {
		mark := len(buf)
		if answeredAny {
			buf = append(buf, ',')
		}
		var answered bool
		buf, answered, _ = d.single(buf, el, true)
		if answered {
			answeredAny = true
		} else {
			buf = buf[:mark]
		}
	}
	if !answeredAny {
		return Reply{}
	}
	return Reply{Body: append(buf, ']')}
}

// single handles one request object (or any other JSON value, which is an
// invalid request), appending its response to buf. answered is false when
// nothing is to be sent; code is the error code of an error response.
func (d *dispatcher) single(buf, v []byte, inBatch bool) (out []byte, answered bool, code Code) {
	invalid := func(version int, id []byte) ([]byte, bool, Code) {
		d.observe(nil, CodeInvalidRequest, 0)
		return appendError(buf, version, id, CodeInvalidRequest, CodeInvalidRequest.String(), nil), true, CodeInvalidRequest
	}
	if v[0] != '{' {
		return invalid(v2, nil)
	}
	req := parseRequest(v)
	echo := req.id // the id to echo on an invalid request: only a valid one
	if echo != nil && !validID2(echo) {
		echo = nil
	}
	version := v2
	switch {
	case req.jsonrpc != nil:
		if !isVersion2(req.jsonrpc) {
			return invalid(v2, echo)
		}
	case inBatch: // batches are a 2.0 feature
		return invalid(v2, echo)
	case req.method == nil: // neither member: no telling the version
		return invalid(v2, echo)
	default:
		version = v1
	}
	id := req.id
	var notification bool
	if version == v2 {
		if id != nil && !validID2(id) {
			return invalid(v2, nil)
		}
		notification = id == nil
	} else {
		// JSON-RPC 1.0 allows ids of any type; null means notification.
		notification = id == nil || id[0] == 'n'
		echo = id
	}
	if req.method == nil || req.method[0] != '"' {
		return invalid(version, echo)
	}
	if id == nil {
		id = jsonNull
	}

	// From here on, a failing notification is not answered.
	fail := func(code Code, data []byte) ([]byte, bool, Code) {
		if notification {
			return buf, false, 0
		}
		return appendError(buf, version, id, code, code.String(), data), true, code
	}
	m := d.lookup(req.method)
	if m == nil || !d.allowed(m) || (!notification && m.info.Notification) {
		d.observe(nil, CodeMethodNotFound, 0)
		return fail(CodeMethodNotFound, nil)
	}
	if d.state.intercept != nil {
		return d.intercepted(buf, m, req.params, version, id, notification)
	}
	// One allocation holds the handler's context and its arguments.
	var inv *invocation
	var args []reflect.Value
	if m.nargs > 0 {
		inv = new(invocation)
		if m.nargs <= len(inv.args) {
			args = inv.args[:m.nargs]
		} else {
			args = make([]reflect.Value, m.nargs)
		}
	}
	if msg := m.bind(req.params, version, args); msg != "" {
		d.observe(m, CodeInvalidParams, 0)
		return fail(CodeInvalidParams, appendJSONString(nil, msg))
	}
	if m.ctx {
		d.callContext(&inv.cc, m, version, id, notification)
		inv.ctx = &inv.cc
		args[0] = reflect.ValueOf(&inv.ctx).Elem()
	}
	return d.invokeObserved(buf, m, version, id, notification, func() (reflect.Value, error) { return m.call(args) })
}

// appendValue appends the JSON encoding of a handler's value (invalid: no
// value, null) with the dispatch Encoder.
func (d *dispatcher) appendValue(buf []byte, v reflect.Value) ([]byte, error) {
	if v.IsValid() && v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if !v.IsValid() {
		return append(buf, "null"...), nil
	}
	if d.stdJSON {
		// Predeclared types have no methods: encode them directly.
		if t := v.Type(); t.PkgPath() == "" && t.Name() != "" {
			switch v.Kind() {
			case reflect.String:
				return appendJSONString(buf, v.String()), nil
			case reflect.Bool:
				return strconv.AppendBool(buf, v.Bool()), nil
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				return strconv.AppendInt(buf, v.Int(), 10), nil
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				return strconv.AppendUint(buf, v.Uint(), 10), nil
			}
		}
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return buf, err
		}
		return append(buf, b...), nil
	}
	b, err := d.enc.Marshal(v.Interface())
	if err != nil {
		return buf, err
	}
	b = bytes.TrimSpace(b)
	if !json.Valid(b) {
		return buf, errors.New("the encoder produced invalid JSON")
	}
	return append(buf, b...), nil
}
