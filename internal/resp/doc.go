// Package resp implements the Redis serialization protocol: a streaming
// request reader (RESP multibulk and inline commands, with Redis's exact
// protocol errors) and an append-style reply writer that formats each reply
// for the connection's protocol version (RESP2 or RESP3).
package resp
