// Package server is Peregrine's core: listeners and connections, the command
// table and dispatch, and one file per command family (cmd_*.go). Handlers
// parse arguments, call the keyspace or a data structure, and write the reply
// through the resp writer.
package server
