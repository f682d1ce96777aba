package jsonrpc

import (
	"context"
	"reflect"
)

// Direct calls. A method whose function takes no params (a context at
// most) and returns one of a few common types, with or without an error,
// is called as the Go function it is rather than through
// reflect.Value.Call, the way fmt prints common types itself before it
// falls back to reflection. The call is the same either way: the same
// params are refused, a panic is recovered the same way, the result is
// encoded by the same encoder; reflect's call, its two allocations and
// its cold code are what a health check, a ping or a counter do without.
// Every other function is called through reflect.

// directCall calls a method's function with ctx, the handler's context
// (used only by functions that take one), and gives its result as
// method.call does.
type directCall func(ctx context.Context) (result, error)

// result is what a method's function returned: its value, invalid when it
// returns none (encoded as null); or, from a direct call of a function
// returning a string, the string, which a reflect.Value would have had to
// box (an allocation per call).
type result struct {
	value  reflect.Value
	text   string
	isText bool
}

// reflectValue is r as a reflect.Value, boxing a text.
func (r result) reflectValue() reflect.Value {
	if r.isText {
		return reflect.ValueOf(r.text)
	}
	return r.value
}

func textResult(s string, err error) (result, error) { return result{text: s, isText: true}, err }

// directCallOf is fn's direct call, or nil when fn is called through
// reflect.
func directCallOf(fn any) directCall {
	switch f := fn.(type) {
	case func() error:
		return func(context.Context) (result, error) { return result{}, f() }
	case func(context.Context) error:
		return func(ctx context.Context) (result, error) { return result{}, f(ctx) }
	}
	for _, of := range directResults {
		if call := of(fn); call != nil {
			return call
		}
	}
	return nil
}

// directResults are the result types of direct calls: a string is given
// as it is, the others as a reflect.Value.
var directResults = []func(fn any) directCall{
	func(fn any) directCall { return directCallReturning(fn, resultValue[any]) },
	func(fn any) directCall { return directCallReturning(fn, textResult) },
	func(fn any) directCall { return directCallReturning(fn, resultValue[bool]) },
	func(fn any) directCall { return directCallReturning(fn, resultValue[int]) },
	func(fn any) directCall { return directCallReturning(fn, resultValue[int64]) },
	func(fn any) directCall { return directCallReturning(fn, resultValue[float64]) },
}

// directCallReturning is the direct call of fn when it returns a T, its
// result made by wrap, or nil.
func directCallReturning[T any](fn any, wrap func(T, error) (result, error)) directCall {
	switch f := fn.(type) {
	case func() T:
		return func(context.Context) (result, error) { return wrap(f(), nil) }
	case func() (T, error):
		return func(context.Context) (result, error) { return wrap(f()) }
	case func(context.Context) T:
		return func(ctx context.Context) (result, error) { return wrap(f(ctx), nil) }
	case func(context.Context) (T, error):
		return func(ctx context.Context) (result, error) { return wrap(f(ctx)) }
	}
	return nil
}

// resultValue is v as the result reflect's call would have given: a nil
// interface is an invalid value, which is encoded as null.
func resultValue[T any](v T, err error) (result, error) {
	return result{value: reflect.ValueOf(v)}, err
}
