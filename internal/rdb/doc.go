// Package rdb reads and writes Redis's RDB format (version 10, as Redis
// 7.0 writes it), for snapshots, DUMP/RESTORE payloads and the RDB
// preamble of the append-only file. Files move both ways: what Peregrine
// writes, redis-server loads, and Peregrine loads what redis-server (7.0
// and earlier, back to the zipmap and ziplist encodings) writes.
//
// The package knows the byte format and how values map to Peregrine's
// data structures; where the bytes go (files, sockets, payloads) and when
// a snapshot runs is the server's business.
package rdb
