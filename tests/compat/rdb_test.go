package compat

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func client(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRDBFromRedis: a dump.rdb written by redis-server loads into
// Peregrine with the same keys, values, encodings, TTLs and functions.
func TestRDBFromRedis(t *testing.T) {
	ctx := ctxT(t)
	ref := testutil.StartReference(t)
	populate(t, ctx, ref.Addr)
	want := dumpState(t, ctx, ref.Addr)
	if err := client(t, ref.Addr).Save(ctx).Err(); err != nil {
		t.Fatalf("SAVE on redis-server: %v", err)
	}
	addr := testutil.StartPeregrine(t, "--dir", ref.Dir)
	compareStates(t, want, dumpState(t, ctx, addr))
}

// TestRDBToRedis: a dump.rdb written by Peregrine (SAVE and BGSAVE)
// loads into redis-server with the same keys, values, encodings, TTLs and
// functions.
func TestRDBToRedis(t *testing.T) {
	for _, cmd := range []string{"SAVE", "BGSAVE"} {
		t.Run(cmd, func(t *testing.T) {
			ctx := ctxT(t)
			dir := t.TempDir()
			addr := testutil.StartPeregrine(t, "--dir", dir)
			populate(t, ctx, addr)
			want := dumpState(t, ctx, addr)
			c := client(t, addr)
			if err := c.Do(ctx, cmd).Err(); err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			waitBgsave(t, ctx, c)
			ref := testutil.StartReference(t, "--dir", dir)
			compareStates(t, want, dumpState(t, ctx, ref.Addr))
		})
	}
}

// TestRDBRoundTripCompressionOff: rdbcompression no writes plain strings
// that both servers read.
func TestRDBRoundTripCompressionOff(t *testing.T) {
	ctx := ctxT(t)
	dir := t.TempDir()
	addr := testutil.StartPeregrine(t, "--dir", dir, "--rdbcompression", "no")
	populate(t, ctx, addr)
	want := dumpState(t, ctx, addr)
	if err := client(t, addr).Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	ref := testutil.StartReference(t, "--dir", dir)
	compareStates(t, want, dumpState(t, ctx, ref.Addr))
	addr2 := testutil.StartPeregrine(t, "--dir", dir)
	compareStates(t, want, dumpState(t, ctx, addr2))
}

func waitBgsave(t *testing.T, ctx context.Context, c *redis.Client) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		info := c.Info(ctx, "persistence").Val()
		if !contains(info, "rdb_bgsave_in_progress:1") {
			if !contains(info, "rdb_last_bgsave_status:ok") {
				t.Fatalf("BGSAVE failed:\n%s", info)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("BGSAVE did not finish")
}

func contains(s, sub string) bool { return len(s) >= len(sub) && indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestBgsavePointInTime: while a BGSAVE runs, other clients overwrite,
// delete, grow and create keys; the file holds the dataset exactly as it
// was when BGSAVE started, and redis-server loads it.
func TestBgsavePointInTime(t *testing.T) {
	ctx := ctxT(t)
	dir := t.TempDir()
	// A small per-key delay keeps the snapshot running while we write.
	addr := testutil.StartPeregrine(t, "--dir", dir, "--rdb-key-save-delay", "20")
	c := client(t, addr)
	const n = 20000
	p := c.Pipeline()
	for i := 0; i < n; i++ {
		p.Set(ctx, fmt.Sprintf("k:%d", i), "v0", 0)
		if i%100 == 0 {
			p.RPush(ctx, fmt.Sprintf("list:%d", i), "a", "b")
		}
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "BGSAVE").Err(); err != nil {
		t.Fatal(err)
	}
	// Change everything while the snapshot walks.
	p = c.Pipeline()
	for i := 0; i < n; i++ {
		switch i % 4 {
		case 0:
			p.Set(ctx, fmt.Sprintf("k:%d", i), "v1", 0)
		case 1:
			p.Del(ctx, fmt.Sprintf("k:%d", i))
		case 2:
			p.Append(ctx, fmt.Sprintf("k:%d", i), "-more")
		case 3:
			p.Set(ctx, fmt.Sprintf("new:%d", i), "x", 0)
		}
		if i%100 == 0 {
			p.RPush(ctx, fmt.Sprintf("list:%d", i), "c")
		}
		if i%1000 == 999 {
			if _, err := p.Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	info := c.Info(ctx, "persistence").Val()
	if !contains(info, "rdb_bgsave_in_progress:1") {
		t.Log("note: the snapshot finished before the writes did; the test still checks the file")
	}
	waitBgsave(t, ctx, c)
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	ref := testutil.StartReference(t, "--dir", dir)
	rc := client(t, ref.Addr)
	if got := rc.DBSize(ctx).Val(); got != n+n/100 {
		var missing []string
		for i := 0; i < n && len(missing) < 10; i++ {
			if rc.Exists(ctx, fmt.Sprintf("k:%d", i)).Val() == 0 {
				missing = append(missing, fmt.Sprintf("k:%d", i))
			}
			if i%100 == 0 && rc.Exists(ctx, fmt.Sprintf("list:%d", i)).Val() == 0 {
				missing = append(missing, fmt.Sprintf("list:%d", i))
			}
		}
		t.Fatalf("redis-server loaded %d keys, want %d; missing %v", got, n+n/100, missing)
	}
	for i := 0; i < n; i += 7 {
		if v := rc.Get(ctx, fmt.Sprintf("k:%d", i)).Val(); v != "v0" {
			t.Fatalf("k:%d = %q in the snapshot, want v0", i, v)
		}
		if i%100 == 0 {
			if l := rc.LLen(ctx, fmt.Sprintf("list:%d", i)).Val(); l != 2 {
				t.Fatalf("list:%d has %d elements in the snapshot, want 2", i, l)
			}
		}
	}
}
