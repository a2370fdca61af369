package integration

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// The replica side of repl-diskless-load: with swapdb the master's RDB
// is loaded beside the current dataset, which survives a failed
// transfer; with the master's replication ID already ours, the old
// dataset keeps serving commands meanwhile (async_loading).

func noRetryClient(addr string) *redis.Client {
	// go-redis retries -LOADING replies; these tests want to see them.
	return redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
}

// TestReplicationSwapdbKeepsDatasetOnFailure: a transfer from a new
// master (another replication ID) shows LOADING, and when the master
// drops the link mid-transfer the replica still has its own data; the
// next, complete transfer replaces it.
func TestReplicationSwapdbKeepsDatasetOnFailure(t *testing.T) {
	ctx := context.Background()
	maddr := testutil.StartPeregrine(t, "--repl-diskless-sync", "yes", "--enable-debug-command", "yes")
	raddr := testutil.StartPeregrine(t, "--repl-diskless-load", "swapdb", "--enable-debug-command", "yes")
	m, r := noRetryClient(maddr), noRetryClient(raddr)
	defer m.Close()
	defer r.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.Do(ctx, "DEBUG", "POPULATE", "200", "slave", "10").Err())
	must(r.Set(ctx, "mykey", "myvalue", 0).Err())
	must(m.Do(ctx, "DEBUG", "POPULATE", "300", "master", "1000").Err())
	must(m.ConfigSet(ctx, "rdb-key-save-delay", "5000").Err()) // 1.5 s of transfer
	_, port, _ := strings.Cut(maddr, ":")
	must(r.Do(ctx, "REPLICAOF", "127.0.0.1", port).Err())

	waitFor(t, func() bool { return infoField(r.Info(ctx, "persistence").Val(), "loading") == "1" })
	if v := infoField(r.Info(ctx, "persistence").Val(), "async_loading"); v != "0" {
		t.Errorf("async_loading = %s during a load from another history", v)
	}
	if err := r.Get(ctx, "mykey").Err(); err == nil || !strings.HasPrefix(err.Error(), "LOADING") {
		t.Errorf("GET while loading: %v, want -LOADING", err)
	}
	// The next transfer waits 5 s: the replica is seen between the two.
	must(m.ConfigSet(ctx, "repl-diskless-sync-delay", "5").Err())
	must(m.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Err())
	waitFor(t, func() bool { return infoField(r.Info(ctx, "persistence").Val(), "loading") == "0" })
	if got := r.Get(ctx, "mykey").Val(); got != "myvalue" {
		t.Errorf("after the failed transfer mykey = %q, want the old value", got)
	}
	if n := r.DBSize(ctx).Val(); n != 201 {
		t.Errorf("after the failed transfer DBSIZE = %d, want 201", n)
	}

	must(m.ConfigSet(ctx, "rdb-key-save-delay", "0").Err())
	must(m.ConfigSet(ctx, "repl-diskless-sync-delay", "0").Err())
	waitFor(t, func() bool {
		return infoField(r.Info(ctx, "replication").Val(), "master_link_status") == "up"
	})
	if n := r.DBSize(ctx).Val(); n != 300 {
		t.Errorf("after the sync DBSIZE = %d, want 300", n)
	}
	if err := r.Get(ctx, "mykey").Err(); err != redis.Nil {
		t.Errorf("mykey after the sync: %v, want nil", err)
	}
	must(m.Set(ctx, "after", "1", 0).Err())
	waitFor(t, func() bool { return r.Get(ctx, "after").Val() == "1" })
}

