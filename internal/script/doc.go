// Package script is Peregrine's Lua runtime: EVAL scripts and FUNCTION
// libraries, run on github.com/yuin/gopher-lua (a Lua 5.1 VM) the way Redis
// 7.0 runs them on its embedded Lua.
//
// It owns two long-lived Lua states per server, as Redis does: one for EVAL
// (with its script cache keyed by SHA1, so EVALSHA never recompiles) and one
// for the function libraries. Both are sandboxed like Redis 7: no os, io,
// loadfile, dofile or require; globals cannot be created or read when
// undeclared; every library table is read-only. The redis.* API, Redis's
// math.random, and Redis's Lua libraries cjson, cmsgpack, bit and struct are
// implemented here.
//
// The package knows nothing about the server: commands called by scripts go
// through the Host interface, which the server implements with its command
// table and keyspace. Replies cross that boundary as RESP bytes and are
// converted to Lua values with Redis's rules, and a script's return value is
// converted back into a resp.Writer.
//
// Nothing here is safe for concurrent use: the server serializes every use
// of an engine (it holds its keyspace lock), with one exception, Kill, which
// another goroutine may call while a script runs.
package script
