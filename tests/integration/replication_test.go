package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// replStream is a raw connection that attached with SYNC, as the Redis
// test suite's attach_to_replication_stream does.
type replStream struct {
	conn net.Conn
	r    *bufio.Reader
}

func attachReplStream(t *testing.T, addr string) *replStream {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("SYNC\r\n")); err != nil {
		t.Fatal(err)
	}
	rs := &replStream{conn: conn, r: bufio.NewReader(conn)}
	var line string
	for line == "" {
		l, err := rs.r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the RDB length: %v", err)
		}
		line = strings.TrimRight(l, "\r\n")
	}
	if line[0] != '$' {
		t.Fatalf("SYNC answered %q, want a $<len> bulk", line)
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil {
		t.Fatal(err)
	}
	rdb := make([]byte, n)
	if _, err := io.ReadFull(rs.r, rdb); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(rdb), "REDIS0010") {
		t.Fatalf("payload is not an RDB: %q", rdb[:min(len(rdb), 16)])
	}
	return rs
}

// next reads one command of the stream, skipping PINGs.
func (rs *replStream) next(t *testing.T) string {
	t.Helper()
	for {
		line, err := rs.r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		n, err := strconv.Atoi(strings.TrimRight(line, "\r\n")[1:])
		if err != nil {
			t.Fatalf("bad stream line %q", line)
		}
		args := make([]string, n)
		for i := range args {
			l, err := rs.r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			size, _ := strconv.Atoi(strings.TrimRight(l, "\r\n")[1:])
			b := make([]byte, size+2)
			if _, err := io.ReadFull(rs.r, b); err != nil {
				t.Fatal(err)
			}
			args[i] = string(b[:size])
		}
		if strings.EqualFold(args[0], "ping") {
			continue
		}
		return strings.Join(args, " ")
	}
}

func (rs *replStream) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		got := rs.next(t)
		t.Logf("stream: %s", got)
		if !matchStream(w, got) {
			t.Fatalf("stream: got %q, want %q", got, w)
		}
	}
}

// matchStream compares a stream command with a pattern where "*" is any
// single argument.
func matchStream(pattern, got string) bool {
	p, g := strings.Fields(pattern), strings.Fields(got)
	if len(p) != len(g) {
		return false
	}
	for i := range p {
		if p[i] != "*" && !strings.EqualFold(p[i], g[i]) {
			return false
		}
	}
	return true
}

func TestReplicationStreamAfterSync(t *testing.T) {
	addr := testutil.StartPeregrine(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	rdb.Set(ctx, "before", "1", 0)
	rs := attachReplStream(t, addr)

	rdb.Set(ctx, "foo", "bar", time.Minute)
	rdb.IncrByFloat(ctx, "f", 1.5)
	pipe := rdb.TxPipeline()
	pipe.Set(ctx, "a", "1", 0)
	pipe.LPush(ctx, "l", "x")
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	c2 := redis.NewClient(&redis.Options{Addr: addr, DB: 3})
	defer c2.Close()
	c2.Del(ctx, "missing") // changes nothing: not propagated
	c2.SAdd(ctx, "s", "m")
	rdb.Eval(ctx, "redis.call('set','k1','v'); redis.call('set','k2','v')", nil)
	rdb.Publish(ctx, "ch", "msg")

	rs.expect(t,
		"select 0",
		"set foo bar PXAT *",
		"set f 1.5 KEEPTTL",
		"multi", "set a 1", "lpush l x", "exec",
		"select 3", "sadd s m",
		"select 0", "multi", "set k1 v", "set k2 v", "exec",
		"publish ch msg",
	)

	info := rdb.Info(ctx, "replication").Val()
	for _, want := range []string{"role:master", "connected_slaves:1", "repl_backlog_active:1", "state=online"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO replication lacks %q:\n%s", want, info)
		}
	}
}

