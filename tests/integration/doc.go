// Package integration holds end-to-end tests: a real Redis client
// (github.com/redis/go-redis/v9) talks to an in-process Peregrine server
// over TCP, in RESP2 and RESP3.
package integration
