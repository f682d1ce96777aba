// Package redislayer is a channel layer on Redis that Django speaks too: a
// [channels.Layer] (with groups, group listing, flush and close) whose keys
// and messages are those of channels_redis 4's RedisChannelLayer, so Go
// interface servers and workers can share channels and groups with Django
// Channels processes.
//
//	layer, err := redislayer.Open("redis://localhost:6379/0?capacity=100&expiry=60")
//
// [ParseURL] reads the settings of Django's CHANNEL_LAYERS from one URL;
// [New] takes a [Config]; [NewWithClients] takes go-redis clients, for tests
// and for unusual topologies (not Redis Cluster, whose slots the multi-key
// scripts would cross). A host given as
// "redis+sentinel://sentinel:26379,.../db?master_name=NAME" is the master
// that Redis Sentinel names, as a channels_redis host entry with
// "sentinels" and "master_name" is; the client follows a failover.
//
// [PubSubLayer] ([OpenPubSub], "redis+pubsub://host:port/db") is the other
// layer channels_redis has, RedisPubSubChannelLayer: PUBLISH and SUBSCRIBE,
// at most once to the processes listening, no capacity and no expiry.
//
// # Wire format
//
// What a Go layer and a Django layer configured with the same hosts,
// prefix and keys both read and write:
//
//   - A channel is a sorted set at Prefix + its non-local name ("asgi" +
//     "chat" is "asgichat"; "asgi" + "specific.abc!" for every
//     "specific.abc!x"). A member is 12 random bytes followed by the
//     msgpack encoding of the message (str for text, bin for bytes), or by
//     its Fernet token when encryption keys are set; its score is the send
//     time in Unix seconds. A send first drops members older than Expiry,
//     fails at capacity, adds the member and sets the key to expire after
//     Expiry: the four commands of channels_redis, here in one script.
//   - A message to a process-local channel ("x!y") carries the full channel
//     name under the reserved key "__asgi_channel__"; a group send puts one
//     message on each key, naming in a list every member on that key.
//     Both forms are read.
//   - A group is a sorted set at Prefix + ":group:" + name, of channel names
//     scored with the time of their last GroupAdd, expiring GroupExpiry after
//     it. Group sends skip members at capacity.
//   - With several hosts, groups and process-local channels are placed by
//     channels_redis's CRC-32 hash of the group name and of the non-local
//     channel name; normal channels go to the hosts in turn.
//   - [Layer.NewChannel] makes channels_redis's names,
//     "specific.<ClientPrefix>!<uuid hex>".
//
// What differs from channels_redis, and why:
//
//   - channels_redis's own send hashes the full name of a process-local
//     channel, so with several hosts about half of Django's direct sends
//     to a process-local channel land on a host its receiver never reads
//     (django/channels#1492); its group sends are not affected. This layer
//     hashes the non-local name for both, which is where channels_redis
//     receives. With one host nothing differs.
//   - A receiver of a normal channel here does not keep channels_redis's
//     "<key>$inflight" backup set, which only protects a Python receiver
//     against its own cancellation; Python receivers on the same channel
//     are unaffected. This layer never gives up a blocking pop, so it does
//     not need one (see Receiving).
//   - A message older than Expiry is dropped when received, as the next
//     send would have dropped it; channels_redis delivers it.
//   - Single-reader names ("x?y"), which channels_redis 4 rejects, are
//     stored like normal channels but placed by the hash of their name.
//   - Messages must be canonical channels.Content: map keys are strings,
//     and msgpack extension types (timestamps) are refused on both sides.
//   - [Layer.Flush] deletes the keys that start with Prefix, as
//     channels_redis's flush does, but with SCAN instead of KEYS. On a
//     Redis shared with Django, or with layers whose prefix starts with
//     this one ("asgi" matches every "asgi..." key), it deletes their
//     channels and groups too: flush only a Redis of your own.
//   - Capacity is checked and the message added atomically; channels_redis
//     may let a channel go slightly over capacity.
//
// # Receiving
//
// Receive pops normal and single-reader channels itself, with a blocking
// pop on their keys: BZMPOP on one host, which also takes up to 8 more
// messages waiting in the key for the receives to come (Redis 7 and later;
// an older server gets a pop script and BZPOPMIN, found at the first
// "unknown command"), BZPOPMIN on every host at once when there are
// several (of messages popped together the oldest is kept and the others
// are put back with their scores). When the context is cancelled during a
// blocking pop, the pop is woken through a private wake key ("<Prefix>$wake.<ClientPrefix>.<n>",
// deleted afterwards), never abandoned: a message Redis popped for it is
// returned, not lost.
//
// Process-local names ("x!") are fetched by one receive loop per host and
// layer, with one blocking pop (BZMPOP, up to 64 messages) on the keys of
// all the names being received.
// The loop fans messages out, by their reserved key, into one in-process
// queue per name; a queue that holds the name's capacity is left out of the
// pop, so that a slow receiver fills Redis and senders get ErrChannelFull.
// (channels_redis instead drops the oldest message of a full per-channel
// buffer.) A group message for many connections of one process is one
// Redis message, fanned out to all of them whatever the capacity. A name stays in the loop for about BlockTimeout after
// its last Receive; messages the loop fetched and nobody received are lost
// at Close.
//
// # Faults
//
// Every Redis call has a deadline (CallTimeout; a blocking pop gets
// BlockTimeout more). When Redis cannot be reached, Send and the group
// calls fail with an error that wraps go-redis's and names the host,
// Receive returns such errors too (the interface server and worker back
// off and retry), and the clients reconnect by themselves when Redis is
// back. The clients New makes do not retry commands, so a message is never
// delivered twice; one in flight when the connection breaks may be lost. Messages live in
// Redis only: a restart without persistence drops them.
//
// # Concurrency
//
// A Layer is safe for concurrent use by any number of goroutines, and so
// is a [SessionStore]. Send, GroupSend and the other calls take one Redis
// round trip each (GroupSend one more per host) and hold no lock while
// they wait. A blocked Receive of normal channels holds one pooled
// connection per host it waits on, and waits in the calling goroutine (in
// one goroutine per host when there are several, or when it also waits for
// process-local names). The receive loop of process-local names is one
// goroutine and one connection per host, running only while such names are
// received; it starts no goroutine per message, and the receivers it feeds
// wait in process. Close stops the loops and waits for them and for the
// blocked receives.
package redislayer