func TestReplicationBacklogPartialResync(t *testing.T) {
	addr := testutil.StartPeregrine(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	attachReplStream(t, addr) // creates the backlog
	rdb.Set(ctx, "x", "1", 0)
	info := rdb.Info(ctx, "replication").Val()
	id := infoField(info, "master_replid")
	off, _ := strconv.ParseInt(infoField(info, "master_repl_offset"), 10, 64)
	rdb.Set(ctx, "y", "2", 0)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "PSYNC %s %d\r\n", id, off+1)
	rs := &replStream{conn: conn, r: bufio.NewReader(conn)}
	if line, _ := rs.r.ReadString('\n'); line != "+CONTINUE\r\n" {
		t.Fatalf("PSYNC inside the backlog: got %q, want +CONTINUE", line)
	}
	rs.expect(t, "set y 2")
	raw2 := testutil.Dial(t, addr)
	raw2.Send("PSYNC", "0123456789012345678901234567890123456789", "1")
	if got := string(raw2.ReadAll(time.Second)); !strings.HasPrefix(got, "+FULLRESYNC "+id+" ") {
		t.Fatalf("PSYNC with another replid: got %q", got[:min(len(got), 80)])
	}
}

func infoField(info, name string) string {
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return v
		}
	}
	return ""
}

