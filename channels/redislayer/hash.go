package redislayer

import "hash/crc32"

// consistentHash maps value to one of n shards the way channels_redis does:
// the low 12 bits of the CRC-32 (IEEE) of the UTF-8 bytes, scaled down to n
// buckets with a floating-point division. The order of the operations
// matters: it reproduces Python's int(bigval / (4096 / float(n))) exactly.
func consistentHash(value string, n int) int {
	if n <= 1 {
		return 0
	}
	big := crc32.ChecksumIEEE([]byte(value)) & 0xFFF
	return int(float64(big) / (4096 / float64(n)))
}
