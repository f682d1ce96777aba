package jsonrpc

import (
	"context"
	"encoding/json"
	"reflect"
)

// Method runs one call: the registered function, behind the interceptors
// that come after the one it is given to. params is the call's raw params,
// nil when it has none; like Call.ID, it shares memory with the payload and
// must not be modified. result is what the response carries.
type Method func(ctx context.Context, params json.RawMessage) (result any, err error)

// Interceptor wraps every call a Registry dispatches, for logging, timing,
// authorization and the like: it is given the next Method and returns the
// one to run in its place. CallFrom(ctx) describes the call (method name,
// version, id, transport, and the channels message with its user and
// sessions). An error it returns is answered as a method's error is; bad
// params reach it as an *Error with CodeInvalidParams.
type Interceptor func(next Method) Method

// Use adds interceptors around every call of the registry: the first one
// outermost, and those of a later Use inside those of an earlier one.
// Without any, calls take a path that builds no Method.
func (r *Registry) Use(interceptors ...Interceptor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := r.snapshot().clone()
	for _, ic := range interceptors {
		if ic == nil {
			continue
		}
		if outer := next.intercept; outer != nil {
			next.intercept = func(m Method) Method { return outer(ic(m)) }
		} else {
			next.intercept = ic
		}
	}
	r.state.Store(next)
}

// MustRegister is Register that panics when fn cannot be registered, for
// registrations that are part of a program's setup.
func (r *Registry) MustRegister(fn any, opts ...Option) {
	if err := r.Register(fn, opts...); err != nil {
		panic(err)
	}
}

// MustRegisterNotification is RegisterNotification that panics on error.
func (r *Registry) MustRegisterNotification(fn any, opts ...Option) {
	if err := r.RegisterNotification(fn, opts...); err != nil {
		panic(err)
	}
}

// intercepted runs a call of m through the registry's interceptors.
func (d *dispatcher) intercepted(buf []byte, m *method, env *envelope) ([]byte, bool, Code) {
	params, version := env.req.params, env.version
	cc := &callContext{}
	d.callContext(cc, m, version, env.id, env.notification)
	call := d.state.intercept(func(ctx context.Context, params json.RawMessage) (any, error) {
		args := make([]reflect.Value, m.nargs)
		if msg := m.bind(params, version, args); msg != "" {
			return nil, &Error{Code: CodeInvalidParams, Data: msg}
		}
		if m.ctx {
			args[0] = reflect.ValueOf(&ctx).Elem()
		}
		res, err := m.call(ctx, args)
		if v := res.reflectValue(); v.IsValid() {
			return v.Interface(), err
		}
		return nil, err
	})
	return d.invoke(buf, env, m, nil, nil, func() (result, error) {
		res, err := call(cc, params)
		return result{value: reflect.ValueOf(res)}, err
	})
}
