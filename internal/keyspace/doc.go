// Package keyspace owns Peregrine's databases: the key → entry tables,
// expiry (lazy on access plus the time-bounded active cycle), keyspace
// statistics and the change hook through which every write reports itself
// (notifications, WATCH, tracking, blocked clients, propagation, dirty count).
//
// Callers hold the keyspace lock (Keyspace.Lock) around every access; see
// docs/locking.md for the lock order.
package keyspace
