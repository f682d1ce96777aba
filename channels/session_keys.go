package channels

import "sync"

// sessionKeys remembers the channel session keys of open WebSockets, so
// that the SHA-1 of a reply channel is computed once per connection rather
// than once per message; the frames the server hands over carry their
// connection's key, and need no lookup. A connection's key is forgotten
// with its websocket.disconnect; since that may be consumed by another
// process, the cache also starts afresh whenever it holds maxSessionKeys.
type sessionKeys struct {
	mu   sync.Mutex
	keys map[string]string
}

const maxSessionKeys = 1 << 16

// of returns the session key of m's reply channel.
func (k *sessionKeys) of(m *Message, reply string) string {
	if f := m.compactFrame(); f != nil && f.sessionKey != "" {
		return f.sessionKey // the server's, made with the connection
	}
	if m.Channel == "websocket.disconnect" {
		k.mu.Lock()
		key, ok := k.keys[reply]
		delete(k.keys, reply)
		k.mu.Unlock()
		if ok {
			return key
		}
		return ChannelSessionKey(reply)
	}
	if m.Channel != "websocket.connect" && m.Channel != "websocket.receive" {
		return ChannelSessionKey(reply) // one message per reply channel, as http.request
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, ok := k.keys[reply]; ok {
		return key
	}
	key := ChannelSessionKey(reply)
	if k.keys == nil || len(k.keys) >= maxSessionKeys {
		k.keys = make(map[string]string)
	}
	k.keys[reply] = key
	return key
}
