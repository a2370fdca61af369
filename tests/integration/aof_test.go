package integration

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine"
	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// aofServer runs an in-process Peregrine with the AOF on in dir.
type aofServer struct {
	srv  *peregrine.Server
	addr string
}

func startAOFServer(t *testing.T, dir string, extra ...string) (*aofServer, error) {
	t.Helper()
	args := append([]string{"--port", "0", "--bind", "127.0.0.1", "--save", "", "--dir", dir,
		"--appendonly", "yes", "--aof-use-rdb-preamble", "no"}, extra...)
	srv, err := peregrine.New(peregrine.Options{Args: args})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(); err != nil {
		srv.Close()
		return nil, err
	}
	return &aofServer{srv: srv, addr: srv.Addr()}, nil
}

func mustAOFServer(t *testing.T, dir string, extra ...string) *aofServer {
	t.Helper()
	s, err := startAOFServer(t, dir, extra...)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func clientFor(t *testing.T, addr string, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, DB: db, DisableIdentity: true, Protocol: 2})
	t.Cleanup(func() { c.Close() })
	return c
}

// dataset renders every key of databases 0..dbs-1 (type, value, absolute
// expire time) so two servers can be compared.
func dataset(t *testing.T, ctx context.Context, addr string, dbs int) map[string]string {
	t.Helper()
	out := map[string]string{}
	for db := 0; db < dbs; db++ {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, DisableIdentity: true, Protocol: 2})
		keys, err := c.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatalf("KEYS: %v", err)
		}
		for _, k := range keys {
			typ := c.Type(ctx, k).Val()
			var v string
			switch typ {
			case "string":
				v = c.Get(ctx, k).Val()
			case "list":
				v = strings.Join(c.LRange(ctx, k, 0, -1).Val(), ",")
			case "set":
				m := c.SMembers(ctx, k).Val()
				sort.Strings(m)
				v = strings.Join(m, ",")
			case "zset":
				for _, z := range c.ZRangeWithScores(ctx, k, 0, -1).Val() {
					v += fmt.Sprintf("%v=%v,", z.Member, z.Score)
				}
			case "hash":
				h := c.HGetAll(ctx, k).Val()
				fs := make([]string, 0, len(h))
				for f, x := range h {
					fs = append(fs, f+"="+x)
				}
				sort.Strings(fs)
				v = strings.Join(fs, ",")
			}
			exp := c.Do(ctx, "PEXPIRETIME", k).Val()
			out[fmt.Sprintf("%d/%s", db, k)] = fmt.Sprintf("%s:%s:ttl=%v", typ, v, exp)
		}
		c.Close()
	}
	return out
}

func compareDatasets(t *testing.T, want, got map[string]string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("key count: want %d, got %d", len(want), len(got))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: want %q, got %q", k, v, got[k])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected key %q", k, got[k])
		}
	}
}

