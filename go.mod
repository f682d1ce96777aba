module github.com/gochannels/channels-jsonrpc

go 1.26
