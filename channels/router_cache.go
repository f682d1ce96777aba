package channels

import (
	"maps"
	"sync"
	"sync/atomic"
)

// matchCache remembers the routes of the (channel, path) pairs a router has
// matched, when every filter of the router is on "path": then the match
// depends on nothing else, and the messages of one connection, which share
// their path, are matched by their first. The cache holds at most
// maxCachedRoutes pairs (paths come from clients); later pairs are matched
// every time.
type matchCache struct {
	mu      sync.RWMutex
	matched map[routeKey]routeMatch
}

const maxCachedRoutes = 4096

type routeKey struct{ channel, path string }

type routeMatch struct {
	consumer Consumer
	kwargs   map[string]string
	ok       bool
}

// cacheable tells whether every filter under the nodes is on "path".
func cacheable(nodes []*routeNode) bool {
	for _, n := range nodes {
		for _, f := range n.filters {
			if f.key != "path" {
				return false
			}
		}
		if !cacheable(n.children) {
			return false
		}
	}
	return true
}

// lookup returns the remembered match of key; the kwargs are the caller's
// own copy.
func (c *matchCache) lookup(key routeKey) (routeMatch, bool) {
	c.mu.RLock()
	rm, ok := c.matched[key]
	c.mu.RUnlock()
	if ok && rm.kwargs != nil {
		rm.kwargs = maps.Clone(rm.kwargs)
	}
	return rm, ok
}

// remember keeps rm for key while there is room; it keeps its own copy of
// the kwargs.
func (c *matchCache) remember(key routeKey, rm routeMatch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.matched == nil {
		c.matched = make(map[routeKey]routeMatch)
	}
	if len(c.matched) < maxCachedRoutes {
		rm.kwargs = maps.Clone(rm.kwargs)
		c.matched[key] = rm
	}
}

// routeMemo is the last route match of one connection's messages, which
// share their path: the match of its frames by a router is then found with
// no lookup in the router's cache. It is the connection's, and the
// messages the server makes for it point to it (Message.routeMemo).
type routeMemo struct {
	last atomic.Pointer[memoEntry]
}

type memoEntry struct {
	router  *Router
	channel string
	match   routeMatch // kwargs: the memo's own copy
}

// lookup returns the match r made for channel, if it is the last one;
// the kwargs are the caller's own copy. m may be nil.
func (m *routeMemo) lookup(r *Router, channel string) (routeMatch, bool) {
	if m == nil {
		return routeMatch{}, false
	}
	e := m.last.Load()
	if e == nil || e.router != r || e.channel != channel {
		return routeMatch{}, false
	}
	rm := e.match
	if rm.kwargs != nil {
		rm.kwargs = maps.Clone(rm.kwargs)
	}
	return rm, true
}

// remember keeps rm as the match r made for channel. m may be nil.
func (m *routeMemo) remember(r *Router, channel string, rm routeMatch) {
	if m == nil {
		return
	}
	rm.kwargs = maps.Clone(rm.kwargs)
	m.last.Store(&memoEntry{router: r, channel: channel, match: rm})
}
