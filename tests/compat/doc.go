// Package compat holds the tests that exchange data files with a real
// redis-server: RDB snapshots written by one and loaded by the other,
// compared key by key. CI installs redis-server; elsewhere the tests skip
// with a message when it is missing.
package compat