// TestReplicationSwapdbAsyncLoadingFromRedis: Peregrine replicates a real
// redis-server with swapdb; a second full resync of the same history
// (the backlog no longer covers the replica) loads asynchronously: the
// old keys and functions answer, commands flagged no-async-loading get
// -LOADING, and the new dataset and libraries replace them at the end.
func TestReplicationSwapdbAsyncLoadingFromRedis(t *testing.T) {
	ctx := context.Background()
	ref := testutil.StartReference(t, "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0", "--save", "",
		"--enable-debug-command", "yes", "--rdbcompression", "no")
	raddr := testutil.StartPeregrine(t, "--repl-diskless-load", "swapdb", "--replica-read-only", "no")
	m, r := noRetryClient(ref.Addr), noRetryClient(raddr)
	defer m.Close()
	defer r.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.Do(ctx, "DEBUG", "POPULATE", "300", "master", "1000").Err())
	must(m.Do(ctx, "FUNCTION", "LOAD", "#!lua name=test\nredis.register_function('test', function() return 'hello2' end)").Err())
	must(r.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(ref.Port)).Err())
	waitFor(t, func() bool {
		return infoField(r.Info(ctx, "replication").Val(), "master_link_status") == "up"
	})
	waitFor(t, func() bool { return r.DBSize(ctx).Val() == 300 })
	must(r.Do(ctx, "FUNCTION", "LOAD", "REPLACE", "#!lua name=test\nredis.register_function('test', function() return 'hello1' end)").Err())
	must(r.Set(ctx, "mykey", "myvalue", 0).Err())

	// Drop the replica and move the history past the backlog.
	must(m.ConfigSet(ctx, "rdb-key-save-delay", "10000").Err()) // 3 s of transfer
	tx := m.TxPipeline()
	tx.Do(ctx, "CLIENT", "KILL", "TYPE", "replica")
	tx.ConfigSet(ctx, "repl-backlog-size", "16384")
	for i := 0; i < 10; i++ {
		tx.Set(ctx, "big"+strconv.Itoa(i), strings.Repeat("A", 16384), 0)
	}
	_, err := tx.Exec(ctx)
	must(err)

	waitFor(t, func() bool { return infoField(r.Info(ctx, "persistence").Val(), "async_loading") == "1" })
	if v := infoField(r.Info(ctx, "persistence").Val(), "loading"); v != "0" {
		t.Errorf("loading = %s during an async load", v)
	}
	if got := r.Get(ctx, "mykey").Val(); got != "myvalue" {
		t.Errorf("GET during the async load = %q", got)
	}
	if got := r.Do(ctx, "FCALL", "test", "0").Val(); got != "hello1" {
		t.Errorf("FCALL during the async load = %v", got)
	}
	if n := r.DBSize(ctx).Val(); n != 301 {
		t.Errorf("DBSIZE during the async load = %d, want 301", n)
	}
	for _, args := range [][]any{{"CONFIG", "SET", "appendonly", "no"}, {"REPLICAOF", "NO", "ONE"}} {
		if err := r.Do(ctx, args...).Err(); err == nil || !strings.HasPrefix(err.Error(), "LOADING") {
			t.Errorf("%v during the async load: %v, want -LOADING", args, err)
		}
	}
	if infoField(r.Info(ctx, "persistence").Val(), "async_loading") != "1" {
		t.Fatal("the load ended before the checks: they proved nothing")
	}

	deadline := time.Now().Add(20 * time.Second)
	for infoField(r.Info(ctx, "replication").Val(), "master_link_status") != "up" {
		if time.Now().After(deadline) {
			t.Fatal("the replica did not finish the second sync")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := r.Get(ctx, "mykey").Err(); err != redis.Nil {
		t.Errorf("mykey after the swap: %v, want nil", err)
	}
	if got := r.Do(ctx, "FCALL", "test", "0").Val(); got != "hello2" {
		t.Errorf("FCALL after the swap = %v, want the master's library", got)
	}
	if n := r.DBSize(ctx).Val(); n != 310 {
		t.Errorf("DBSIZE after the swap = %d, want 310", n)
	}
	must(m.ConfigSet(ctx, "rdb-key-save-delay", "0").Err())
}

// TestReplicationOnEmptyDB: repl-diskless-load on-empty-db loads from the
// socket when the replica is empty, and otherwise goes through a flush;
// either way the dataset is the master's.
func TestReplicationOnEmptyDB(t *testing.T) {
	ctx := context.Background()
	ref := testutil.StartReference(t, "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0", "--save", "")
	m := redis.NewClient(&redis.Options{Addr: ref.Addr})
	defer m.Close()
	m.Set(ctx, "k", "v", 0)
	for _, withData := range []bool{false, true} {
		raddr := testutil.StartPeregrine(t, "--repl-diskless-load", "on-empty-db")
		r := redis.NewClient(&redis.Options{Addr: raddr})
		if withData {
			r.Set(ctx, "own", "1", 0)
		}
		if err := r.Do(ctx, "REPLICAOF", "127.0.0.1", strconv.Itoa(ref.Port)).Err(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool {
			return infoField(r.Info(ctx, "replication").Val(), "master_link_status") == "up"
		})
		if r.Get(ctx, "k").Val() != "v" || r.Exists(ctx, "own").Val() != 0 {
			t.Errorf("withData=%v: dataset is not the master's (k=%q own=%d)", withData, r.Get(ctx, "k").Val(), r.Exists(ctx, "own").Val())
		}
		r.Close()
	}
}

// TestReplicationRoleChangeUnblocksClients: a client blocked on a key
// when the server turns replica gets -UNBLOCKED instead of consuming
// what the master's stream brings.
func TestReplicationRoleChangeUnblocksClients(t *testing.T) {
	ctx := context.Background()
	maddr := testutil.StartPeregrine(t)
	raddr := testutil.StartPeregrine(t)
	blocked := testutil.Dial(t, raddr)
	blocked.Send("BLPOP", "foo", "0")
	time.Sleep(100 * time.Millisecond)
	r := redis.NewClient(&redis.Options{Addr: raddr})
	defer r.Close()
	_, port, _ := strings.Cut(maddr, ":")
	if err := r.Do(ctx, "REPLICAOF", "127.0.0.1", port).Err(); err != nil {
		t.Fatal(err)
	}
	reply, err := blocked.ReadReply()
	if err != nil || !strings.HasPrefix(string(reply), "-UNBLOCKED force unblock") {
		t.Fatalf("blocked client got %q, %v", reply, err)
	}
	m := redis.NewClient(&redis.Options{Addr: maddr})
	defer m.Close()
	waitFor(t, func() bool {
		return infoField(r.Info(ctx, "replication").Val(), "master_link_status") == "up"
	})
	m.RPush(ctx, "foo", "a", "b", "c")
	waitFor(t, func() bool { return r.LLen(ctx, "foo").Val() == 3 })
}

// TestReplicationDiskLoadKeepsDatasetDuringTransfer: with the default
// repl-diskless-load disabled the payload goes to a temporary file; the
// replica serves its old data (no LOADING) meanwhile and keeps it, with
// its replication ID, when the transfer breaks. A complete transfer
// becomes the replica's RDB file.
func TestReplicationDiskLoadKeepsDatasetDuringTransfer(t *testing.T) {
	ctx := context.Background()
	maddr := testutil.StartPeregrine(t, "--repl-diskless-sync", "yes", "--enable-debug-command", "yes")
	dir := t.TempDir()
	raddr := testutil.StartPeregrine(t, "--dir", dir)
	m, r := noRetryClient(maddr), noRetryClient(raddr)
	defer m.Close()
	defer r.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.Set(ctx, "mykey", "myvalue", 0).Err())
	must(m.Do(ctx, "DEBUG", "POPULATE", "300", "master", "1000").Err())
	must(m.ConfigSet(ctx, "rdb-key-save-delay", "5000").Err())
	_, port, _ := strings.Cut(maddr, ":")
	must(r.Do(ctx, "REPLICAOF", "127.0.0.1", port).Err())
	waitFor(t, func() bool {
		return infoField(r.Info(ctx, "replication").Val(), "master_sync_in_progress") == "1"
	})
	replid := infoField(r.Info(ctx, "replication").Val(), "master_replid")
	time.Sleep(200 * time.Millisecond)
	if got, err := r.Get(ctx, "mykey").Result(); got != "myvalue" || err != nil {
		t.Errorf("GET during the transfer: %q, %v", got, err)
	}
	tmps, _ := filepathGlob(dir, "temp-*.rdb")
	if len(tmps) != 1 {
		t.Errorf("temporary files during the transfer: %v", tmps)
	}
	must(m.ConfigSet(ctx, "repl-diskless-sync-delay", "5").Err())
	must(m.Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Err())
	waitFor(t, func() bool {
		return infoField(r.Info(ctx, "replication").Val(), "master_sync_in_progress") == "0"
	})
	if got := r.Get(ctx, "mykey").Val(); got != "myvalue" {
		t.Errorf("after the broken transfer mykey = %q", got)
	}
	if got := infoField(r.Info(ctx, "replication").Val(), "master_replid"); got != replid {
		t.Errorf("replication ID changed by a broken transfer: %s -> %s", replid, got)
	}
	must(m.ConfigSet(ctx, "rdb-key-save-delay", "0").Err())
	must(m.ConfigSet(ctx, "repl-diskless-sync-delay", "0").Err())
	waitFor(t, func() bool {
		return infoField(r.Info(ctx, "replication").Val(), "master_link_status") == "up"
	})
	if n := r.DBSize(ctx).Val(); n != 300 {
		t.Errorf("DBSIZE after the sync = %d, want 300", n)
	}
	if files, _ := filepathGlob(dir, "*.rdb"); len(files) != 1 || !strings.HasSuffix(files[0], "dump.rdb") {
		t.Errorf("RDB files after the sync: %v, want dump.rdb only", files)
	}
}

