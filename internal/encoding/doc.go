// Package encoding owns the byte formats Redis persists inside RDB files and
// DUMP payloads, independent of any I/O: the LZF compression used for long
// strings, the CRC64 that checksums RDB files and DUMP payloads, the CRC16
// that maps keys to cluster slots, and the compact containers that small
// lists, hashes, sets and sorted sets are serialized as: listpack (Redis 7),
// intset, and the legacy ziplist and zipmap formats found in files written by
// older servers (read only).
//
// Writers produce the same bytes Redis 7.0 produces for the same input.
// Readers treat their input as untrusted: they validate every length and
// offset, return an error instead of panicking, and never allocate more than
// the caller asked for. They mirror the structural checks Redis performs when
// it loads a file with sanitize-dump-payload enabled; semantic checks that
// depend on the object being built (empty keys, duplicate fields, odd pair
// counts) are left to the RDB reader.
package encoding
