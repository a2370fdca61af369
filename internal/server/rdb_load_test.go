package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrinedb/peregrine/internal/config"
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/rdb"
)

// writeTestRDB writes dir/dump.rdb holding db 0 with the given string keys
// in order (duplicates allowed) and the size hint keysHint.
func writeTestRDB(t *testing.T, dir string, keysHint int, keys ...string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := rdb.NewWriter(f, true, rdb.WriteOptions{})
	w.Header()
	w.SelectDB(0, keysHint, 0)
	for i, k := range keys {
		v := []byte("v" + strings.Repeat("x", i%3))
		e := keyspace.Entry{Str: v, Type: keyspace.TypeString, Enc: keyspace.StringEncoding(v)}
		if err := w.Key([]byte(k), &e, -1, -1); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
}

// newUnstartedServer builds a server on dir without starting it.
func newUnstartedServer(t *testing.T, dir string) *Server {
	t.Helper()
	cfg := config.New()
	if err := cfg.LoadArgs([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", dir}); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Config: cfg, EphemeralPort: true, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLoadRefusesDuplicateKey: a file holding a key twice is refused at
// start-up with Redis's message (one table probe per key checks it).
func TestLoadRefusesDuplicateKey(t *testing.T) {
	dir := t.TempDir()
	writeTestRDB(t, dir, 3, "a", "b", "a")
	s := newUnstartedServer(t, dir)
	err := s.Start()
	if err == nil {
		s.Close()
		t.Fatal("Start loaded a file with a duplicated key")
	}
	if !strings.Contains(err.Error(), "duplicated key 'a' found in the RDB file (DB 0)") {
		t.Fatalf("Start: %v", err)
	}
}

// TestLoadSizeHints: keys load whatever the RESIZEDB hint says (exact, too
// small, absurdly large) and are all readable afterwards.
func TestLoadSizeHints(t *testing.T) {
	keys := make([]string, 3000)
	for i := range keys {
		keys[i] = "key:" + strings.Repeat("k", i%5) + string(rune('a'+i%26)) + itoa(int64(i))
	}
	for _, hint := range []int{len(keys), 1, 1 << 40} {
		dir := t.TempDir()
		writeTestRDB(t, dir, hint, keys...)
		s := newUnstartedServer(t, dir)
		if err := s.Start(); err != nil {
			t.Fatalf("hint %d: Start: %v", hint, err)
		}
		c := dialTest(t, s)
		if r := c.do("DBSIZE"); r.n != int64(len(keys)) {
			t.Fatalf("hint %d: DBSIZE %d, want %d", hint, r.n, len(keys))
		}
		for i := 0; i < len(keys); i += 97 {
			want := "v" + strings.Repeat("x", i%3)
			if r := c.do("GET", keys[i]); r.str != want {
				t.Fatalf("hint %d: GET %s = %q, want %q", hint, keys[i], r.str, want)
			}
		}
		s.Close()
	}
}