func filepathGlob(dir, pattern string) ([]string, error) {
	return filepath.Glob(filepath.Join(dir, pattern))
}

// TestReplicationDisklessSyncDelay: a diskless transfer waits
// repl-diskless-sync-delay (the replica stays in the handshake, kept
// alive by newlines) unless repl-diskless-sync-max-replicas replicas
// wait, which starts them at once.
func TestReplicationDisklessSyncDelay(t *testing.T) {
	ctx := context.Background()
	maddr := testutil.StartPeregrine(t, "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "3",
		"--repl-diskless-sync-max-replicas", "2")
	m := redis.NewClient(&redis.Options{Addr: maddr})
	defer m.Close()
	m.Set(ctx, "k", "v", 0)
	_, port, _ := strings.Cut(maddr, ":")
	r1 := redis.NewClient(&redis.Options{Addr: testutil.StartPeregrine(t, "--repl-timeout", "2")})
	defer r1.Close()
	if err := r1.Do(ctx, "REPLICAOF", "127.0.0.1", port).Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // past the replica's repl-timeout
	if info := m.Info(ctx, "replication").Val(); !strings.Contains(info, "state=wait_bgsave") {
		t.Fatalf("master during the delay:\n%s", info)
	}
	if role := r1.Do(ctx, "ROLE").Val().([]any); role[3] != "handshake" {
		t.Fatalf("replica during the delay: ROLE %v", role)
	}
	// A second replica reaches repl-diskless-sync-max-replicas.
	r2 := redis.NewClient(&redis.Options{Addr: testutil.StartPeregrine(t)})
	defer r2.Close()
	start := time.Now()
	if err := r2.Do(ctx, "REPLICAOF", "127.0.0.1", port).Err(); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*redis.Client{r1, r2} {
		waitFor(t, func() bool { return r.Get(ctx, "k").Val() == "v" })
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the transfers started %v after the second replica", d)
	}
	if n := infoField(m.Info(ctx, "stats").Val(), "sync_full"); n != "2" {
		t.Errorf("sync_full = %s", n)
	}
}

