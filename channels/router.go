package channels

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// ErrNoRoute is matched by the error a Router returns for a message that no
// route matches.
var ErrNoRoute = errors.New("channels: no route")

// Filter restricts a route to messages whose content matches a regular
// expression; build one with Match or Path. Patterns use the syntax of the
// regexp package and, as Python's re.match, match at the start of the value
// only. Named groups ((?P<name>...)) become the message's Kwargs; unnamed
// capturing groups are an error when the router is built.
type Filter struct {
	key     string
	pattern string
}

// Match returns a filter on the string (or bytes) value of a content key.
// A message without the key, or with a value of another type, does not match.
func Match(key, pattern string) Filter { return Filter{key: key, pattern: pattern} }

// Path returns a filter on the request path: Match("path", pattern).
func Path(pattern string) Filter { return Match("path", pattern) }

// Routing is one entry of a routing table: a route to a consumer (Route), a
// nested table (Include) or the routes of a WebSocket consumer (AsRoute).
// A Routing holds only what it was given; NewRouter checks it.
type Routing struct {
	channel  string
	consumer Consumer
	filters  []Filter
	include  []Routing // the entries of an Include
	isInc    bool
	err      error // a mistake found when the entry was made
}

// Route routes the messages of channel that pass every filter to c: Django
// Channels' route(channel, consumer, **filters).
func Route(channel string, c Consumer, filters ...Filter) Routing {
	return Routing{channel: channel, consumer: c, filters: slices.Clone(filters)}
}

// Include nests routes under filters: Django Channels' include(routing,
// **filters). A message must pass every filter; the part of each value the
// filter matched is then cut off before the nested routes see it, so that
// Include(routes, Path(`^/api`)) with a nested Path(`^/chat/$`) matches the
// path "/api/chat/". Only the matching sees the shortened value: the
// message's content is left as it is.
func Include(routes []Routing, filters ...Filter) Routing {
	return Routing{include: slices.Clone(routes), filters: slices.Clone(filters), isInc: true}
}

// Router routes each message to the first route that matches it, in the
// order the routes were given. It is itself a Consumer, and safe for
// concurrent use.
type Router struct {
	routes   []*routeNode
	channels []string
	cache    *matchCache // nil unless every filter is on "path"
}

var _ Consumer = (*Router)(nil)

// routeNode is a checked Routing: a leaf route, or an include with children.
type routeNode struct {
	channel  string
	consumer Consumer
	filters  []routeFilter
	children []*routeNode
	reaches  map[string]bool // the channels of the leaves under an include
}

type routeFilter struct {
	key string
	re  *regexp.Regexp // the pattern anchored at the start
}

// NewRouter checks routes and returns a router for them. It reports a
// route without a valid channel name or with a nil consumer, a pattern that
// does not compile or has unnamed groups, a key filtered twice by one entry,
// and two routes for the same channel with the same filters.
func NewRouter(routes ...Routing) (*Router, error) {
	r := &Router{}
	seen := make(map[string]string)
	for i, rt := range routes {
		n, err := compileRouting(rt, fmt.Sprintf("route %d", i), nil, seen)
		if err != nil {
			return nil, err
		}
		r.routes = append(r.routes, n)
	}
	chans := make(map[string]bool)
	for _, n := range r.routes {
		n.collectChannels(chans)
	}
	r.channels = slices.Sorted(maps.Keys(chans))
	if cacheable(r.routes) {
		r.cache = &matchCache{}
	}
	return r, nil
}

// compileRouting checks rt, found at where, under the filter levels of its
// enclosing includes; seen maps the signature of each leaf to its place.
func compileRouting(rt Routing, where string, outer []string, seen map[string]string) (*routeNode, error) {
	if rt.err != nil {
		return nil, fmt.Errorf("channels: %s: %w", where, rt.err)
	}
	filters, level, err := compileFilters(rt.filters)
	if err != nil {
		return nil, fmt.Errorf("channels: %s: %w", where, err)
	}
	levels := slices.Clip(outer)
	if level != "" { // an entry without filters matches as its parent does
		levels = append(levels, level)
	}
	if rt.isInc {
		n := &routeNode{filters: filters, reaches: make(map[string]bool)}
		for i, child := range rt.include {
			cn, err := compileRouting(child, fmt.Sprintf("%s > %d", where, i), levels, seen)
			if err != nil {
				return nil, err
			}
			n.children = append(n.children, cn)
			cn.collectChannels(n.reaches)
		}
		return n, nil
	}
	if rt.channel == "" && rt.consumer == nil && len(rt.filters) == 0 {
		return nil, fmt.Errorf("channels: %s: empty Routing (use Route, Include or AsRoute)", where)
	}
	if err := ValidateChannel(rt.channel); err != nil {
		return nil, fmt.Errorf("channels: %s: %w", where, err)
	}
	if isNilConsumer(rt.consumer) {
		return nil, fmt.Errorf("channels: %s: nil consumer for channel %q", where, rt.channel)
	}
	sig := rt.channel + "\x00" + strings.Join(levels, "\x00")
	if first, dup := seen[sig]; dup {
		return nil, fmt.Errorf("channels: %s: duplicate route for channel %q with the filters of %s", where, rt.channel, first)
	}
	seen[sig] = where
	return &routeNode{channel: rt.channel, consumer: rt.consumer, filters: filters}, nil
}