// writeEveryType writes a dataset with every type, TTLs of every flavour,
// rewritten commands, a script, a function and a transaction.
func writeEveryType(t *testing.T, ctx context.Context, addr string) {
	t.Helper()
	c := clientFor(t, addr, 0)
	c2 := clientFor(t, addr, 2)
	must := func(err error) {
		t.Helper()
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Fatal(err)
		}
	}
	must(c.Set(ctx, "str", "hello", 0).Err())
	must(c.Set(ctx, "int", 42, 0).Err())
	must(c.Set(ctx, "ttl-ex", "v", time.Hour).Err())
	must(c.Do(ctx, "SETEX", "setex", 7200, "v").Err())
	must(c.Do(ctx, "PSETEX", "psetex", 3600000, "v").Err())
	must(c.Set(ctx, "exp", "v", 0).Err())
	must(c.Expire(ctx, "exp", 90*time.Minute).Err())
	must(c.Set(ctx, "gone", "v", 0).Err())
	must(c.Do(ctx, "EXPIRE", "gone", -1).Err())
	must(c.IncrByFloat(ctx, "float", 1.1).Err())
	must(c.IncrByFloat(ctx, "float", 2.2).Err())
	must(c.Do(ctx, "SET", "getset", "a", "GET").Err())
	must(c.Do(ctx, "GETEX", "str", "EX", "5000").Err())
	must(c.Set(ctx, "persist", "v", time.Hour).Err())
	must(c.Do(ctx, "GETEX", "persist", "PERSIST").Err())
	must(c.Set(ctx, "getdel", "v", 0).Err())
	must(c.GetDel(ctx, "getdel").Err())
	must(c.RPush(ctx, "list", "a", "b", "c", "d", "e").Err())
	must(c.BLPop(ctx, time.Second, "list").Err())
	must(c.Do(ctx, "LMPOP", "1", "list", "RIGHT", "COUNT", "2").Err())
	must(c.RPush(ctx, "src", "1", "2", "3").Err())
	must(c.BLMove(ctx, "src", "dst", "LEFT", "RIGHT", time.Second).Err())
	for i := 0; i < 200; i++ {
		must(c.RPush(ctx, "biglist", strconv.Itoa(i)).Err())
	}
	must(c.SAdd(ctx, "set", "a", "b", "c", "d", "e", "f").Err())
	must(c.SPop(ctx, "set").Err())
	must(c.SPopN(ctx, "set", 2).Err())
	must(c.SAdd(ctx, "intset", 1, 2, 3).Err())
	must(c.SAdd(ctx, "popall", "x", "y").Err())
	must(c.SPopN(ctx, "popall", 5).Err())
	must(c.ZAdd(ctx, "zset", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: -2, Member: "b"},
		redis.Z{Score: 1e-300, Member: "tiny"}, redis.Z{Score: 3, Member: "c"}).Err())
	must(c.BZPopMax(ctx, time.Second, "zset").Err())
	must(c.Do(ctx, "ZADD", "zinf", "+inf", "top", "-inf", "bottom").Err())
	must(c.HSet(ctx, "hash", "f1", "v1", "f2", "v2").Err())
	must(c.HIncrByFloat(ctx, "hash", "fl", 0.5).Err())
	must(c.Expire(ctx, "hash", 3*time.Hour).Err())
	must(c.Eval(ctx, "redis.call('set', KEYS[1], ARGV[1]); redis.call('incr', 'evalcounter'); return 1", []string{"fromlua"}, "x").Err())
	must(c.Eval(ctx, "return redis.call('get', 'str')", nil).Err()) // writes nothing
	must(c.Do(ctx, "FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('myset', function(keys, args) return redis.call('set', keys[1], args[1]) end)").Err())
	must(c.Do(ctx, "FCALL", "myset", "1", "fromfunction", "y").Err())
	_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "txcounter")
		p.Incr(ctx, "txcounter")
		p.Set(ctx, "txkey", "v", 0)
		return nil
	})
	must(err)
	must(c2.Set(ctx, "db2key", "v", 0).Err())
	must(c2.LPush(ctx, "db2list", "x").Err())
}

func TestAOFRestartKeepsEveryType(t *testing.T) {
	dir := t.TempDir()
	ctx := ctxT(t)
	s := mustAOFServer(t, dir)
	writeEveryType(t, ctx, s.addr)
	want := dataset(t, ctx, s.addr, 4)
	if len(want) < 20 {
		t.Fatalf("dataset too small: %v", want)
	}
	s.srv.Close()

	s2 := mustAOFServer(t, dir)
	compareDatasets(t, want, dataset(t, ctx, s2.addr, 4))
	c := clientFor(t, s2.addr, 0)
	if v, err := c.Do(ctx, "FCALL", "myset", "1", "again", "z").Result(); err != nil || v != "OK" {
		t.Fatalf("function after restart: %v %v", v, err)
	}
	// A rewrite of the loaded data, then a second restart.
	if err := c.Do(ctx, "BGREWRITEAOF").Err(); err != nil {
		t.Fatal(err)
	}
	waitRewrite(t, ctx, c)
	want2 := dataset(t, ctx, s2.addr, 4)
	s2.srv.Close()
	s3 := mustAOFServer(t, dir)
	compareDatasets(t, want2, dataset(t, ctx, s3.addr, 4))
}

