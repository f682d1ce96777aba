package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"reflect"
	"strconv"

	"github.com/gochannels/channels-jsonrpc/channels"
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
	reply, later := r.dispatch(ctx, payload, opts)
	later.done()
	return reply
}

// dispatch is Dispatch, leaving the Observer's record of a lone request to
// the caller, to make once the answer is sent. The calls of a batch are
// recorded as they end.
func (r *Registry) dispatch(ctx context.Context, payload []byte, opts *Options) (Reply, observation) {
	if ctx == nil {
		ctx = context.Background()
	}
	var of callOf
	if c := CallFrom(ctx); c != nil {
		of = callOf{c.Transport, c.Message, c.Consumer}
	}
	return r.dispatchCall(ctx, of, payload, opts)
}

// callOf is what a dispatch knows of its call, which its context need not
// carry: the context of each method that takes one gets a Call of it.
// Nothing is known of a zero callOf.
type callOf struct {
	transport Transport // "" allows every method
	message   *channels.Message
	consumer  any
}

// dispatchCall is dispatch of the call of.
func (r *Registry) dispatchCall(ctx context.Context, of callOf, payload []byte, opts *Options) (Reply, observation) {
	d := dispatcher{ctx: ctx, reg: r, state: r.snapshot(), opts: opts, call: of, hold: true}
	if opts == nil {
		d.opts = &noOptions
	}
	d.enc = customEncoder(d.opts.Encoder)
	var reply Reply
	var env envelope
	if parseObject(payload, &env.req) { // the common payload, read in one pass
		ok := env.read(false)
		reply = replyOf(d.respond(make([]byte, 0, 64+len(payload)/4), &env, ok))
	} else {
		reply = d.otherPayload(payload)
	}
	return reply, d.held // read once the dispatch has recorded the call
}

// noOptions are the Options of a dispatch given none.
var noOptions Options

// otherPayload answers a payload that is not a lone valid request object.
func (d *dispatcher) otherPayload(payload []byte) Reply {
	valid, validUTF8 := validJSON(payload)
	if !valid {
		d.observe(nil, CodeParseError, 0)
		return errorReply(CodeParseError, nil)
	}
	if !validUTF8 {
		// What is echoed (ids, raw params) goes out as valid UTF-8 too
		// (RFC 8259 8.1): invalid bytes become U+FFFD, as they do in the
		// strings a method is given.
		payload = bytes.ToValidUTF8(payload, []byte("\uFFFD"))
	}
	v := trimSpace(payload) // one valid value: no second scan for its end
	if v[0] == '[' {
		d.hold = false
		return d.batch(v)
	}
	return replyOf(d.single(make([]byte, 0, 64+len(v)/4), v, false))
}

// replyOf is the Reply of a lone request's response, if it has one.
func replyOf(body []byte, answered bool, code Code) Reply {
	if !answered {
		return Reply{}
	}
	return Reply{Body: body, ErrorCode: code}
}

// errorReply is a lone 2.0 error response with id null.
func errorReply(code Code, data []byte) Reply {
	return Reply{Body: appendError(nil, v2, nil, code, code.String(), data), ErrorCode: code}
}

// dispatcher is the state of one dispatch. It is small: it lives on the
// stack under every call it makes.
type dispatcher struct {
	ctx   context.Context
	reg   *Registry // may be nil
	state *registryState
	opts  *Options // never nil
	call  callOf
	enc   Encoder     // nil when the Encoder is JSONEncoder
	hold  bool        // observe leaves its record in held
	held  observation // the record of a lone request
}

// customEncoder is enc, or nil when enc is JSONEncoder (or none).
func customEncoder(enc Encoder) Encoder {
	switch enc.(type) {
	case nil, JSONEncoder, *JSONEncoder:
		return nil
	}
	return enc
}

func (d *dispatcher) log() *slog.Logger {
	if d.opts.Logger != nil {
		return d.opts.Logger
	}
	return slog.Default()
}

// maxBatch is the batch size limit; not positive: none.
func (d *dispatcher) maxBatch() int {
	if d.opts.MaxBatch == 0 {
		return DefaultMaxBatch
	}
	return d.opts.MaxBatch
}

