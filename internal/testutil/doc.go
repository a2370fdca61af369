// Package testutil holds helpers shared by Peregrine's tests: a real
// redis-server started as a reference implementation (StartReference), an
// in-process Peregrine server (StartPeregrine), a minimal RESP client that
// returns replies as raw bytes (RawConn) for byte-exact comparisons, a RESP
// decoder (ParseReply) producing a small tree type for readable diffs and
// unordered comparisons, and a redis-cli compatible argument splitter
// (SplitArgs).
package testutil