func waitRewrite(t *testing.T, ctx context.Context, c *redis.Client) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		info := c.Info(ctx, "persistence").Val()
		if strings.Contains(info, "aof_rewrite_in_progress:0") && strings.Contains(info, "aof_rewrite_scheduled:0") {
			if !strings.Contains(info, "aof_last_bgrewrite_status:ok") {
				t.Fatalf("rewrite failed:\n%s", info)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("rewrite did not finish")
}

// TestAOFRewriteWhileWriting rewrites repeatedly while clients write; the
// reloaded dataset must equal the one the server had.
func TestAOFRewriteWhileWriting(t *testing.T) {
	dir := t.TempDir()
	ctx := ctxT(t)
	s := mustAOFServer(t, dir)
	c := clientFor(t, s.addr, 0)
	for i := 0; i < 3000; i++ {
		c.Set(ctx, "pre:"+strconv.Itoa(i), i, 0)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			cw := clientFor(t, s.addr, w%2)
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for i := 0; !stop.Load(); i++ {
				k := "k" + strconv.Itoa(r.IntN(2000))
				switch i % 6 {
				case 0:
					cw.Incr(ctx, k+":n")
				case 1:
					cw.RPush(ctx, k+":l", i)
				case 2:
					cw.SAdd(ctx, k+":s", i%50)
				case 3:
					cw.HIncrBy(ctx, k+":h", strconv.Itoa(i%7), 1)
				case 4:
					cw.Del(ctx, "pre:"+strconv.Itoa(r.IntN(3000)))
				case 5:
					cw.ZIncrBy(ctx, k+":z", 1, strconv.Itoa(i%9))
				}
			}
		}(w)
	}
	for i := 0; i < 4; i++ {
		if err := c.Do(ctx, "BGREWRITEAOF").Err(); err != nil {
			t.Fatal(err)
		}
		waitRewrite(t, ctx, c)
		time.Sleep(30 * time.Millisecond)
	}
	c.FlushDB(ctx) // a whole-database change while a rewrite may run
	if err := c.Do(ctx, "BGREWRITEAOF").Err(); err != nil {
		t.Fatal(err)
	}
	waitRewrite(t, ctx, c)
	stop.Store(true)
	wg.Wait()
	want := dataset(t, ctx, s.addr, 2)
	s.srv.Close()
	entries, _ := os.ReadDir(filepath.Join(dir, "appendonlydir"))
	if len(entries) != 3 {
		t.Errorf("appendonlydir holds %d files, want base+incr+manifest", len(entries))
	}
	s2 := mustAOFServer(t, dir)
	compareDatasets(t, want, dataset(t, ctx, s2.addr, 2))
}

