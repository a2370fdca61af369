// Package acl owns Redis 7.0 access control lists: users and their
// selectors (command bitmaps, key and channel patterns), the rule language
// of ACL SETUSER and of the ACL file, the canonical rule strings ACL LIST
// prints, permission checks, and the ACL LOG.
//
// The package knows commands only through a Table the server builds from
// its command table, so it has no dependency on the server.
//
// Users are immutable once published: a change builds a new User and
// swaps it into the user's Ref, so connections read their permissions
// with one atomic load and no lock.
package acl