// TestReplicationRedisReplica attaches a real redis-server as replica of
// Peregrine: the initial RDB and writes of every type arrive, and WAIT
// counts the replica's acknowledgement.
func TestReplicationRedisReplica(t *testing.T) {
	addr := testutil.StartPeregrine(t)
	ctx := context.Background()
	m := redis.NewClient(&redis.Options{Addr: addr})
	defer m.Close()
	m.Set(ctx, "s0", "v", 0)
	m.HSet(ctx, "h0", "f", "v")
	_, port, _ := net.SplitHostPort(addr)
	for _, diskless := range []string{"yes", "no"} {
		t.Run("diskless-"+diskless, func(t *testing.T) {
			if err := m.ConfigSet(ctx, "repl-diskless-sync", diskless).Err(); err != nil {
				t.Fatal(err)
			}
			ref := testutil.StartReference(t, "--replicaof", "127.0.0.1", port)
			r := redis.NewClient(&redis.Options{Addr: ref.Addr})
			defer r.Close()
			waitFor(t, func() bool { return strings.Contains(r.Info(ctx, "replication").Val(), "master_link_status:up") })
			m.Set(ctx, "str", "v"+diskless, time.Hour)
			m.RPush(ctx, "list", "a", "b")
			m.SAdd(ctx, "set", "a", "b", "1")
			m.ZAdd(ctx, "zset", redis.Z{Score: 1.5, Member: "a"})
			m.HSet(ctx, "hash", "f", "v")
			m.SetBit(ctx, "bits", 7, 1)
			m.GeoAdd(ctx, "geo", &redis.GeoLocation{Name: "p", Longitude: 13.36, Latitude: 38.11})
			m.Do(ctx, "SELECT", "0")
			m.Incr(ctx, "counter")
			if n, err := m.Wait(ctx, 1, 5*time.Second).Result(); err != nil || n != 1 {
				t.Fatalf("WAIT 1: %d %v", n, err)
			}
			if got := r.Get(ctx, "s0").Val(); got != "v" {
				t.Errorf("initial data: s0 = %q", got)
			}
			if got := r.Get(ctx, "str").Val(); got != "v"+diskless {
				t.Errorf("str = %q", got)
			}
			if ttl := r.TTL(ctx, "str").Val(); ttl <= 0 {
				t.Errorf("str TTL = %v", ttl)
			}
			if got := r.LRange(ctx, "list", 0, -1).Val(); fmt.Sprint(got) != "[a b a b]" && fmt.Sprint(got) != "[a b]" {
				t.Errorf("list = %v", got)
			}
			if got := r.SCard(ctx, "set").Val(); got != 3 {
				t.Errorf("set card = %d", got)
			}
			if got := r.ZScore(ctx, "zset", "a").Val(); got != 1.5 {
				t.Errorf("zset score = %v", got)
			}
			if got := r.GetBit(ctx, "bits", 7).Val(); got != 1 {
				t.Errorf("bit = %d", got)
			}
			if got := r.GeoPos(ctx, "geo", "p").Val(); len(got) != 1 || got[0] == nil {
				t.Errorf("geo = %v", got)
			}
			md := m.Do(ctx, "DEBUG", "DIGEST").Val()
			rd := r.Do(ctx, "DEBUG", "DIGEST").Val()
			if md != rd {
				t.Errorf("digest master %v replica %v", md, rd)
			}
			role := m.Do(ctx, "ROLE").Val().([]any)
			if role[0] != "master" || len(role[2].([]any)) != 1 {
				t.Errorf("ROLE = %v", role)
			}
			// Start the next subtest from a clean list.
			m.Del(ctx, "list")
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReplicationPeregrineReplicaOfRedis makes Peregrine a replica of a
// real redis-server: the RDB and the stream of every type arrive, the
// replica refuses writes, reconnects with a partial resync, and becomes
// a master again with REPLICAOF NO ONE.
func TestReplicationPeregrineReplicaOfRedis(t *testing.T) {
	ref := testutil.StartReference(t, "--repl-diskless-sync-delay", "0")
	ctx := context.Background()
	m := redis.NewClient(&redis.Options{Addr: ref.Addr})
	defer m.Close()
	m.Set(ctx, "s0", "v", 0)
	m.RPush(ctx, "l0", "a", "b")
	addr := testutil.StartPeregrine(t, "--replicaof", "127.0.0.1", strconv.Itoa(ref.Port))
	r := redis.NewClient(&redis.Options{Addr: addr})
	defer r.Close()
	waitFor(t, func() bool { return strings.Contains(r.Info(ctx, "replication").Val(), "master_link_status:up") })

	m.Set(ctx, "str", "v", time.Hour)
	m.HSet(ctx, "hash", "f", "v")
	m.SAdd(ctx, "set", "a", "b")
	m.ZAdd(ctx, "zset", redis.Z{Score: 2, Member: "m"})
	m.IncrByFloat(ctx, "float", 2.5)
	m.Eval(ctx, "redis.call('select', 5); redis.call('set', 'in5', 'x')", nil)
	pipe := m.TxPipeline()
	pipe.LPush(ctx, "tx", "1")
	pipe.LPush(ctx, "tx", "2")
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if n := m.Wait(ctx, 1, 5*time.Second).Val(); n != 1 {
		t.Fatalf("WAIT on the Redis master: %d", n)
	}
	check := func() {
		t.Helper()
		for key, want := range map[string]string{"s0": "v", "str": "v", "float": "2.5"} {
			if got := r.Get(ctx, key).Val(); got != want {
				t.Errorf("%s = %q, want %q", key, got, want)
			}
		}
		if got := r.LRange(ctx, "tx", 0, -1).Val(); fmt.Sprint(got) != "[2 1]" {
			t.Errorf("tx = %v", got)
		}
		if got := r.HGet(ctx, "hash", "f").Val(); got != "v" {
			t.Errorf("hash = %q", got)
		}
		if got := r.SCard(ctx, "set").Val(); got != 2 {
			t.Errorf("set = %d", got)
		}
		if got := r.ZScore(ctx, "zset", "m").Val(); got != 2 {
			t.Errorf("zset = %v", got)
		}
		r5 := redis.NewClient(&redis.Options{Addr: addr, DB: 5})
		defer r5.Close()
		if got := r5.Get(ctx, "in5").Val(); got != "x" {
			t.Errorf("db 5 in5 = %q", got)
		}
	}
	check()
	if err := r.Set(ctx, "w", "1", 0).Err(); err == nil || err.Error() != "READONLY You can't write against a read only replica." {
		t.Errorf("write on the replica: %v", err)
	}
	role := r.Do(ctx, "ROLE").Val().([]any)
	if role[0] != "slave" || role[3] != "connected" {
		t.Errorf("ROLE = %v", role)
	}

	// The master drops the link: the replica continues with PSYNC.
	m.Do(ctx, "CLIENT", "KILL", "TYPE", "replica")
	m.Set(ctx, "during", "1", 0)
	waitFor(t, func() bool { return r.Get(ctx, "during").Val() == "1" })
	stats := m.Info(ctx, "stats").Val()
	if infoField(stats, "sync_partial_ok") != "1" || infoField(stats, "sync_full") != "1" {
		t.Errorf("master stats after the reconnect:\nsync_full:%s sync_partial_ok:%s", infoField(stats, "sync_full"), infoField(stats, "sync_partial_ok"))
	}
	check()

	if err := r.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	if err := r.Set(ctx, "w", "1", 0).Err(); err != nil {
		t.Errorf("write after REPLICAOF NO ONE: %v", err)
	}
	info := r.Info(ctx, "replication").Val()
	if infoField(info, "role") != "master" || infoField(info, "second_repl_offset") == "-1" {
		t.Errorf("INFO after promotion:\n%s", info)
	}
}

// TestReplicationStreamRewrites: RESTORE with a relative TTL propagates
// an absolute one, and keys lazily expired by SCAN/RANDOMKEY propagate
// as bare DELs, as Redis 7.0 does.
func TestReplicationStreamRewrites(t *testing.T) {
	addr := testutil.StartPeregrine(t, "--enable-debug-command", "yes")
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	if err := rdb.Do(ctx, "DEBUG", "SET-ACTIVE-EXPIRE", "0").Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Set(ctx, "src", "v", 0)
	payload := rdb.Dump(ctx, "src").Val()
	rdb.Set(ctx, "e1", "v", 50*time.Millisecond)
	rs := attachReplStream(t, addr)
	rdb.Restore(ctx, "dst", time.Minute, payload)
	time.Sleep(100 * time.Millisecond)
	rdb.Scan(ctx, 0, "*", 100)
	rdb.Set(ctx, "last", "1", 0)
	rs.expect(t, "select 0")
	// The payload holds arbitrary bytes: check the ends only.
	if got := rs.next(t); !strings.HasPrefix(strings.ToLower(got), "restore dst 1") || !strings.HasSuffix(got, " ABSTTL") {
		t.Fatalf("RESTORE propagated as %q", got)
	}
	rs.expect(t, "del e1", "set last 1")
}

// TestReplicationPeregrineChain runs master -> replica -> sub-replica, all
// Peregrine: the sub-replica receives the master's stream through the
// replica, and all three report the same replication ID and offset.
func TestReplicationPeregrineChain(t *testing.T) {
	ctx := context.Background()
	mAddr := testutil.StartPeregrine(t)
	_, mPort, _ := net.SplitHostPort(mAddr)
	r1Addr := testutil.StartPeregrine(t, "--replicaof", "127.0.0.1", mPort)
	_, r1Port, _ := net.SplitHostPort(r1Addr)
	r2Addr := testutil.StartPeregrine(t, "--replicaof", "127.0.0.1", r1Port)
	m := redis.NewClient(&redis.Options{Addr: mAddr})
	defer m.Close()
	r1 := redis.NewClient(&redis.Options{Addr: r1Addr})
	defer r1.Close()
	r2 := redis.NewClient(&redis.Options{Addr: r2Addr})
	defer r2.Close()
	for _, c := range []*redis.Client{r1, r2} {
		waitFor(t, func() bool { return strings.Contains(c.Info(ctx, "replication").Val(), "master_link_status:up") })
	}
	for i := 0; i < 100; i++ {
		m.Set(ctx, "k"+strconv.Itoa(i), i, 0)
	}
	m.Expire(ctx, "k1", time.Hour)
	m.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"})
	waitFor(t, func() bool { return r2.Exists(ctx, "z").Val() == 1 })
	if got := r2.Get(ctx, "k99").Val(); got != "99" {
		t.Errorf("k99 on the sub-replica = %q", got)
	}
	if ttl := r2.TTL(ctx, "k1").Val(); ttl <= 0 {
		t.Errorf("k1 TTL on the sub-replica = %v", ttl)
	}
	waitFor(t, func() bool {
		mi, i1, i2 := m.Info(ctx, "replication").Val(), r1.Info(ctx, "replication").Val(), r2.Info(ctx, "replication").Val()
		return infoField(mi, "master_replid") == infoField(i2, "master_replid") &&
			infoField(mi, "master_repl_offset") == infoField(i1, "master_repl_offset") &&
			infoField(mi, "master_repl_offset") == infoField(i2, "master_repl_offset")
	})
	if err := r2.Set(ctx, "x", "1", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "READONLY") {
		t.Errorf("write on the sub-replica: %v", err)
	}
	// INFO memory counts the backlog in the replication buffers.
	mem := m.Info(ctx, "memory").Val()
	backlog, _ := strconv.Atoi(infoField(mem, "mem_replication_backlog"))
	total, _ := strconv.Atoi(infoField(mem, "mem_total_replication_buffers"))
	if backlog <= 0 || total < backlog {
		t.Errorf("mem_replication_backlog %d, mem_total_replication_buffers %d after writes", backlog, total)
	}
}

// TestReplicationLargeCommand: a command larger than the replica's
// client-query-buffer-limit and the unauthenticated limits still
// replicates (the master's stream is not a normal client's input).
func TestReplicationLargeCommand(t *testing.T) {
	ctx := context.Background()
	mAddr := testutil.StartPeregrine(t, "--client-query-buffer-limit", "2000000")
	_, mPort, _ := net.SplitHostPort(mAddr)
	rAddr := testutil.StartPeregrine(t, "--replicaof", "127.0.0.1", mPort, "--client-query-buffer-limit", "1048576")
	m := redis.NewClient(&redis.Options{Addr: mAddr})
	defer m.Close()
	r := redis.NewClient(&redis.Options{Addr: rAddr})
	defer r.Close()
	waitFor(t, func() bool { return strings.Contains(r.Info(ctx, "replication").Val(), "master_link_status:up") })
	big := strings.Repeat("x", 1100000)
	m.Set(ctx, "key", big, 0)
	waitFor(t, func() bool { return r.Get(ctx, "key").Val() == big })
	if n := m.Info(ctx, "stats").Val(); infoField(n, "sync_full") != "1" {
		t.Errorf("the replica resynchronized: sync_full:%s", infoField(n, "sync_full"))
	}
}

// TestReplicationReplicaKillsMasterLink: CLIENT KILL of the master
// client on the replica (as the Redis suite does) drops the link, and the
// replica comes back with a partial resync.
func TestReplicationReplicaKillsMasterLink(t *testing.T) {
	ctx := context.Background()
	mAddr := testutil.StartPeregrine(t)
	_, mPort, _ := net.SplitHostPort(mAddr)
	rAddr := testutil.StartPeregrine(t, "--replicaof", "127.0.0.1", mPort)
	m := redis.NewClient(&redis.Options{Addr: mAddr})
	defer m.Close()
	r := redis.NewClient(&redis.Options{Addr: rAddr})
	defer r.Close()
	waitFor(t, func() bool { return strings.Contains(r.Info(ctx, "replication").Val(), "master_link_status:up") })
	if got := r.ClientList(ctx).Val(); !strings.Contains(got, "flags=M") {
		t.Fatalf("CLIENT LIST on the replica has no master client:\n%s", got)
	}
	if err := r.Do(ctx, "CLIENT", "KILL", mAddr).Err(); err != nil {
		t.Fatalf("CLIENT KILL %s: %v", mAddr, err)
	}
	m.Set(ctx, "after", "1", 0)
	waitFor(t, func() bool { return r.Get(ctx, "after").Val() == "1" })
	stats := m.Info(ctx, "stats").Val()
	if infoField(stats, "sync_partial_ok") != "1" || infoField(stats, "sync_full") != "1" {
		t.Errorf("sync_full:%s sync_partial_ok:%s", infoField(stats, "sync_full"), infoField(stats, "sync_partial_ok"))
	}
}

// TestReplicationWritableReplicaExpiresOwnKeys: keys a client writes with
// a TTL on a writable replica expire there (no DEL from the master will
// come for them), while keys from the master stay until the master's DEL,
// as in Redis (replication-3.tcl).
func TestReplicationWritableReplicaExpiresOwnKeys(t *testing.T) {
	ctx := context.Background()
	mAddr := testutil.StartPeregrine(t, "--enable-debug-command", "yes")
	_, mPort, _ := net.SplitHostPort(mAddr)
	// bind-source-addr: the replica connects from 127.0.0.2 (the master
	// lists it so in INFO).
	rAddr := testutil.StartPeregrine(t, "--replicaof", "127.0.0.1", mPort, "--replica-read-only", "no", "--bind-source-addr", "127.0.0.2")
	m := redis.NewClient(&redis.Options{Addr: mAddr})
	defer m.Close()
	r := redis.NewClient(&redis.Options{Addr: rAddr})
	defer r.Close()
	waitFor(t, func() bool { return strings.Contains(r.Info(ctx, "replication").Val(), "master_link_status:up") })
	if s0 := infoField(m.Info(ctx, "replication").Val(), "slave0"); !strings.HasPrefix(s0, "ip=127.0.0.2,") {
		t.Errorf("master sees its replica as %q, want it from bind-source-addr 127.0.0.2", s0)
	}
	if err := m.Do(ctx, "DEBUG", "SET-ACTIVE-EXPIRE", "0").Err(); err != nil {
		t.Fatal(err)
	}
	m.Set(ctx, "from-master", "v", 200*time.Millisecond)
	waitFor(t, func() bool { return r.DBSize(ctx).Val() == 1 })
	for i := 0; i < 3; i++ {
		if err := r.Set(ctx, fmt.Sprint("own", i), i, 300*time.Millisecond).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.DBSize(ctx).Val(); n != 4 {
		t.Fatalf("replica dbsize = %d, want 4", n)
	}
	// Nobody reads the keys: only the replica's cron can remove its own.
	waitFor(t, func() bool { return r.DBSize(ctx).Val() == 1 })
	if n := r.Exists(ctx, "from-master").Val(); n != 0 {
		t.Errorf("the master's expired key is visible on the replica")
	}
	if got := infoField(r.Info(ctx, "stats").Val(), "expired_keys"); got != "3" {
		t.Errorf("replica expired_keys = %s, want 3", got)
	}
	// An explicit DEL removes (and counts) the master's stale key, which
	// the replica keeps until then, as Redis does.
	if n := r.Del(ctx, "from-master", "never-existed").Val(); n != 1 {
		t.Errorf("DEL of the master's expired key on the replica = %d, want 1", n)
	}
	if n := r.DBSize(ctx).Val(); n != 0 {
		t.Errorf("replica dbsize after DEL = %d, want 0", n)
	}
}

// TestReplicationPartialResyncAfterMasterRestart: the RDB a master saves
// at shutdown records its replication ID and offset; restarted from it,
// the master accepts its replica's PSYNC as a partial resync, and the
// stream goes on in the database it was in.
func TestReplicationPartialResyncAfterMasterRestart(t *testing.T) {
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	dir := t.TempDir()
	mAddr := testutil.StartPeregrine(t, "--port", port, "--dir", dir)
	rAddr := testutil.StartPeregrine(t, "--replicaof", "127.0.0.1", port)
	m := redis.NewClient(&redis.Options{Addr: mAddr, DB: 3})
	r := redis.NewClient(&redis.Options{Addr: rAddr, DB: 3})
	defer r.Close()
	waitFor(t, func() bool { return strings.Contains(r.Info(ctx, "replication").Val(), "master_link_status:up") })
	m.Set(ctx, "a", "1", 0)
	waitFor(t, func() bool { return r.Get(ctx, "a").Val() == "1" })
	_ = m.ShutdownSave(ctx).Err() // the connection just closes
	m.Close()

	mAddr = testutil.StartPeregrine(t, "--port", port, "--dir", dir)
	m = redis.NewClient(&redis.Options{Addr: mAddr, DB: 3})
	defer m.Close()
	waitFor(t, func() bool { return infoField(m.Info(ctx, "replication").Val(), "connected_slaves") == "1" })
	if n := infoField(m.Info(ctx, "clients").Val(), "connected_clients"); n != "1" {
		t.Errorf("connected_clients = %s with one client and one replica (replicas are not counted)", n)
	}
	st := m.Info(ctx, "stats").Val()
	if full, ok := infoField(st, "sync_full"), infoField(st, "sync_partial_ok"); full != "0" || ok != "1" {
		t.Fatalf("after the restart: sync_full %s, sync_partial_ok %s (want a partial resync)", full, ok)
	}
	m.Set(ctx, "b", "2", 0)
	waitFor(t, func() bool { return r.Get(ctx, "b").Val() == "2" })
	m.ConfigResetStat(ctx) // clears the resync counters too
	if ok := infoField(m.Info(ctx, "stats").Val(), "sync_partial_ok"); ok != "0" {
		t.Errorf("sync_partial_ok after CONFIG RESETSTAT = %s", ok)
	}
}

// TestReplicationStaleReplicaScripts: with replica-serve-stale-data no and
// the master unreachable, scripts are judged by their declared flags, as
// in Redis: only allow-stale ones run, and inside them only commands that
// may run stale.
func TestReplicationStaleReplicaScripts(t *testing.T) {
	ctx := context.Background()
	addr := testutil.StartPeregrine(t)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	lib := "#!lua name=stale\n" +
		"redis.register_function{function_name='plain', callback=function() return 'hello' end, flags={'no-writes'}}\n" +
		"redis.register_function{function_name='stale', callback=function() return 'hello' end, flags={'allow-stale', 'no-writes'}}\n" +
		"redis.register_function{function_name='staleget', callback=function() return redis.call('get', 'x') end, flags={'allow-stale', 'no-writes'}}\n"
	if err := c.FunctionLoad(ctx, lib).Err(); err != nil {
		t.Fatal(err)
	}
	c.ConfigSet(ctx, "replica-serve-stale-data", "no")
	if err := c.Do(ctx, "REPLICAOF", "127.0.0.1", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.FCall(ctx, "plain", nil).Err(); err == nil || !strings.HasPrefix(err.Error(), "MASTERDOWN ") {
		t.Errorf("FCALL plain on a stale replica: %v", err)
	}
	if v, err := c.FCall(ctx, "stale", nil).Result(); err != nil || v != "hello" {
		t.Errorf("FCALL stale: %v %v", v, err)
	}
	if err := c.FCall(ctx, "staleget", nil).Err(); err == nil || !strings.Contains(err.Error(), "Can not execute the command on a stale replica") {
		t.Errorf("GET inside an allow-stale function: %v", err)
	}
	c.Do(ctx, "REPLICAOF", "NO", "ONE")
	if v, err := c.FCall(ctx, "plain", nil).Result(); err != nil || v != "hello" {
		t.Errorf("FCALL plain on a master: %v %v", v, err)
	}
}

// TestReplicationPausedReplicaReadsAhead: CLIENT PAUSE WRITE on a replica
// holds its master's writes too; the stream is still read, so
// slave_read_repl_offset runs ahead of slave_repl_offset until UNPAUSE.
func TestReplicationPausedReplicaReadsAhead(t *testing.T) {
	ctx := context.Background()
	mAddr := testutil.StartPeregrine(t)
	_, mPort, _ := net.SplitHostPort(mAddr)
	rAddr := testutil.StartPeregrine(t, "--replicaof", "127.0.0.1", mPort)
	m := redis.NewClient(&redis.Options{Addr: mAddr})
	defer m.Close()
	r := redis.NewClient(&redis.Options{Addr: rAddr})
	defer r.Close()
	offsets := func() (master, read, applied string) {
		return infoField(m.Info(ctx, "replication").Val(), "master_repl_offset"),
			infoField(r.Info(ctx, "replication").Val(), "slave_read_repl_offset"),
			infoField(r.Info(ctx, "replication").Val(), "slave_repl_offset")
	}
	waitFor(t, func() bool { return infoField(r.Info(ctx, "replication").Val(), "master_link_status") == "up" })
	m.Set(ctx, "foo", "bar", 0)
	waitFor(t, func() bool { mo, _, ap := offsets(); return mo == ap })
	_, _, before := offsets()
	if err := r.Do(ctx, "CLIENT", "PAUSE", "100000", "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	m.Set(ctx, "foo2", "bar2", 0)
	waitFor(t, func() bool { mo, rd, _ := offsets(); return mo == rd })
	if _, _, ap := offsets(); ap != before {
		t.Fatalf("slave_repl_offset moved from %s to %s while paused", before, ap)
	}
	if v := r.Get(ctx, "foo2").Val(); v != "" {
		t.Fatalf("the paused replica applied the master's write: foo2=%q", v)
	}
	if err := r.Do(ctx, "CLIENT", "UNPAUSE").Err(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { mo, _, ap := offsets(); return mo == ap })
	if v := r.Get(ctx, "foo2").Val(); v != "bar2" {
		t.Fatalf("after UNPAUSE foo2=%q, want bar2", v)
	}
}