func TestAOFTruncatedTail(t *testing.T) {
	dir := t.TempDir()
	ctx := ctxT(t)
	s := mustAOFServer(t, dir)
	c := clientFor(t, s.addr, 0)
	c.Set(ctx, "foo", "5", 0)
	s.srv.Close()
	incr := filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")
	f, err := os.OpenFile(incr, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$1\r\n") // torn
	f.Close()
	before, _ := os.Stat(incr)

	if _, err := startAOFServer(t, dir, "--aof-load-truncated", "no"); err == nil {
		t.Fatal("a torn AOF loaded with aof-load-truncated no")
	}
	s2 := mustAOFServer(t, dir)
	c2 := clientFor(t, s2.addr, 0)
	if v := c2.Get(ctx, "foo").Val(); v != "5" {
		t.Fatalf("foo = %q", v)
	}
	after, _ := os.Stat(incr)
	if after.Size() >= before.Size() {
		t.Fatalf("the torn tail was not cut: %d -> %d", before.Size(), after.Size())
	}
	c2.Set(ctx, "foo", "6", 0)
	s2.srv.Close()
	s3 := mustAOFServer(t, dir)
	if v := clientFor(t, s3.addr, 0).Get(ctx, "foo").Val(); v != "6" {
		t.Fatalf("after append: foo = %q", v)
	}
	s3.srv.Close()

	// Garbage in the middle is refused, whatever aof-load-truncated says.
	b, _ := os.ReadFile(incr)
	b = append([]byte("*1\r\n$4\r\nPING\r\nxx garbage\r\n"), b...)
	os.WriteFile(incr, b, 0o644)
	if _, err := startAOFServer(t, dir); err == nil {
		t.Fatal("a corrupt AOF loaded")
	}
}

func TestAOFConfigSetAppendonly(t *testing.T) {
	dir := t.TempDir()
	ctx := ctxT(t)
	s := mustAOFServer(t, dir, "--appendonly", "no")
	c := clientFor(t, s.addr, 0)
	for i := 0; i < 100; i++ {
		c.Set(ctx, "k"+strconv.Itoa(i), i, 0)
	}
	if err := c.ConfigSet(ctx, "appendonly", "yes").Err(); err != nil {
		t.Fatal(err)
	}
	waitRewrite(t, ctx, c)
	c.Set(ctx, "after", "1", 0)
	if !strings.Contains(c.Info(ctx, "persistence").Val(), "aof_enabled:1") {
		t.Fatal("aof_enabled is not 1")
	}
	want := dataset(t, ctx, s.addr, 1)
	s.srv.Close()
	s2 := mustAOFServer(t, dir)
	compareDatasets(t, want, dataset(t, ctx, s2.addr, 1))
}

// ---- crash test ----

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func buildPeregrine(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "peregrine")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/peregrinedb/peregrine/cmd/peregrine")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startProcess runs the binary on a free loopback port and waits for PING.
func startProcess(t *testing.T, bin, dir string, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	port := freePort(t)
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""}, extra...)
	cmd := exec.Command(bin, args...)
	logf, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	// Ready means loaded: while the data loads the port is open but
	// commands get LOADING errors, as with Redis.
	for i := 0; i < 500; i++ {
		if conn, err := net.Dial("tcp", addr); err == nil {
			_, _ = conn.Write([]byte("PING\r\n"))
			buf := make([]byte, 64)
			_ = conn.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := conn.Read(buf)
			conn.Close()
			if strings.HasPrefix(string(buf[:n]), "+PONG") {
				return cmd, addr
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
	t.Fatalf("server did not start:\n%s", log)
	return nil, ""
}

// TestAOFCrashAppendfsyncAlways kills the server with SIGKILL while a
// client sends INCRs: with appendfsync always, every acknowledged value
// must survive the restart.
func TestAOFCrashAppendfsyncAlways(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a server binary")
	}
	bin := buildPeregrine(t)
	dir := t.TempDir()
	ctx := ctxT(t)
	acked := int64(0)
	for round := 0; round < 10; round++ {
		cmd, addr := startProcess(t, bin, dir, "--appendonly", "yes", "--appendfsync", "always")
		c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true, MaxRetries: -1, Protocol: 2})
		v, err := c.Get(ctx, "counter").Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Fatalf("round %d: GET: %v", round, err)
		}
		if v < acked {
			t.Fatalf("round %d: counter %d < acknowledged %d", round, v, acked)
		}
		acked = v
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				n, err := c.Incr(ctx, "counter").Result()
				if err != nil {
					return
				}
				atomic.StoreInt64(&acked, n)
			}
		}()
		time.Sleep(time.Duration(20+rand.IntN(200)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		<-done
		c.Close()
		acked = atomic.LoadInt64(&acked)
	}
	cmd, addr := startProcess(t, bin, dir, "--appendonly", "yes")
	c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true, Protocol: 2})
	defer c.Close()
	v, _ := c.Get(ctx, "counter").Int64()
	if v < acked || acked == 0 {
		t.Fatalf("final counter %d, acknowledged %d", v, acked)
	}
	t.Logf("counter %d after 10 kills (last acknowledged %d)", v, acked)
	_ = cmd.Process.Kill()
}

// ---- interoperability with redis-server ----

func requireRedisServer(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(testutil.ReferenceBinary); err != nil {
		if os.Getenv(testutil.RequireReferenceEnv) == "1" {
			t.Fatalf("redis-server not found on PATH (install package redis-server)")
		}
		t.Skip("redis-server not found on PATH: install package redis-server to run the AOF interop tests")
	}
}

// interopData writes commands both servers understand.
func interopData(t *testing.T, ctx context.Context, addr string) {
	t.Helper()
	c := clientFor(t, addr, 0)
	c1 := clientFor(t, addr, 1)
	c.Set(ctx, "s", "v", 0)
	c.Set(ctx, "ttl", "v", time.Hour)
	c.IncrByFloat(ctx, "f", 3.25)
	c.RPush(ctx, "l", "a", "b", "c")
	c.LPop(ctx, "l")
	c.SAdd(ctx, "set", "x", "y", "z")
	c.SPop(ctx, "set")
	c.ZAdd(ctx, "z", redis.Z{Score: 2.5, Member: "m"}, redis.Z{Score: -1, Member: "n"})
	c.HSet(ctx, "h", "a", "1", "b", "2")
	c.Expire(ctx, "h", 2*time.Hour)
	c.Eval(ctx, "redis.call('incr', 'lua'); redis.call('rpush', 'l', 'fromlua'); return 1", nil)
	c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "tx")
		p.SAdd(ctx, "set", "tx")
		return nil
	})
	c1.Set(ctx, "db1", "v", 0)
	for i := 0; i < 150; i++ {
		c1.RPush(ctx, "big", strconv.Itoa(i))
	}
}

