package jsonrpc

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds the methods and notification handlers of a JSON-RPC
// service. The zero value is empty and ready to use, so a Registry can be
// embedded by value in a consumer struct. It is safe for concurrent use:
// registering never blocks a Dispatch running at the same time. A Registry
// must not be copied after first use.
//
// Methods and notification handlers share one namespace. A request (a call
// with an id) may only name a method; a notification may name either, and
// the result of a method run as a notification is discarded.
type Registry struct {
	mu      sync.Mutex // serialises writers
	state   atomic.Pointer[registryState]
	unknown atomic.Pointer[recorder] // the Observer's record of calls to no method
}

// registryState is an immutable snapshot; writers replace it whole.
type registryState struct {
	byName    map[string]*method
	order     []*method
	intercept Interceptor // the interceptors of Use, composed; nil for none
}

// clone returns a copy of s to change and store in its place.
func (s *registryState) clone() *registryState {
	next := &registryState{byName: make(map[string]*method, len(s.byName)+1), intercept: s.intercept}
	for k, v := range s.byName {
		next.byName[k] = v
	}
	next.order = append(make([]*method, 0, len(s.order)+1), s.order...)
	return next
}

// Option configures one registration.
type Option func(*methodOptions)

type methodOptions struct {
	name                  string
	params                []string
	paramsSet             bool
	onlyWebsocket, onlyHT bool
	doc                   string
}

// Name sets the name the function is registered under. By default it is the
// Go function's name ("ping" for main.ping, "Ping" for the method value
// t.Ping); closures and function literals have no usable name and need Name.
func Name(name string) Option { return func(o *methodOptions) { o.name = name } }

// Params names the function's parameters, in order and without the leading
// context.Context, so that callers may also pass them by name (Go reflection
// does not know parameter names). The count must match the function's. With
// Params, a single struct parameter is one parameter like any other instead
// of standing for its fields.
func Params(names ...string) Option {
	return func(o *methodOptions) {
		o.params = append([]string(nil), names...)
		o.paramsSet = true
	}
}

// OnlyWebsocket limits the method to calls over WebSocket; over any other
// transport it is reported as not found.
func OnlyWebsocket() Option { return func(o *methodOptions) { o.onlyWebsocket = true } }

// OnlyHTTP limits the method to calls over HTTP; over any other transport it
// is reported as not found.
func OnlyHTTP() Option { return func(o *methodOptions) { o.onlyHT = true } }

// Doc sets a description of the method, published by rpc.discover.
func Doc(text string) Option { return func(o *methodOptions) { o.doc = text } }

// MethodInfo describes a registered method or notification handler.
type MethodInfo struct {
	// Name is the name the method is called by.
	Name string
	// Notification reports a handler registered with RegisterNotification;
	// it answers no requests.
	Notification bool
	// Websocket and HTTP are the transports the method may be called over.
	Websocket, HTTP bool
	// Params are the parameters in positional order. For a single struct
	// parameter they are its exported fields in declaration order. The
	// Type of a variadic last parameter is its slice type.
	Params []ParamInfo
	// Variadic reports that the last parameter takes any number of values
	// when params are given by position (an array when given by name).
	Variadic bool
	// Named reports that params may be passed by name (an object). Without
	// Named, ParamInfo names are generated ("arg0", ...) and only
	// positional params are accepted.
	Named bool
	// Result is the type of the returned value; nil when the handler
	// returns none (the result is then null).
	Result reflect.Type
	// Doc is the description given with Doc.
	Doc string
}

// ParamInfo describes one parameter.
type ParamInfo struct {
	// Name is the parameter's name.
	Name string
	// Type is the Go type the JSON value is decoded into.
	Type reflect.Type
	// Required reports that the parameter must be given. Only struct
	// fields (with a pointer type or an omitempty/omitzero json tag) and
	// the variadic parameter are optional.
	Required bool
}

// Register registers fn as a method, which answers requests. fn is a Go
// function of the form
//
//	func([ctx context.Context,] params...) ([result,] [error])
//
// It may be variadic. A single struct (or pointer to struct) parameter
// stands for its exported fields: by name (json tag name, else field name)
// or by position in declaration order. Register reports an error when fn
// does not have this form, when the name is taken, empty, starts with "_"
// or with the reserved "rpc.", or when the options are inconsistent.
func (r *Registry) Register(fn any, opts ...Option) error {
	return r.register(fn, false, false, "", opts)
}

