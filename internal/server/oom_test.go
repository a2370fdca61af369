package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOOMScoreAdj(t *testing.T) {
	s := startTestServer(t)
	path := filepath.Join(t.TempDir(), "oom_score_adj")
	setPath := func(p string) {
		s.oom.mu.Lock()
		s.oom.path = p
		s.oom.mu.Unlock()
	}
	setPath(path)
	write := func(v string) {
		if err := os.WriteFile(path, []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	write("22")
	c := dialTest(t, s)
	// Disabled: the values do not touch the process.
	mustStr(t, c.do("CONFIG", "SET", "oom-score-adj-values", "1 2 3"), "OK")
	if got := read(); got != "22" {
		t.Fatalf("score changed while disabled: %s", got)
	}
	mustStr(t, c.do("CONFIG", "SET", "oom-score-adj-values", "9 9 9", "oom-score-adj", "yes"), "OK")
	if got := read(); got != "31" {
		t.Fatalf("relative score = %s, want 31", got)
	}
	mustStr(t, c.do("CONFIG", "SET", "oom-score-adj", "absolute"), "OK")
	if got := read(); got != "9" {
		t.Fatalf("absolute score = %s, want 9", got)
	}
	// The replica class applies while the server is a replica.
	mustStr(t, c.do("CONFIG", "SET", "oom-score-adj-values", "9 19 29"), "OK")
	mustStr(t, c.do("REPLICAOF", "127.0.0.1", "1"), "OK")
	if got := read(); got != "19" {
		t.Fatalf("replica score = %s, want 19", got)
	}
	mustStr(t, c.do("REPLICAOF", "NO", "ONE"), "OK")
	if got := read(); got != "9" {
		t.Fatalf("score back as a master = %s, want 9", got)
	}
	mustStr(t, c.do("CONFIG", "SET", "oom-score-adj-values", "1500 0 0"), "OK")
	if got := read(); got != "1000" {
		t.Fatalf("clamped score = %s, want 1000", got)
	}
	mustStr(t, c.do("CONFIG", "SET", "oom-score-adj", "no"), "OK")
	if got := read(); got != "22" {
		t.Fatalf("score not restored on disable: %s", got)
	}
	mustErr(t, c.do("CONFIG", "SET", "oom-score-adj-values", "-2001 0 0"), "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Invalid oom-score-adj-values, elements must be between -2000 and 2000.")

	// A failed write makes CONFIG SET fail and roll back.
	setPath(filepath.Join(t.TempDir(), "missing", "oom_score_adj"))
	mustErr(t, c.do("CONFIG", "SET", "oom-score-adj", "yes"), "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj') - Failed to set current oom_score_adj")
	if got := c.do("CONFIG", "GET", "oom-score-adj").strs(); got[1] != "no" {
		t.Fatalf("oom-score-adj after failure = %v", got)
	}
}