func TestAOFInteropRedisLoadsPeregrine(t *testing.T) {
	requireRedisServer(t)
	dir := t.TempDir()
	ctx := ctxT(t)
	s := mustAOFServer(t, dir)
	interopData(t, ctx, s.addr)
	c := clientFor(t, s.addr, 0)
	// Half the data in a rewritten base, half in the incr file.
	if err := c.Do(ctx, "BGREWRITEAOF").Err(); err != nil {
		t.Fatal(err)
	}
	waitRewrite(t, ctx, c)
	c.Set(ctx, "after-rewrite", "1", 0)
	c.ZIncrBy(ctx, "z", 1, "m")
	want := dataset(t, ctx, s.addr, 2)
	s.srv.Close()

	if len(want) < 10 {
		t.Fatalf("dataset too small: %v", want)
	}
	ref := testutil.StartReference(t, "--dir", dir, "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
	compareDatasets(t, want, dataset(t, ctx, ref.Addr, 2))
}

func TestAOFInteropPeregrineLoadsRedis(t *testing.T) {
	requireRedisServer(t)
	redisDir := t.TempDir()
	ctx := ctxT(t)
	ref := testutil.StartReference(t, "--dir", redisDir, "--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--appendfsync", "always")
	interopData(t, ctx, ref.Addr)
	rc := clientFor(t, ref.Addr, 0)
	if err := rc.Do(ctx, "BGREWRITEAOF").Err(); err != nil {
		t.Fatal(err)
	}
	waitRewrite(t, ctx, rc)
	rc.Set(ctx, "after-rewrite", "1", 0)
	rc.LPush(ctx, "l", "pushed")
	want := dataset(t, ctx, ref.Addr, 2)
	if len(want) < 10 {
		t.Fatalf("dataset too small: %v", want)
	}

	dir := t.TempDir()
	src := filepath.Join(redisDir, "appendonlydir")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "appendonlydir")
	os.MkdirAll(dst, 0o755)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644)
	}
	s := mustAOFServer(t, dir)
	compareDatasets(t, want, dataset(t, ctx, s.addr, 2))
}

// TestAOFCrashAppendfsyncEverysec: with appendfsync everysec a SIGKILL
// loses at most about one second of acknowledged writes (Redis's bound:
// the background fsync runs every second, and a write waits at most two
// seconds for a slow fsync). The test allows 2.5 s of slack for a loaded
// machine and checks that the recovered counter is at least the value
// acknowledged that long before the kill.
func TestAOFCrashAppendfsyncEverysec(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a server binary")
	}
	bin := buildPeregrine(t)
	dir := t.TempDir()
	ctx := ctxT(t)
	type ack struct {
		at time.Time
		n  int64
	}
	for round := 0; round < 3; round++ {
		cmd, addr := startProcess(t, bin, dir, "--appendonly", "yes", "--appendfsync", "everysec")
		c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true, MaxRetries: -1, Protocol: 2})
		var mu sync.Mutex
		var acks []ack
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				n, err := c.Incr(ctx, "counter").Result()
				if err != nil {
					return
				}
				mu.Lock()
				acks = append(acks, ack{time.Now(), n})
				mu.Unlock()
			}
		}()
		time.Sleep(time.Duration(2500+rand.IntN(1000)) * time.Millisecond)
		killedAt := time.Now()
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		<-done
		c.Close()
		var floor int64
		mu.Lock()
		for _, a := range acks {
			if a.at.Before(killedAt.Add(-2500 * time.Millisecond)) {
				floor = a.n
			}
		}
		mu.Unlock()
		cmd, addr = startProcess(t, bin, dir, "--appendonly", "yes", "--appendfsync", "everysec")
		c = redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true, Protocol: 2})
		v, err := c.Get(ctx, "counter").Int64()
		c.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if err != nil {
			t.Fatalf("round %d: GET after restart: %v", round, err)
		}
		if v < floor {
			t.Fatalf("round %d: recovered %d, but %d was acknowledged more than 2.5 s before the kill", round, v, floor)
		}
		t.Logf("round %d: recovered %d (acknowledged >2.5 s before the kill: %d, last: %d)", round, v, floor, acks[len(acks)-1].n)
	}
}