// RegisterNotification registers fn as a notification handler: it is run
// for notifications only, its result is discarded, and a request naming it
// is answered with "Method not found". fn has the same forms as for
// Register.
func (r *Registry) RegisterNotification(fn any, opts ...Option) error {
	return r.register(fn, true, false, "", opts)
}

// registerBuiltin registers a method under name like Register, allowing the
// reserved "rpc." prefix.
func (r *Registry) registerBuiltin(name string, fn any) error {
	return r.register(fn, false, true, name, nil)
}

func (r *Registry) register(fn any, notification, builtin bool, name string, opts []Option) error {
	var o methodOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if name == "" {
		name = o.name
	}
	v := reflect.ValueOf(fn)
	if !v.IsValid() || v.Kind() != reflect.Func {
		return fmt.Errorf("jsonrpc: register %v: not a function", describeGo(fn))
	}
	if v.IsNil() {
		return errors.New("jsonrpc: register: nil function")
	}
	if name == "" {
		var err error
		if name, err = funcName(v); err != nil {
			return err
		}
	}
	if err := checkName(name, builtin); err != nil {
		return err
	}
	if o.onlyWebsocket && o.onlyHT {
		return fmt.Errorf("jsonrpc: register %q: OnlyWebsocket and OnlyHTTP exclude each other", name)
	}
	m, err := newMethod(name, v, &o)
	if err != nil {
		return err
	}
	m.info.Notification = notification
	m.info.Websocket = !o.onlyHT
	m.info.HTTP = !o.onlyWebsocket
	m.info.Doc = o.doc

	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.snapshot()
	if _, dup := old.byName[name]; dup {
		return fmt.Errorf("jsonrpc: register %q: name already registered", name)
	}
	next := old.clone()
	next.byName[name] = m
	next.order = append(next.order, m)
	r.state.Store(next)
	return nil
}

// snapshot returns the current registrations; never nil.
func (r *Registry) snapshot() *registryState {
	if r != nil {
		if s := r.state.Load(); s != nil {
			return s
		}
	}
	return &emptyState
}

var emptyState = registryState{}

// Methods describes the registered methods and notification handlers in
// registration order.
func (r *Registry) Methods() []MethodInfo {
	s := r.snapshot()
	out := make([]MethodInfo, len(s.order))
	for i, m := range s.order {
		out[i] = m.info
		out[i].Params = append([]ParamInfo(nil), m.info.Params...)
	}
	return out
}

// checkName refuses names that can never be called or are reserved.
func checkName(name string, builtin bool) error {
	switch {
	case name == "":
		return errors.New("jsonrpc: register: empty method name")
	case strings.HasPrefix(name, "_"):
		return fmt.Errorf("jsonrpc: register %q: names starting with \"_\" cannot be called", name)
	case !builtin && strings.HasPrefix(name, "rpc."):
		return fmt.Errorf("jsonrpc: register %q: names starting with \"rpc.\" are reserved for extensions", name)
	}
	return nil
}

// funcName derives a method name from a Go function: "ping" for
// "main.ping", "Ping" for the method value "pkg.(*T).Ping-fm".
func funcName(v reflect.Value) (string, error) {
	f := runtime.FuncForPC(v.Pointer())
	if f == nil {
		return "", errors.New("jsonrpc: register: cannot name the function; use jsonrpc.Name")
	}
	full := f.Name()
	name := full
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSuffix(name, "-fm")
	// Type parameters of a generic function: "f[...]".
	if i := strings.IndexByte(name, '['); i >= 0 {
		if j := strings.LastIndexByte(name, ']'); j > i {
			name = name[:i] + name[j+1:]
		}
	}
	parts := strings.Split(name, ".") // package, [receiver or enclosing funcs,] name
	name = parts[len(parts)-1]
	if name == "" || len(parts) > 2 && isAnonymous(name) {
		return "", fmt.Errorf("jsonrpc: register: %s is an anonymous function; give it a name with jsonrpc.Name", full)
	}
	return name, nil
}

// isAnonymous reports whether the last element of a runtime function name,
// below the package level, belongs to a closure: "func1", or a bare number
// for nested closures.
func isAnonymous(s string) bool {
	s = strings.TrimPrefix(s, "func")
	if s == "" {
		return true
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// describeGo names a Go value's type for registration errors, which are for
// the developer, not the client.
func describeGo(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}