// TestReplicationDisklessWaitsForRunningSnapshot: a diskless SYNC that
// arrives during a BGSAVE waits for it (as Redis waits for its child)
// instead of writing a second snapshot under the lock, then syncs.
func TestReplicationDisklessWaitsForRunningSnapshot(t *testing.T) {
	ctx := context.Background()
	maddr := testutil.StartPeregrine(t, "--repl-diskless-sync", "yes", "--enable-debug-command", "yes")
	m := redis.NewClient(&redis.Options{Addr: maddr})
	defer m.Close()
	m.Do(ctx, "DEBUG", "POPULATE", "20")
	m.ConfigSet(ctx, "rdb-key-save-delay", "50000") // a 1 s BGSAVE
	if err := m.BgSave(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	r := redis.NewClient(&redis.Options{Addr: testutil.StartPeregrine(t)})
	defer r.Close()
	_, port, _ := strings.Cut(maddr, ":")
	if err := r.Do(ctx, "REPLICAOF", "127.0.0.1", port).Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(m.Info(ctx, "replication").Val(), "state=wait_bgsave") })
	start := time.Now()
	if got := m.Ping(ctx).Val(); got != "PONG" || time.Since(start) > 500*time.Millisecond {
		t.Errorf("master answers %q after %v while the replica waits", got, time.Since(start))
	}
	m.ConfigSet(ctx, "rdb-key-save-delay", "0")
	waitFor(t, func() bool { return r.DBSize(ctx).Val() == 20 })
	m.Set(ctx, "after", "1", 0)
	waitFor(t, func() bool { return r.Get(ctx, "after").Val() == "1" })
}

