package compat

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// populateStreams writes streams with deleted entries, several nodes,
// consumer groups, pending entries and an emptied stream.
func populateStreams(t *testing.T, ctx context.Context, addr string) {
	t.Helper()
	c := client(t, addr)
	cmds := [][]any{}
	for i := 1; i <= 350; i++ {
		f := []any{"XADD", "big", fmt.Sprintf("%d-%d", i, i%4), "user", fmt.Sprint("u", i%7), "n", i}
		if i%9 == 0 {
			f = append(f, "extra", "yes")
		}
		cmds = append(cmds, f)
	}
	cmds = append(cmds,
		[]any{"XDEL", "big", "5-1", "6-2", "300-0"},
		[]any{"XGROUP", "CREATE", "big", "g1", "0"},
		[]any{"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "big", ">"},
		[]any{"XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "big", ">"},
		[]any{"XACK", "big", "g1", "2-2"},
		[]any{"XGROUP", "CREATECONSUMER", "big", "g1", "idle"},
		[]any{"XGROUP", "CREATE", "big", "g2", "$", "ENTRIESREAD", "7"},
		[]any{"XADD", "empty", "1-1", "a", "b"},
		[]any{"XDEL", "empty", "1-1"},
		[]any{"XGROUP", "CREATE", "empty", "g", "$"},
		[]any{"XSETID", "empty", "9-9", "ENTRIESADDED", "20", "MAXDELETEDID", "3-0"},
	)
	for _, cmd := range cmds {
		if err := c.Do(ctx, cmd...).Err(); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
}

// streamState is what both servers must agree on: every entry, and
// XINFO STREAM FULL without radix-tree-nodes (Redis's radix tree has
// internal nodes Peregrine does not).
func streamState(t *testing.T, ctx context.Context, addr string) map[string]any {
	t.Helper()
	c := client(t, addr)
	out := map[string]any{}
	for _, k := range []string{"big", "empty"} {
		r, err := c.Do(ctx, "XRANGE", k, "-", "+").Result()
		if err != nil {
			t.Fatalf("XRANGE %s: %v", k, err)
		}
		out[k+" entries"] = r
		info, err := c.Do(ctx, "XINFO", "STREAM", k, "FULL", "COUNT", "0").Slice()
		if err != nil {
			t.Fatalf("XINFO %s: %v", k, err)
		}
		for i := 0; i+1 < len(info); i += 2 {
			if info[i] != "radix-tree-nodes" {
				out[fmt.Sprint(k, " ", info[i])] = info[i+1]
			}
		}
	}
	return out
}

func compareStreamStates(t *testing.T, want, got map[string]any) {
	t.Helper()
	for k, w := range want {
		if g := got[k]; !reflect.DeepEqual(w, g) {
			t.Errorf("%s:\n want %v\n got  %v", k, w, g)
		}
	}
}

// TestStreamRDBFromRedis: streams with groups saved by redis-server load
// into Peregrine unchanged (delivery and seen times included).
func TestStreamRDBFromRedis(t *testing.T) {
	ctx := ctxT(t)
	ref := testutil.StartReference(t)
	populateStreams(t, ctx, ref.Addr)
	want := streamState(t, ctx, ref.Addr)
	if err := client(t, ref.Addr).Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	addr := testutil.StartPeregrine(t, "--dir", ref.Dir)
	compareStreamStates(t, want, streamState(t, ctx, addr))
}

// TestStreamRDBToRedis: Peregrine's dump loads into redis-server.
func TestStreamRDBToRedis(t *testing.T) {
	ctx := ctxT(t)
	dir := t.TempDir()
	addr := testutil.StartPeregrine(t, "--dir", dir)
	populateStreams(t, ctx, addr)
	want := streamState(t, ctx, addr)
	if err := client(t, addr).Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	ref := testutil.StartReference(t, "--dir", dir)
	compareStreamStates(t, want, streamState(t, ctx, ref.Addr))
}

// TestStreamDumpRestoreBothWays moves a stream with DUMP/RESTORE between
// the servers in both directions.
func TestStreamDumpRestoreBothWays(t *testing.T) {
	ctx := ctxT(t)
	ref := testutil.StartReference(t)
	addr := testutil.StartPeregrine(t)
	populateStreams(t, ctx, ref.Addr)
	want := streamState(t, ctx, ref.Addr)
	move := func(from, to *redis.Client) {
		for _, k := range []string{"big", "empty"} {
			p, err := from.Dump(ctx, k).Result()
			if err != nil {
				t.Fatalf("DUMP %s: %v", k, err)
			}
			if err := to.RestoreReplace(ctx, k, 0, p).Err(); err != nil {
				t.Fatalf("RESTORE %s: %v", k, err)
			}
		}
	}
	move(client(t, ref.Addr), client(t, addr))
	compareStreamStates(t, want, streamState(t, ctx, addr))
	client(t, ref.Addr).FlushAll(ctx)
	move(client(t, addr), client(t, ref.Addr))
	compareStreamStates(t, want, streamState(t, ctx, ref.Addr))
}
