// Package aof owns the file formats of Redis 7's multi-part append-only
// file: the manifest (appendonlydir/<appendfilename>.manifest) that lists
// the base, incremental and history files, the RESP command stream those
// files hold (encoding for the writer, a position-tracking reader for the
// loader that tells a torn tail from a corruption), and the Writer that
// buffers the propagated command stream and applies the appendfsync
// policy. It knows nothing about the server: internal/server/aof.go wires
// it to propagation, loading, rewriting and configuration.
package aof
