package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigGetSet(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	r := c.do("CONFIG", "GET", "maxmemory")
	if got := r.strs(); len(got) != 2 || got[0] != "maxmemory" || got[1] != "0" {
		t.Fatalf("CONFIG GET maxmemory = %v", r)
	}
	mustStr(t, c.do("CONFIG", "SET", "maxmemory", "10mb", "maxmemory-policy", "allkeys-lru"), "OK")
	r = c.do("CONFIG", "GET", "maxmemory", "maxmemory-policy")
	if v, _ := r.field("maxmemory"); v.str != "10485760" {
		t.Fatalf("maxmemory = %v", r)
	}
	if v, _ := r.field("maxmemory-policy"); v.str != "allkeys-lru" {
		t.Fatalf("maxmemory-policy = %v", r)
	}
	// Patterns, several at once, no duplicates.
	r = c.do("CONFIG", "GET", "maxmemory*", "maxmemory")
	seen := map[string]bool{}
	for i := 0; i < len(r.elems); i += 2 {
		if seen[r.elems[i].str] {
			t.Fatalf("duplicate %s in %v", r.elems[i].str, r)
		}
		seen[r.elems[i].str] = true
	}
	if !seen["maxmemory"] || !seen["maxmemory-samples"] || !seen["maxmemory-policy"] {
		t.Fatalf("CONFIG GET maxmemory* = %v", r)
	}
	// RESP3: a map.
	c.do("HELLO", "3")
	if r = c.do("CONFIG", "GET", "maxmemory"); r.kind != '%' || len(r.elems) != 2 {
		t.Fatalf("RESP3 CONFIG GET = %c %v", r.kind, r)
	}
	c.do("HELLO", "2")

	// Errors.
	mustErr(t, c.do("CONFIG", "SET", "maxmemory"), "ERR wrong number of arguments for 'config|set' command")
	mustErr(t, c.do("CONFIG", "SET", "maxmemory", "1", "hz"), "ERR syntax error")
	mustErr(t, c.do("CONFIG", "SET", "nosuch", "1"), "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
	mustErr(t, c.do("CONFIG", "SET", "maxmemory", "1", "maxmemory", "2"), "ERR CONFIG SET failed")
	mustErr(t, c.do("CONFIG", "SET", "daemonize", "yes"), "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")
	mustErr(t, c.do("CONFIG", "SET", "maxmemory", "5", "hz", "notanumber"), "ERR CONFIG SET failed")
	if v, _ := c.do("CONFIG", "GET", "maxmemory").field("maxmemory"); v.str != "10485760" {
		t.Fatalf("failed CONFIG SET was not rolled back: %v", v)
	}
	mustErr(t, c.do("CONFIG", "GET"), "ERR wrong number of arguments for 'config|get' command")
	mustErr(t, c.do("CONFIG", "NOSUCH"), "ERR unknown subcommand 'NOSUCH'. Try CONFIG HELP.")
	mustErr(t, c.do("CONFIG"), "ERR wrong number of arguments for 'config' command")
	if r = c.do("CONFIG", "HELP"); len(r.elems) < 5 || !strings.HasPrefix(r.elems[0].str, "CONFIG <subcommand>") {
		t.Fatalf("CONFIG HELP = %v", r)
	}
}

func TestConfigSetAppliesLive(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("CONFIG", "SET", "slowlog-log-slower-than", "0"), "OK")
	c.do("PING")
	if c.do("SLOWLOG", "LEN").n == 0 {
		t.Fatal("slowlog-log-slower-than 0 did not apply")
	}
}

func TestConfigRewrite(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustErr(t, c.do("CONFIG", "REWRITE"), "ERR The server is running without a config file")

	path := filepath.Join(t.TempDir(), "peregrine.conf")
	if err := os.WriteFile(path, []byte("port 0\nbind 127.0.0.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s2 := startTestServerFile(t, path)
	c2 := dialTest(t, s2)
	mustStr(t, c2.do("CONFIG", "SET", "maxmemory-samples", "7"), "OK")
	mustStr(t, c2.do("CONFIG", "REWRITE"), "OK")
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "maxmemory-samples 7") {
		t.Fatalf("rewritten file:\n%s", b)
	}
}