// compileFilters compiles fs and returns them with a canonical text of the
// set, for finding duplicate routes.
func compileFilters(fs []Filter) ([]routeFilter, string, error) {
	out := make([]routeFilter, 0, len(fs))
	keys := make(map[string]bool, len(fs))
	sig := make([]string, 0, len(fs))
	for _, f := range fs {
		if f.key == "" {
			return nil, "", errors.New("filter with an empty content key")
		}
		if keys[f.key] {
			return nil, "", fmt.Errorf("content key %q filtered twice", f.key)
		}
		keys[f.key] = true
		re, err := regexp.Compile(f.pattern)
		if err != nil {
			return nil, "", fmt.Errorf("filter on %q: %w", f.key, err)
		}
		for i, name := range re.SubexpNames() {
			if i > 0 && name == "" {
				return nil, "", fmt.Errorf("filter on %q: pattern %q has an unnamed group; use (?P<name>...) or (?:...)", f.key, f.pattern)
			}
		}
		anchored, err := regexp.Compile(`\A(?:` + f.pattern + `)`)
		if err != nil {
			return nil, "", fmt.Errorf("filter on %q: %w", f.key, err)
		}
		out = append(out, routeFilter{key: f.key, re: anchored})
		sig = append(sig, f.key+"="+f.pattern)
	}
	slices.Sort(sig)
	return out, strings.Join(sig, "\x01"), nil
}

func isNilConsumer(c Consumer) bool {
	if c == nil {
		return true
	}
	switch v := reflect.ValueOf(c); v.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Chan, reflect.Interface, reflect.Slice:
		return v.IsNil()
	}
	return false
}

func (n *routeNode) collectChannels(into map[string]bool) {
	if n.children == nil && n.reaches == nil {
		into[n.channel] = true
		return
	}
	maps.Copy(into, n.reaches)
}

// Channels returns the names of the channels the router has routes for,
// sorted: the channels a worker receives on.
func (r *Router) Channels() []string { return slices.Clone(r.channels) }

// Match returns the consumer of the first route matching m and the named
// groups its patterns matched; groups that took no part in the match are
// left out. m is not changed.
func (r *Router) Match(m *Message) (Consumer, map[string]string, bool) {
	path, isString := m.pathString()
	if r.cache == nil || !isString {
		return r.match(m)
	}
	memo := m.routeMemo()
	if rm, ok := memo.lookup(r, m.Channel); ok {
		return rm.consumer, rm.kwargs, rm.ok
	}
	key := routeKey{m.Channel, path}
	rm, ok := r.cache.lookup(key)
	if !ok {
		rm.consumer, rm.kwargs, rm.ok = r.match(m)
		r.cache.remember(key, rm)
	}
	memo.remember(r, m.Channel, rm)
	return rm.consumer, rm.kwargs, rm.ok
}

func (r *Router) match(m *Message) (Consumer, map[string]string, bool) {
	for _, n := range r.routes {
		if c, kw, ok := n.match(m, nil); ok {
			return c, kw, true
		}
	}
	return nil, nil, false
}

// Consume implements Consumer: it sets m.Kwargs to the named groups of the
// matching route (keeping those already set that the route does not
// override) and passes m to the route's consumer. A message no route matches
// gives an error matching ErrNoRoute.
func (r *Router) Consume(ctx context.Context, m *Message) error {
	c, kw, ok := r.Match(m)
	if !ok {
		return noRoute(m)
	}
	if kw != nil {
		m.Kwargs = withKwargs(kw, m.Kwargs)
	}
	return c.Consume(ctx, m)
}

// noRoute is the error of a message no route matches.
func noRoute(m *Message) error {
	if p := m.Path(); p != "" {
		return fmt.Errorf("%w for channel %q, path %q", ErrNoRoute, m.Channel, p)
	}
	return fmt.Errorf("%w for channel %q", ErrNoRoute, m.Channel)
}

// withKwargs returns kw, the named groups of a match, with those of had
// that it does not name. Not inlined: its map iterator stays off the stack
// of every message the router passes on.
//
//go:noinline
func withKwargs(kw, had map[string]string) map[string]string {
	for k, v := range had {
		if _, set := kw[k]; !set {
			kw[k] = v
		}
	}
	return kw
}

// match matches m against n; stripped holds the values shortened by the
// enclosing includes.
func (n *routeNode) match(m *Message, stripped map[string]string) (Consumer, map[string]string, bool) {
	if n.reaches != nil {
		if !n.reaches[m.Channel] {
			return nil, nil, false
		}
	} else if m.Channel != n.channel {
		return nil, nil, false
	}
	var kw map[string]string // allocated for the first named group
	var inner map[string]string
	for _, f := range n.filters {
		v, ok := filterValue(m, stripped, f.key)
		if !ok {
			return nil, nil, false
		}
		loc := f.re.FindStringSubmatchIndex(v)
		if loc == nil {
			return nil, nil, false
		}
		for i, name := range f.re.SubexpNames() {
			if i > 0 && loc[2*i] >= 0 {
				if kw == nil {
					kw = make(map[string]string)
				}
				kw[name] = v[loc[2*i]:loc[2*i+1]]
			}
		}
		if n.reaches != nil {
			if inner == nil {
				inner = maps.Clone(stripped)
				if inner == nil {
					inner = make(map[string]string)
				}
			}
			inner[f.key] = v[loc[1]:]
		}
	}
	if n.reaches == nil {
		return n.consumer, kw, true
	}
	if inner == nil {
		inner = stripped
	}
	for _, child := range n.children {
		if c, ckw, ok := child.match(m, inner); ok {
			if kw == nil {
				kw = ckw
			} else {
				maps.Copy(kw, ckw)
			}
			return c, kw, true
		}
	}
	return nil, nil, false
}

// filterValue is the value a filter on key sees: what an include left of
// it, else the string or bytes value in the content.
func filterValue(m *Message, stripped map[string]string, key string) (string, bool) {
	if v, ok := stripped[key]; ok {
		return v, true
	}
	switch v := m.get(key).(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	}
	return "", false
}