// batch answers an array of requests with an array of responses.
func (d *dispatcher) batch(arr []byte) Reply {
	n := countElements(arr)
	if n == 0 {
		d.observe(nil, CodeInvalidRequest, 0)
		return errorReply(CodeInvalidRequest, nil)
	}
	if limit := d.maxBatch(); limit > 0 && n > limit {
		d.observe(nil, CodeInvalidRequest, 0)
		msg := "batch of " + strconv.Itoa(n) + " requests exceeds the limit of " + strconv.Itoa(limit)
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
	var env envelope
	ok := env.readFrom(v, inBatch)
	return d.respond(buf, &env, ok)
}

// respond answers the request env reads, or its Invalid Request when ok is
// false, as single does.
func (d *dispatcher) respond(buf []byte, env *envelope, ok bool) (out []byte, answered bool, code Code) {
	if !ok {
		return d.refuse(buf, env, nil, CodeInvalidRequest, nil)
	}
	// From here on, a failing notification is not answered.
	m := d.lookup(env.req.method)
	if m == nil || !d.allowed(m) || (!env.notification && m.info.Notification) {
		return d.refuse(buf, env, nil, CodeMethodNotFound, nil)
	}
	if d.state.intercept != nil {
		return d.intercepted(buf, m, env)
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
	if msg := m.bind(env.req.params, env.version, args); msg != "" {
		return d.refuse(buf, env, m, CodeInvalidParams, appendJSONString(nil, msg))
	}
	ctx := d.ctx // for a function without a context of its own
	if m.ctx {
		d.callContext(&inv.cc, m, env.version, env.id, env.notification)
		inv.ctx = &inv.cc
		args[0] = reflect.ValueOf(&inv.ctx).Elem()
		ctx = inv.ctx
	}
	return d.invoke(buf, env, m, ctx, args, nil)
}

// refuse answers env, a request for m (nil: no method) that is not run,
// with the error of code and data, and records it. An Invalid Request is
// answered even when env reads as a notification.
func (d *dispatcher) refuse(buf []byte, env *envelope, m *method, code Code, data []byte) ([]byte, bool, Code) {
	d.observe(m, code, 0)
	if code == CodeInvalidRequest {
		return appendError(buf, env.version, env.id, code, code.String(), data), true, code
	}
	return env.fail(buf, code, data)
}

// envelope is what a request object says about how to answer it, read
// before its method is looked up.
type envelope struct {
	req          request
	version      int    // v1 or v2
	id           []byte // the id to answer with; see readFrom
	notification bool   // no answer is wanted
}

// readFrom reads the version, id and method name of request v (any valid
// JSON value; only an object can be a request) into env. When v is a
// valid request, it returns true and env.id is the id to answer with
// (jsonNull when absent). Otherwise env.version and env.id (nil for null)
// are what its Invalid Request error carries: the id is echoed only when
// it is valid.
func (env *envelope) readFrom(v []byte, inBatch bool) bool {
	if v[0] != '{' {
		*env = envelope{version: v2}
		return false
	}
	parseRequest(v, &env.req)
	return env.read(inBatch)
}

// read is readFrom of the request object whose members are env.req.
func (env *envelope) read(inBatch bool) bool {
	echo := env.req.id // the id to echo on an invalid request: only a valid one
	if echo != nil && !validID2(echo) {
		echo = nil
	}
	switch {
	case env.req.jsonrpc != nil:
		if !isVersion2(env.req.jsonrpc) {
			return env.invalid(v2, echo)
		}
		env.version = v2
	case inBatch: // batches are a 2.0 feature
		return env.invalid(v2, echo)
	case env.req.method == nil: // neither member: no telling the version
		return env.invalid(v2, echo)
	default:
		env.version = v1
	}
	env.id = env.req.id
	if env.version == v2 {
		if env.id != nil && !validID2(env.id) {
			return env.invalid(v2, nil)
		}
		env.notification = env.id == nil
	} else {
		// JSON-RPC 1.0 allows ids of any type; null means notification.
		env.notification = env.id == nil || env.id[0] == 'n'
		echo = env.id
	}
	if env.req.method == nil || env.req.method[0] != '"' {
		return env.invalid(env.version, echo)
	}
	if env.id == nil {
		env.id = jsonNull
	}
	return true
}

// invalid makes env the envelope of an Invalid Request error answered
// with version and id, and returns false.
func (env *envelope) invalid(version int, id []byte) bool {
	*env = envelope{version: version, id: id}
	return false
}

// fail appends the error response to a request that cannot be called, or
// nothing for a notification.
func (env *envelope) fail(buf []byte, code Code, data []byte) ([]byte, bool, Code) {
	if env.notification {
		return buf, false, 0
	}
	return appendError(buf, env.version, env.id, code, code.String(), data), true, code
}
