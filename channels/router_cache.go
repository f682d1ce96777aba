package channels

import (
	"maps"
	"sync"
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
