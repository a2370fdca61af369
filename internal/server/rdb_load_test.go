package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestConfigSetDuringLoading: while the dataset loads, CONFIG SET of a
// directive Redis flags deny-loading (dir, appendonly) answers LOADING and
// changes nothing; others (loglevel) apply.
func TestConfigSetDuringLoading(t *testing.T) {
	dir := t.TempDir()
	keys := make([]string, 200)
	for i := range keys {
		keys[i] = "k" + itoa(int64(i))
	}
	writeTestRDB(t, dir, len(keys), keys...)
	cfg := config.New()
	// 200 keys at 5 ms each: a one-second load.
	if err := cfg.LoadArgs([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", dir, "--key-load-delay", "5000", "--enable-protected-configs", "yes"}); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Config: cfg, EphemeralPort: true, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	go func() { started <- s.Start() }()
	t.Cleanup(func() { <-started; s.Close() })
	for s.Addr() == "" || !s.persist.loading.Load() {
		select {
		case err := <-started:
			t.Fatalf("Start returned before the test saw the load: %v", err)
		default:
			time.Sleep(time.Millisecond)
		}
	}
	c := dialTest(t, s)
	if r := c.do("CONFIG", "SET", "dir", dir+"/nowhere"); r.kind != '-' || !strings.HasPrefix(r.str, "LOADING") {
		t.Fatalf("CONFIG SET dir while loading: %c %q", r.kind, r.str)
	}
	if r := c.do("CONFIG", "SET", "appendonly", "yes"); !strings.HasPrefix(r.str, "LOADING") {
		t.Fatalf("CONFIG SET appendonly while loading: %c %q", r.kind, r.str)
	}
	if r := c.do("CONFIG", "SET", "loglevel", "debug"); r.str != "OK" {
		t.Fatalf("CONFIG SET loglevel while loading: %c %q", r.kind, r.str)
	}
	if !s.persist.loading.Load() {
		t.Fatal("the load finished before the checks: make it slower")
	}
	if r := c.do("CONFIG", "GET", "appendonly"); len(r.elems) != 2 || r.elems[1].str != "no" {
		t.Fatalf("appendonly changed during loading: %+v", r)
	}
}
