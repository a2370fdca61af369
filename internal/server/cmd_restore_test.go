package server

import (
	"encoding/hex"
	"testing"

	"github.com/peregrinedb/peregrine/internal/rdb"
)

// TestRestoreSanitizeModes: sanitize-dump-payload decides how deep a
// RESTORE payload is checked. A hash listpack with a duplicated field is
// refused when sanitizing; unsanitized Redis stores it as it is, and
// Peregrine stores the first value of the field, unless the listpack
// must become a hash table (more pairs than hash-max-listpack-entries),
// where Redis panics on the duplicate and Peregrine refuses it. With
// clients, users with skip-sanitize-payload skip the deep checks.
func TestRestoreSanitizeModes(t *testing.T) {
	body, _ := hex.DecodeString("101717000000040082610003826200038261000382640003ff")
	p := string(rdb.SealPayload(body))
	s := startTestServer(t)
	c := dialTest(t, s)

	mustStr(t, c.do("CONFIG", "SET", "sanitize-dump-payload", "yes"), "OK")
	mustErr(t, c.do("RESTORE", "k", "0", p), "ERR Bad data format")

	mustStr(t, c.do("CONFIG", "SET", "sanitize-dump-payload", "no"), "OK")
	mustStr(t, c.do("RESTORE", "k", "0", p), "OK")
	mustInt(t, c.do("HLEN", "k"), 1)
	mustStr(t, c.do("HGET", "k", "a\x00"), "b\x00")
	mustStr(t, c.do("CONFIG", "SET", "hash-max-listpack-entries", "1"), "OK")
	mustErr(t, c.do("RESTORE", "k2", "0", p), "ERR Bad data format")
	mustStr(t, c.do("CONFIG", "SET", "hash-max-listpack-entries", "128"), "OK")

	mustStr(t, c.do("CONFIG", "SET", "sanitize-dump-payload", "clients"), "OK")
	mustErr(t, c.do("RESTORE", "k3", "0", p), "ERR Bad data format")
	mustStr(t, c.do("ACL", "SETUSER", "default", "skip-sanitize-payload"), "OK")
	mustStr(t, c.do("RESTORE", "k3", "0", p), "OK")
	mustInt(t, c.do("EXISTS", "k3"), 1)
}
