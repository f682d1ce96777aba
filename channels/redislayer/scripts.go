package redislayer

import "github.com/redis/go-redis/v9"

// sendScript is channels_redis's send as one atomic step: drop what expired,
// refuse at capacity, add the message and refresh the key's expiry.
// KEYS[1] is the channel key; ARGV is member, score, cutoff (int(now) -
// expiry), capacity and expiry in seconds. It returns 1, or 0 when full.
var sendScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[3])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
	return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
`)

// groupSendScript is channels_redis's group send script with the expiry
// cleanup of its separate pipeline folded in: for each channel key, drop
// what expired, then add the key's message unless the key is at capacity.
// KEYS are the channel keys of one shard; ARGV holds one member per key,
// one capacity per key, then the score, the cutoff and the expiry. It
// returns how many keys were over capacity.
var groupSendScript = redis.NewScript(`
local n = #KEYS
local score = ARGV[2 * n + 1]
local cutoff = ARGV[2 * n + 2]
local expiry = ARGV[2 * n + 3]
local over = 0
for i = 1, n do
	redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, cutoff)
	if redis.call('ZCARD', KEYS[i]) < tonumber(ARGV[n + i]) then
		redis.call('ZADD', KEYS[i], score, ARGV[i])
		redis.call('EXPIRE', KEYS[i], expiry)
	else
		over = over + 1
	end
end
return over
`)

// popScript pops the oldest member of the first non-empty key, in the
// order given: the non-blocking receive. It returns {key, member, score} or
// nil.
var popScript = redis.NewScript(`
for i = 1, #KEYS do
	local r = redis.call('ZPOPMIN', KEYS[i])
	if r[1] then
		return {KEYS[i], r[1], r[2]}
	end
end
return false
`)

// popManyScript pops up to ARGV[1] members, oldest first, from the keys in
// the order given, without blocking: the receive of a process under load,
// which takes what waits in one round trip. It returns {key, member,
// score, key, member, score, ...}, empty when nothing waits.
var popManyScript = redis.NewScript(`
local want = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
	if want <= 0 then
		break
	end
	local r = redis.call('ZPOPMIN', KEYS[i], want)
	for j = 1, #r, 2 do
		out[#out + 1] = KEYS[i]
		out[#out + 1] = r[j]
		out[#out + 1] = r[j + 1]
	end
	want = want - #r / 2
end
return out
`)
