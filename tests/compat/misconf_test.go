package compat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
)

// TestBgsaveErrorRefusesWritesUntilASaveSucceeds: when a background save
// cannot write its file (the data directory is gone), writes are refused
// with Redis's MISCONF error while reads keep working and nothing stored
// is lost; once the directory is back, the next save succeeds and writes
// are accepted again.
func TestBgsaveErrorRefusesWritesUntilASaveSucceeds(t *testing.T) {
	ctx := ctxT(t)
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := testutil.StartPeregrine(t, "--dir", dir, "--save", "3600 1")
	c := client(t, addr)
	if err := c.Set(ctx, "kept", "value", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := c.BgSave(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(c.Info(ctx, "persistence").Val(), "rdb_last_bgsave_status:err") {
		if time.Now().After(deadline) {
			t.Fatal("the BGSAVE into a missing directory did not fail")
		}
		time.Sleep(20 * time.Millisecond)
	}
	err := c.Set(ctx, "new", "x", 0).Err()
	if err == nil || !strings.HasPrefix(err.Error(), "MISCONF Redis is configured to save RDB snapshots") {
		t.Fatalf("write after a failed save: %v", err)
	}
	if v := c.Get(ctx, "kept").Val(); v != "value" {
		t.Fatalf("GET kept = %q after the failed save", v)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if r, err := c.BgSave(ctx).Result(); err != nil || r != "Background saving started" {
		t.Fatalf("BGSAVE: %q %v", r, err)
	}
	waitBgsave(t, ctx, c)
	if err := c.Set(ctx, "new", "x", 0).Err(); err != nil {
		t.Fatalf("write after a successful save: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
}