// TestReplicationReplicaLinkCommands: a replica's link carries REPLCONF
// only: a keyspace command or any reply drops the replica, and PSYNC
// with a non-numeric offset is an error.
func TestReplicationReplicaLinkCommands(t *testing.T) {
	addr := testutil.StartPeregrine(t)
	c := testutil.Dial(t, addr)
	if got := string(c.Do("PSYNC", "replicationid", "offset_str")); got != "-ERR value is not an integer or out of range\r\n" {
		t.Errorf("PSYNC with a bad offset: %q", got)
	}
	rs := attachReplStream(t, addr)
	_ = rs.conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := rs.conn.Write([]byte("*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 256)
	for {
		if _, err := rs.r.Read(buf); err != nil {
			if testutil.IsTimeoutErr(err) {
				t.Fatal("the master kept a replica that sent GET")
			}
			break // the master closed the link (a PING may come first)
		}
	}
	if got := string(c.Do("PING")); got != "+PONG\r\n" {
		t.Errorf("master after dropping the replica: %q", got)
	}
}

// TestReplicationFlushallRestartsTransfer: FLUSHALL during a full sync
// abandons the snapshot being produced, as Redis kills its RDB child:
// the replica syncs again, with the emptied dataset.
func TestReplicationFlushallRestartsTransfer(t *testing.T) {
	ctx := context.Background()
	maddr := testutil.StartPeregrine(t, "--repl-diskless-sync", "yes", "--enable-debug-command", "yes")
	m := redis.NewClient(&redis.Options{Addr: maddr})
	defer m.Close()
	m.Do(ctx, "DEBUG", "POPULATE", "1000")
	m.ConfigSet(ctx, "rdb-key-save-delay", "100000") // 100 s of transfer
	r := redis.NewClient(&redis.Options{Addr: testutil.StartPeregrine(t)})
	defer r.Close()
	_, port, _ := strings.Cut(maddr, ":")
	r.Do(ctx, "REPLICAOF", "127.0.0.1", port)
	waitFor(t, func() bool { return infoField(m.Info(ctx, "persistence").Val(), "rdb_bgsave_in_progress") == "1" })
	m.ConfigSet(ctx, "rdb-key-save-delay", "0")
	m.FlushAll(ctx)
	m.Set(ctx, "after", "1", 0)
	waitFor(t, func() bool { return r.Get(ctx, "after").Val() == "1" })
	if n := r.DBSize(ctx).Val(); n != 1 {
		t.Errorf("replica DBSIZE = %d, want 1", n)
	}
	if n := infoField(m.Info(ctx, "stats").Val(), "sync_full"); n != "2" {
		t.Errorf("sync_full = %s, want 2 (the transfer restarted)", n)
	}
}
