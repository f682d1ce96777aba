package channels

// ClientFrame is clientFrame, a final one, for the external tests: a masked
// frame of opcode op declaring length bytes, followed by payload.
func ClientFrame(op byte, length uint64, payload []byte) []byte {
	return clientFrame(op, true, length, payload)
}
