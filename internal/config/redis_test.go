package config

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file compares the package with a real redis-server 7.0.x when one
// is on PATH; every test here is skipped otherwise.

// respConn is a minimal RESP2 client, just enough for these tests.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

// do sends a command and returns the reply: a string for status, error
// (with its "-" prefix), integer and bulk replies, nil for a null bulk,
// and []any for arrays.
func (rc *respConn) do(t testing.TB, args ...string) any {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := rc.c.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	v, err := readReply(rc.r)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, fmt.Errorf("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return line, nil
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, max(n, 0))
		for i := 0; i < n; i++ {
			v, err := readReply(r)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

// configGet runs CONFIG GET and returns the pairs as a map.
func (rc *respConn) configGet(t testing.TB, patterns ...string) map[string]string {
	t.Helper()
	reply, ok := rc.do(t, append([]string{"CONFIG", "GET"}, patterns...)...).([]any)
	if !ok {
		t.Fatalf("CONFIG GET %q: unexpected reply", patterns)
	}
	m := make(map[string]string)
	for i := 0; i+1 < len(reply); i += 2 {
		m[reply[i].(string)] = reply[i+1].(string)
	}
	return m
}

func redisServerPath(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH; skipping comparison with real Redis")
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.Contains(string(out), "v=7.0.") {
		t.Skipf("redis-server is not Redis 7.0 (%q); skipping comparison", strings.TrimSpace(string(out)))
	}
	return bin
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startRedis runs redis-server with args (plus port and bind) and
// connects to it. The server is killed when the test ends.
func startRedis(t testing.TB, args ...string) (*respConn, []string) {
	t.Helper()
	bin := redisServerPath(t)
	port := freePort(t)
	full := append(slices.Clone(args), "--port", strconv.Itoa(port), "--bind", "127.0.0.1")
	cmd := exec.Command(bin, full...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			t.Cleanup(func() { conn.Close() })
			return &respConn{c: conn, r: bufio.NewReader(conn)}, full
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// machineDependent lists directives whose value legitimately differs
// between a real redis-server and this package. It is empty: dir is
// compared too, since both resolve it to the same physical path.
var machineDependent = map[string]bool{}

// TestDefaultsMatchRedis starts redis-server and compares CONFIG GET *
// (and every hidden directive, by name) with a Config given the same
// command-line options.
func TestDefaultsMatchRedis(t *testing.T) {
	dir := t.TempDir()
	rc, args := startRedis(t, "--save", "", "--appendonly", "no", "--dir", dir)
	theirs := rc.configGet(t, "*")

	c := New()
	if err := c.LoadArgs(args); err != nil {
		t.Fatal(err)
	}
	ours := map[string]string{}
	for _, p := range c.GetPatterns([]string{"*"}) {
		ours[p[0]] = p[1]
	}
	var names []string
	for name := range theirs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if machineDependent[name] {
			continue
		}
		got, ok := ours[name]
		if !ok {
			t.Errorf("%s: returned by Redis (%q) but not by CONFIG GET *", name, theirs[name])
			continue
		}
		if got != theirs[name] {
			t.Errorf("%s = %q, Redis says %q", name, got, theirs[name])
		}
	}
	for name := range ours {
		if _, ok := theirs[name]; !ok {
			t.Errorf("%s: returned by CONFIG GET * here but not by Redis", name)
		}
	}
	// Hidden directives only answer to their exact name.
	for _, d := range directives {
		if d.flags&hidden == 0 {
			continue
		}
		want := rc.configGet(t, d.name)
		got, _ := c.Get(d.name)
		if want[d.name] != got {
			t.Errorf("hidden %s = %q, Redis says %q", d.name, got, want[d.name])
		}
	}
	if len(theirs) < 150 {
		t.Errorf("Redis returned only %d directives", len(theirs))
	}
	t.Logf("compared %d names", len(theirs))
}

// setProbes are values tried on every standard directive by
// TestSetMatchesRedis, chosen to hit every parser branch.
var setProbes = []string{
	"", "0", "1", "-1", "-0", "+5", "05", " 5", "5 ", "007", "yes", "no", "YES", "maybe",
	"1k", "1kb", "1KB", "1m", "1mb", "1g", "1gb", "1b", "3x", "kb", "-1kb", "10%", "0%", "100%",
	"101%", "-5%", "%", "0777", "777", "1000", "8", "9", "2147483647", "2147483648",
	"-2147483648", "-2147483649", "4294967295", "4294967296", "9223372036854775807",
	"9223372036854775808", "18446744073709551615", "18446744073709551616",
	"99999999999999999999999", "65535", "65536", "1048576", "1048575", "abc", "a/b", "a\\b",
	"host.example-1", "bad_host!", "{title}", "{title} {port}", "{nope}", "{", "x{{y",
	"{server-mode}", "{title} {listen-addr}",
}

// setSkip lists directives TestSetMatchesRedis must not touch on a live
// Redis: changing them has side effects (sockets, files, memory, auth)
// whose apply step can fail there but not here.
var setSkip = map[string]bool{
	"port": true, "bind": true, "dir": true, "tls-port": true, "maxclients": true,
	"oom-score-adj": true, "oom-score-adj-values": true, "requirepass": true, "masterauth": true,
	"appendonly": true, "maxmemory": true, "watchdog-period": true, "rdb-key-save-delay": true,
	"key-load-delay": true, "use-exit-on-panic": true, "tls-cluster": true, "tls-replication": true,
	"proc-title-template": true, "cluster-announce-hostname": true, "repl-backlog-size": true,
	"maxmemory-clients": true,
}

// TestSetMatchesRedis replays CONFIG SET with many values on every
// mutable directive, on both a real Redis and a Config, and compares the
// replies and the resulting CONFIG GET values.
func TestSetMatchesRedis(t *testing.T) {
	rc, args := startRedis(t, "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	c := New()
	if err := c.LoadArgs(args); err != nil {
		t.Fatal(err)
	}
	probe := func(name, val string) {
		t.Helper()
		before := rc.configGet(t, name)[name]
		reply := rc.do(t, "CONFIG", "SET", name, val)
		err := c.Set([][2]string{{name, val}})
		ours := "OK"
		if err != nil {
			ours = "-" + err.Error()
		}
		if reply != ours {
			t.Errorf("CONFIG SET %s %q: Redis replied %q, we replied %q", name, val, reply, ours)
		}
		want := rc.configGet(t, name)[name]
		if got, _ := c.Get(name); got != want {
			t.Errorf("after CONFIG SET %s %q: Redis has %q, we have %q", name, val, want, got)
		}
		// Restore both sides.
		if reply != "OK" {
			return
		}
		rc.do(t, "CONFIG", "SET", name, before)
		if err := c.Set([][2]string{{name, before}}); err != nil {
			t.Fatalf("restoring %s to %q: %v", name, before, err)
		}
	}
	n := 0
	for _, e := range entries {
		d := e.d
		if d.flags&immutable != 0 || d.flags&protected != 0 {
			// Refused by both sides (with the same words, checked here).
			probe(e.name, rc.configGet(t, e.name)[e.name])
			n++
			continue
		}
		if setSkip[d.name] {
			continue
		}
		values := slices.Clone(setProbes)
		for _, it := range d.items {
			values = append(values, it.name, strings.ToUpper(it.name))
		}
		if d.flags&multiArg != 0 && d.kind == kindEnum {
			values = append(values, "save now", "nosave force now", "save nosave", "default now", "now  force")
		}
		switch d.name {
		case "save":
			values = append(values, "60 1", "60 1 10 2", "60", "60  1", "0 1", "1 0", "1 -1", "60 1 ", "x 1")
		case "client-output-buffer-limit":
			values = append(values, "normal 1 2 3", "replica 1mb 2mb 60", "slave 1kb 2k 0",
				"pubsub 0 0 -1", "master 1 1 1", "normal 1 2", "normal 1 2 3 pubsub 4 5 6",
				"normal x 1 1", "normal 1 1 1x", "NORMAL 1gb 1GB 99")
		case "notify-keyspace-events":
			values = append(values, "KEA", "AKE", "Ex", "K$lshzxetdnm", "AnKEm", "g$", "Q", "KEg$lshzxe", "d")
		case "latency-tracking-info-percentiles":
			values = append(values, "50 99 99.9", "0 100", "100.5", "-1", "1e1", ".5", "5.", "abc",
				"50  99", "99.99999", "0x10", "inf", "nan", "1e-400", "12.3456789")
		}
		for _, v := range values {
			probe(e.name, v)
			n++
		}
	}
	t.Logf("compared %d CONFIG SET probes", n)
}

// TestSetErrorsMatchRedis compares multi-directive CONFIG SET replies.
func TestSetErrorsMatchRedis(t *testing.T) {
	rc, args := startRedis(t, "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	c := New()
	if err := c.LoadArgs(args); err != nil {
		t.Fatal(err)
	}
	cases := [][]string{
		{"foo", "bar"},
		{"maxmemory-policy", "bogus", "foo", "bar"},
		{"daemonize", "yes", "foo", "bar"},
		{"foo", "bar", "daemonize", "yes"},
		{"Daemonize", "yes"},
		{"dir", "/tmp"},
		{"dbfilename", "x.rdb"},
		{"timeout", "1", "TIMEOUT", "2"},
		{"timeout", "x", "hz", "y"},
		{"SLAVE-PRIORITY", "x"},
		{"timeout", "5", "hz", "20", "loglevel", "warning"},
		{"timeout", "6", "hz", "bogus"},
		{"slaveof", "127.0.0.1 1"},
		{"lua-time-limit", "bogus"},
		{"hz", "1000"},
		{"hz", "0"},
		{"hz", "-1"},
	}
	for _, cs := range cases {
		reply := rc.do(t, append([]string{"CONFIG", "SET"}, cs...)...)
		var pairs [][2]string
		for i := 0; i+1 < len(cs); i += 2 {
			pairs = append(pairs, [2]string{cs[i], cs[i+1]})
		}
		ours := "OK"
		if err := c.Set(pairs); err != nil {
			ours = "-" + err.Error()
		}
		if reply != ours {
			t.Errorf("CONFIG SET %q: Redis replied %q, we replied %q", cs, reply, ours)
		}
	}
	theirs := rc.configGet(t, "timeout", "hz", "loglevel")
	for name, want := range theirs {
		if got, _ := c.Get(name); got != want {
			t.Errorf("%s = %q, Redis has %q", name, got, want)
		}
	}
}

// TestGetPatternsMatchRedis compares CONFIG GET with several patterns.
func TestGetPatternsMatchRedis(t *testing.T) {
	rc, args := startRedis(t, "--save", "", "--dir", t.TempDir())
	c := New()
	if err := c.LoadArgs(args); err != nil {
		t.Fatal(err)
	}
	cases := [][]string{
		{"maxmemory", "maxmemory*", "bind", "*of"},
		{"MAXMEMORY"},
		{"MAXMEMORY", "maxmemory"},
		{"maxmemory", "MAXMEMORY"},
		{"SLAVE*"},
		{"*ziplist*"},
		{"key-load-delay"},
		{"key-load-*"},
		{"[a-c]*", "*[!]"},
		{"?z"},
		{"nosuch"},
		{"lua*", "busy*"},
		{"*"},
	}
	for _, pats := range cases {
		want := rc.configGet(t, pats...)
		got := map[string]string{}
		for _, p := range c.GetPatterns(pats) {
			if _, dup := got[p[0]]; dup {
				t.Errorf("CONFIG GET %q: %s returned twice", pats, p[0])
			}
			got[p[0]] = p[1]
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("CONFIG GET %q:\n got %v\nwant %v", pats, got, want)
		}
	}
}

// startupError runs redis-server with args and returns what it printed on
// standard error, expecting it to exit with status 1.
func startupError(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("redis-server %q: expected exit status 1, got %v\n%s", args, err, stderr.String())
	}
	return strings.TrimSuffix(stderr.String(), "\n")
}

// TestStartupErrorsMatchRedis compares fatal configuration errors, from
// files and from the command line, with redis-server's output.
func TestStartupErrorsMatchRedis(t *testing.T) {
	bin := redisServerPath(t)
	dir := t.TempDir()
	files := []string{
		"port 0\nmaxmemory foo\n",
		"port 0\n# comment\n\n   loglevel   \"bogus\"  \n",
		"port 0\nsave 900\n",
		"port 0\nport \"abc\n",
		"port 0\nport 'a'b\n",
		"port 0\nfoo bar\n",
		"port 0\ndaemonize\n",
		"port 0\nlist-max-ziplist-entries 1 2\n",
		"port 0\nlist-max-ziplist-entries 512\nhz abc\n",
		"port 0\nclient-output-buffer-limit master 1 1 1\n",
		"port 0\noom-score-adj-values 1 2\n",
		"port 0\nnotify-keyspace-events Q\n",
		"port 0\nreplicaof localhost 99999\n",
		"port 0\nshutdown-on-sigint save nosave\n",
		"port 0\nunixsocketperm 0800\n",
		"port 0\nappendfilename a/b\n",
		"port 0\nsentinel monitor x\n",
		"port 0\nlatency-tracking-info-percentiles 101\n",
		"port 0\nmaxmemory-clients 101%\n",
		"port 0\nDATABASES 0\n",
		"port 0\nproc-title-template \"{oops}\"\n",
		"port 0\nlogfile /nonexistent/dir/x.log\n",
		"port 0\ncluster-enabled yes\nreplicaof 127.0.0.1 6379\n",
		"port 0\nfoo.bar\n",
		"port 0\nbind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
	}
	for i, text := range files {
		path := filepath.Join(dir, fmt.Sprintf("case%d.conf", i))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		want := startupError(t, bin, path)
		c := New()
		err := c.LoadFile(path)
		if err == nil {
			t.Errorf("%q: no error, redis-server says %q", text, want)
			continue
		}
		if err.Error() != want {
			t.Errorf("%q:\n got %q\nwant %q", text, err.Error(), want)
		}
	}

	argCases := [][]string{
		{"--port", "0", "--maxmemory", "foo"},
		{"--port"},
		{"--port", "6380", "--loglevel"},
		{"--port", "6379", "6380"},
		{"--port", "--loglevel", "verbose"},
		{"--port", "--bla", "--loglevel", "verbose"},
		{"--logfile", "--my--log--file", "--loglevel", "--bla"},
		{"--shutdown-on-sigint"},
		{"--shutdown-on-sigint", "now force", "--shutdown-on-sigterm"},
		{"--replicaof", "127.0.0.1", "abc"},
		{"--replicaof", "--127.0.0.1", "abc"},
		{"--replicaof", "--127.0.0.1", "--abc"},
		{"--port 0", "--save", "--maxmemory", "x"},
		{"--port", "0", "--save", "1"},
		{"--port", "0", "--bogus", "a b", "c"},
		{"--port", "0", "--maxmemory", "1\"x"},
	}
	for _, args := range argCases {
		want := startupError(t, bin, args...)
		c := New()
		err := c.LoadArgs(args)
		if err == nil {
			t.Errorf("%q: no error, redis-server says %q", args, want)
			continue
		}
		if err.Error() != want {
			t.Errorf("%q:\n got %q\nwant %q", args, err.Error(), want)
		}
	}

	// A file followed by options: line numbers continue after the file.
	path := filepath.Join(dir, "base.conf")
	if err := os.WriteFile(path, []byte("port 0\n# two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := startupError(t, bin, path, "--maxmemory", "foo")
	c := New()
	if err := c.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if err := c.LoadArgs([]string{"--maxmemory", "foo"}); err == nil || err.Error() != want {
		t.Errorf("file + args: got %v, want %q", err, want)
	}
}

// TestArgsMatchRedis starts redis-server with the option layouts of
// Redis's own test suite and compares the resulting values.
func TestArgsMatchRedis(t *testing.T) {
	cases := [][]string{
		{"--maxmemory 700mb", "--maxmemory-policy volatile-lru"},
		{"--maxmemory '700mb'", "--maxmemory-policy 'volatile-lru'"},
		{"--proc-title-template", "--my--title--template", "--loglevel", "verbose"},
		{"--save", "--loglevel", "verbose"},
		{"--loglevel", "verbose", "--save"},
		{"--save", "", "--loglevel", "verbose"},
		{"--proc-title-template", "--save", "--save", "", "--loglevel", "verbose"},
		{"--shutdown-on-sigint", "nosave", "force", "now", "--shutdown-on-sigterm", "nosave force"},
		{"--save", "100", "100", "--save", "200 200"},
		{"--client-output-buffer-limit", "normal 1mb 2mb 3", "--client-output-buffer-limit", "pubsub", "1", "2", "3"},
		{"--notify-keyspace-events", "KEA", "--bind", "127.0.0.1", "::1"},
		{"--sentinel", "--hz", "1000"},
		{"--latency-tracking-info-percentiles", "1.5 2.25", "--oom-score-adj-values", "1 2 3"},
	}
	for _, args := range cases {
		full := append([]string{"--dir", t.TempDir()}, args...)
		if slices.Contains(args, "--sentinel") {
			full = slices.DeleteFunc(full, func(s string) bool { return s == "--sentinel" })
		}
		rc, redisArgs := startRedis(t, full...)
		theirs := rc.configGet(t, "*")
		c := New()
		if err := c.LoadArgs(redisArgs); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		for _, p := range c.GetPatterns([]string{"*"}) {
			if theirs[p[0]] != p[1] {
				t.Errorf("%q: %s = %q, Redis says %q", args, p[0], p[1], theirs[p[0]])
			}
		}
	}
}

// TestRewriteMatchesRedis rewrites the same file with Redis and with a
// Config after the same changes, and compares the results. Lines Redis
// appends come in hash-table order, so that part is compared as a set.
func TestRewriteMatchesRedis(t *testing.T) {
	dir := t.TempDir()
	text := "# top comment\n" +
		"bind 127.0.0.1\n\n\n# another comment\n" +
		"slave-read-only yes\nsave 900 1\nsave 300 10\n" +
		"list-max-ziplist-entries 512\nmaxmemory 1gb\n" +
		"rename-command FLUSHALL \"\"\nhash-max-ziplist-entries 100\n" +
		"logfile \"\"\nnotify-keyspace-events \"\"\n" +
		"   timeout   7  \nTimeout 8\nunknown-directive 1\n" +
		"include " + filepath.Join(dir, "inc.conf") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "inc.conf"), []byte("tcp-keepalive 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	redisFile := filepath.Join(dir, "redis.conf")
	oursFile := filepath.Join(dir, "ours.conf")
	// Redis refuses unknown directives at start-up, so it starts from a
	// file without that line, which is added back before the rewrite.
	startText := strings.Replace(text, "unknown-directive 1\n", "", 1)
	for _, f := range []string{redisFile, oursFile} {
		if err := os.WriteFile(f, []byte(startText), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rc, args := startRedis(t, redisFile, "--dir", dir)
	c := New()
	if err := c.LoadFile(oursFile); err != nil {
		t.Fatal(err)
	}
	if err := c.LoadArgs(args[1:]); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{redisFile, oursFile} {
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	changes := [][2]string{
		{"maxmemory", "100mb"}, {"hz", "20"}, {"replica-read-only", "no"},
		{"client-output-buffer-limit", "pubsub 1mb 2mb 3"}, {"notify-keyspace-events", "KEA"},
		{"maxmemory-clients", "5%"}, {"masteruser", "a b\"c"}, {"save", "900 1 60 5 10 100"},
		{"shutdown-on-sigterm", "nosave now"}, {"maxmemory-policy", "allkeys-lru"},
	}
	for _, ch := range changes {
		if r := rc.do(t, "CONFIG", "SET", ch[0], ch[1]); r != "OK" {
			t.Fatalf("redis CONFIG SET %v: %v", ch, r)
		}
	}
	if err := c.Set(changes); err != nil {
		t.Fatal(err)
	}
	if r := rc.do(t, "CONFIG", "REWRITE"); r != "OK" {
		t.Fatalf("redis CONFIG REWRITE: %v", r)
	}
	if err := c.Rewrite(""); err != nil {
		t.Fatal(err)
	}
	theirs, _ := os.ReadFile(redisFile)
	ours, _ := os.ReadFile(oursFile)
	split := func(b []byte) (head []string, tail []string) {
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			if l == rewriteSignature {
				tail = slices.DeleteFunc(slices.Clone(lines[i+1:]), func(s string) bool {
					return strings.HasPrefix(s, "user ") || s == ""
				})
				sort.Strings(tail)
				return lines[:i+1], tail
			}
		}
		return lines, nil
	}
	th, tt := split(theirs)
	oh, ot := split(ours)
	if strings.Join(th, "\n") != strings.Join(oh, "\n") {
		t.Errorf("rewritten file head differs:\n--- redis\n%s\n--- ours\n%s", strings.Join(th, "\n"), strings.Join(oh, "\n"))
	}
	if strings.Join(tt, "\n") != strings.Join(ot, "\n") {
		t.Errorf("appended lines differ:\n--- redis\n%s\n--- ours\n%s", strings.Join(tt, "\n"), strings.Join(ot, "\n"))
	}
}
