package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// redisDefaults are CONFIG GET values of a stock Redis 7.0.15 (Debian
// build) started with no configuration at all.
var redisDefaults = map[string]string{
	"acl-pubsub-default":                    "resetchannels",
	"activedefrag":                          "no",
	"active-defrag-ignore-bytes":            "104857600",
	"aof-use-rdb-preamble":                  "yes",
	"appenddirname":                         "appendonlydir",
	"appendfilename":                        "appendonly.aof",
	"appendfsync":                           "everysec",
	"appendonly":                            "no",
	"auto-aof-rewrite-min-size":             "67108864",
	"bind":                                  "* -::*",
	"busy-reply-threshold":                  "5000",
	"client-output-buffer-limit":            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
	"client-query-buffer-limit":             "1073741824",
	"cluster-config-file":                   "nodes.conf",
	"cluster-node-timeout":                  "15000",
	"cluster-slave-validity-factor":         "10",
	"daemonize":                             "no",
	"databases":                             "16",
	"dbfilename":                            "dump.rdb",
	"enable-protected-configs":              "no",
	"hash-max-listpack-entries":             "512",
	"hash-max-ziplist-value":                "64",
	"hz":                                    "10",
	"latency-tracking-info-percentiles":     "50 99 99.9",
	"list-max-listpack-size":                "-2",
	"list-max-ziplist-size":                 "-2",
	"logfile":                               "",
	"loglevel":                              "notice",
	"lua-time-limit":                        "5000",
	"masterauth":                            "",
	"maxclients":                            "10000",
	"maxmemory":                             "0",
	"maxmemory-clients":                     "0",
	"maxmemory-policy":                      "noeviction",
	"notify-keyspace-events":                "",
	"oom-score-adj":                         "no",
	"oom-score-adj-values":                  "0 200 800",
	"pidfile":                               "",
	"port":                                  "6379",
	"proc-title-template":                   "{title} {listen-addr} {server-mode}",
	"protected-mode":                        "yes",
	"proto-max-bulk-len":                    "536870912",
	"repl-backlog-size":                     "1048576",
	"repl-backlog-ttl":                      "3600",
	"repl-diskless-load":                    "disabled",
	"replica-read-only":                     "yes",
	"replicaof":                             "",
	"requirepass":                           "",
	"save":                                  "3600 1 300 100 60 10000",
	"shutdown-on-sigint":                    "default",
	"slave-priority":                        "100",
	"slaveof":                               "",
	"slowlog-log-slower-than":               "10000",
	"stream-node-max-bytes":                 "4096",
	"supervised":                            "no",
	"syslog-facility":                       "local0",
	"syslog-ident":                          "redis",
	"tcp-backlog":                           "511",
	"timeout":                               "0",
	"tls-auth-clients":                      "yes",
	"tls-session-cache-size":                "20480",
	"unixsocket":                            "",
	"unixsocketperm":                        "0",
	"zset-max-ziplist-entries":              "128",
	"key-load-delay":                        "0",
	"loading-process-events-interval-bytes": "2097152",
}

func TestDefaults(t *testing.T) {
	c := New()
	for name, want := range redisDefaults {
		got, ok := c.Get(name)
		if !ok || got != want {
			t.Errorf("Get(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	wd, _ := os.Getwd()
	wd, _ = filepath.EvalSymlinks(wd)
	if got, _ := c.Get("dir"); got != wd {
		t.Errorf("dir = %q, want %q", got, wd)
	}
}

func TestTable(t *testing.T) {
	c := New()
	names := c.Names()
	if len(names) != 178 {
		t.Errorf("%d directives, want 178 (Redis 7.0.15 with TLS)", len(names))
	}
	aliases := 0
	for _, name := range names {
		info, ok := c.Lookup(name)
		if !ok || info.Name != name {
			t.Fatalf("Lookup(%q) = %+v, %v", name, info, ok)
		}
		if name != strings.ToLower(name) {
			t.Errorf("%q is not lower case", name)
		}
		if info.Alias != "" {
			aliases++
			if a, _ := c.Lookup(strings.ToUpper(info.Alias)); a.Name != name {
				t.Errorf("alias %q does not resolve to %q", info.Alias, name)
			}
		}
		// Every default must be accepted back by its own parser.
		d := lookup(name).d
		if d.flags&immutable == 0 && d.flags&protected == 0 {
			def := info.Default
			if err := c.Set([][2]string{{name, def}}); err != nil {
				t.Errorf("setting %s to its default %q: %v", name, def, err)
			}
		}
	}
	if aliases != 19 {
		t.Errorf("%d aliases, want 19", aliases)
	}
	for _, name := range []string{"slaveof", "slave-read-only", "hash-max-ziplist-entries", "lua-time-limit", "list-max-ziplist-size", "zset-max-ziplist-value"} {
		if lookup(name) == nil || !lookup(name).alias {
			t.Errorf("%s should be an alias", name)
		}
	}
	checks := map[string][2]bool{ // name -> mutable, protected
		"daemonize": {false, false}, "dir": {true, true}, "dbfilename": {true, true},
		"maxmemory": {true, false}, "replicaof": {false, false}, "SLAVEOF": {false, false},
		"unixsocketperm": {false, false}, "appendonly": {true, false},
	}
	for name, want := range checks {
		info, _ := c.Lookup(name)
		if c.Mutable(name) != want[0] || info.Protected != want[1] {
			t.Errorf("%s: mutable=%v protected=%v, want %v", name, c.Mutable(name), info.Protected, want)
		}
	}
	if c.Mutable("nosuch") {
		t.Error("unknown directive reported mutable")
	}
}

func TestTypedAccessors(t *testing.T) {
	c := New()
	if err := c.LoadString(strings.Join([]string{
		"maxmemory 2gb", "appendonly yes", "loglevel warning", "maxmemory-clients 10%",
		"save 100 10", "save 50 5", "bind 10.0.0.1 ::1", "notify-keyspace-events Kx",
		"replicaof 10.0.0.2 6380", "oom-score-adj-values 1 2 3",
		"client-output-buffer-limit replica 1mb 2kb 5",
		"latency-tracking-info-percentiles 50 99.99", "unixsocketperm 700",
		"maxmemory 18446744073709551615",
	}, "\n")); err != nil {
		t.Fatal(err)
	}
	if c.Uint("maxmemory") != 18446744073709551615 || c.Int("maxmemory") != -1 {
		t.Errorf("maxmemory = %d", c.Uint("maxmemory"))
	}
	if !c.Bool("appendonly") || c.Bool("daemonize") {
		t.Error("bools")
	}
	if c.Int("loglevel") != 3 || c.String("loglevel") != "warning" {
		t.Error("loglevel")
	}
	if c.Int("maxmemory-clients") != -10 || c.String("maxmemory-clients") != "10%" {
		t.Error("maxmemory-clients percent")
	}
	if c.Int("unixsocketperm") != 0o700 || c.String("unixsocketperm") != "700" {
		t.Error("unixsocketperm")
	}
	if got := c.SaveParams(); !slices.Equal(got, []SaveParam{{100, 10}, {50, 5}}) {
		t.Errorf("save = %v", got)
	}
	if got := c.BindAddrs(); !slices.Equal(got, []string{"10.0.0.1", "::1"}) {
		t.Errorf("bind = %v", got)
	}
	if got := c.NotifyKeyspaceEvents(); got != NotifyKeyspace|NotifyExpired {
		t.Errorf("notify = %b", got)
	}
	if h, p, ok := c.ReplicaOf(); h != "10.0.0.2" || p != 6380 || !ok {
		t.Errorf("replicaof = %q %d %v", h, p, ok)
	}
	if got := c.OOMScoreAdjValues(); got != [3]int{1, 2, 3} {
		t.Errorf("oom = %v", got)
	}
	if got := c.OutputBufferLimits()[ClientReplica]; got != (OutputBufferLimit{1 << 20, 2048, 5}) {
		t.Errorf("obuf = %v", got)
	}
	if got := c.LatencyPercentiles(); !slices.Equal(got, []float64{50, 99.99}) {
		t.Errorf("percentiles = %v", got)
	}
	// Returned slices are copies.
	c.BindAddrs()[0] = "changed"
	c.SaveParams()[0].Seconds = 1
	if c.String("bind") != "10.0.0.1 ::1" || c.String("save") != "100 10 50 5" {
		t.Error("accessor results alias internal state")
	}
	defer func() {
		if recover() == nil {
			t.Error("Int on an unknown directive should panic")
		}
	}()
	c.Int("no-such-directive")
}

func TestGetFormatting(t *testing.T) {
	cases := []struct{ set, name, want string }{
		{"maxmemory 1gb", "maxmemory", "1073741824"},
		{"maxmemory 1g", "maxmemory", "1000000000"},
		{"maxmemory 10KB", "maxmemory", "10240"},
		{"maxmemory-clients 5%", "maxmemory-clients", "5%"},
		{"maxmemory-clients 5mb", "maxmemory-clients", "5242880"},
		{"hz 1000", "hz", "500"},
		{"hz 0", "hz", "1"},
		{"notify-keyspace-events KEA", "notify-keyspace-events", "AKE"},
		{"notify-keyspace-events AnKEm", "notify-keyspace-events", "AKEm"},
		{"notify-keyspace-events lgsn", "notify-keyspace-events", "glsn"},
		{"notify-keyspace-events g$lshzxetd", "notify-keyspace-events", "A"},
		{"save \"\"", "save", ""},
		{"save 10 1", "save", "10 1"},
		{"bind \"\"", "bind", ""},
		{"oom-score-adj relative", "oom-score-adj", "yes"},
		{"shutdown-on-sigint force now nosave", "shutdown-on-sigint", "nosave now force"},
		{"shutdown-on-sigterm \"default save\"", "shutdown-on-sigterm", "save"},
		{"acl-pubsub-default allchannels", "acl-pubsub-default", "allchannels"},
		{"client-output-buffer-limit \"normal 1k 1kb 0 pubsub 0 0 0\"", "client-output-buffer-limit",
			"normal 1000 1024 0 slave 268435456 67108864 60 pubsub 0 0 0"},
		{"latency-tracking-info-percentiles 0.000001 100 12.5", "latency-tracking-info-percentiles", "0.000001 100 12.5"},
		{"latency-tracking-info-percentiles \"\"", "latency-tracking-info-percentiles", ""},
		{"replicaof NO ONE", "replicaof", ""},
		{"slaveof h 1", "replicaof", "h 1"},
		{"requirepass \"a\\x00b\"", "requirepass", "a\x00b"},
		{"masteruser \"a\\x00b\"", "masteruser", "a"},
		{"unixsocketperm 0", "unixsocketperm", "0"},
		{"loglevel VERBOSE", "loglevel", "verbose"},
	}
	for _, tc := range cases {
		c := New()
		if err := c.LoadString(tc.set); err != nil {
			t.Errorf("%s: %v", tc.set, err)
			continue
		}
		if got, _ := c.Get(tc.name); got != tc.want {
			t.Errorf("after %q: %s = %q, want %q", tc.set, tc.name, got, tc.want)
		}
	}
}

func TestGetPatterns(t *testing.T) {
	c := New()
	got := c.GetPatterns([]string{"maxmemory", "maxmemory*", "bind", "*of", "MAXMEMORY", "nosuch", "key-load-*"})
	var names []string
	for _, p := range got {
		names = append(names, p[0])
	}
	want := []string{"maxmemory", "maxmemory-policy", "maxmemory-samples", "maxmemory-eviction-tenacity",
		"maxmemory-clients", "bind", "replicaof", "slaveof"}
	if !slices.Equal(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	if got := c.GetPatterns([]string{"Key-Load-Delay"}); len(got) != 1 || got[0] != [2]string{"Key-Load-Delay", "0"} {
		t.Errorf("hidden by exact name: %q", got)
	}
	if got := c.GetPatterns([]string{"SLAVE-READ*"}); len(got) != 1 || got[0][0] != "slave-read-only" {
		t.Errorf("alias pattern: %q", got)
	}
	if n := len(c.GetPatterns([]string{"*"})); n != 192 {
		t.Errorf("CONFIG GET * returned %d names, want 192 (178 + 19 aliases - 5 hidden)", n)
	}
}

func TestSetErrors(t *testing.T) {
	cases := []struct {
		pairs [][2]string
		want  string
	}{
		{[][2]string{{"foo", "bar"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[][2]string{{"maxmemory", "x"}, {"Foo", "bar"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'Foo'"},
		{[][2]string{{"daemonize", "yes"}}, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"},
		{[][2]string{{"SlaveOf", "a 1"}}, "ERR CONFIG SET failed (possibly related to argument 'SlaveOf') - can't set immutable config"},
		{[][2]string{{"daemonize", "yes"}, {"foo", "1"}}, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"},
		{[][2]string{{"dir", "/"}}, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"},
		{[][2]string{{"dbfilename", "x"}}, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"},
		{[][2]string{{"maxmemory", "foo"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[][2]string{{"MAXMEMORY", "foo"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[][2]string{{"maxmemory", "1"}, {"maxmemory", "2"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter"},
		{[][2]string{{"replica-read-only", "yes"}, {"SLAVE-READ-ONLY", "no"}}, "ERR CONFIG SET failed (possibly related to argument 'SLAVE-READ-ONLY') - duplicate parameter"},
		{[][2]string{{"slave-priority", "x"}}, "ERR CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer"},
		{[][2]string{{"port", "70000"}}, "ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive"},
		{[][2]string{{"maxclients", "0"}}, "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive"},
		{[][2]string{{"hash-max-listpack-entries", "-1"}}, "ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - argument must be between 0 and 9223372036854775807 inclusive"},
		{[][2]string{{"maxmemory-clients", "101%"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100"},
		{[][2]string{{"maxmemory-clients", "x"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value"},
		{[][2]string{{"appendonly", "maybe"}}, "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"},
		{[][2]string{{"loglevel", "loud"}}, "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning"},
		{[][2]string{{"save", "60"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[][2]string{{"save", "0 1"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
		{[][2]string{{"client-output-buffer-limit", "normal 1 1"}}, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration."},
		{[][2]string{{"client-output-buffer-limit", "master 1 1 1"}}, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration."},
		{[][2]string{{"client-output-buffer-limit", "normal 1 1 x"}}, "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{[][2]string{{"notify-keyspace-events", "Q"}}, "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
		{[][2]string{{"oom-score-adj-values", "1 2"}}, "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments"},
		{[][2]string{{"oom-score-adj-values", "1 2 3000"}}, "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Invalid oom-score-adj-values, elements must be between -2000 and 2000."},
		{[][2]string{{"bind", strings.Repeat("a ", 16) + "a"}}, "ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses specified."},
		{[][2]string{{"shutdown-on-sigint", "save nosave"}}, "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously"},
		{[][2]string{{"latency-tracking-info-percentiles", "x"}}, "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid latency-tracking-info-percentiles parameters"},
		{[][2]string{{"latency-tracking-info-percentiles", "101"}}, "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
		{[][2]string{{"cluster-announce-hostname", "a_b"}}, "ERR CONFIG SET failed (possibly related to argument 'cluster-announce-hostname') - Hostnames may only contain alphanumeric characters, hyphens or dots"},
		{[][2]string{{"proc-title-template", "{x}"}}, "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or contains unknown variables"},
		{[][2]string{{"activedefrag", "yes"}}, "ERR CONFIG SET failed (possibly related to argument 'activedefrag') - Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution"},
	}
	for _, tc := range cases {
		c := New()
		err := c.Set(tc.pairs)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Set(%q) = %v\nwant %s", tc.pairs, err, tc.want)
		}
	}
}

func TestSetProtectedAndLoading(t *testing.T) {
	dir := t.TempDir()
	real, _ := filepath.EvalSymlinks(dir)
	for _, mode := range []string{"yes", "local"} {
		c := New()
		if err := c.LoadString("enable-protected-configs " + mode); err != nil {
			t.Fatal(err)
		}
		err := c.SetWithOptions([][2]string{{"dir", dir}}, SetOptions{LocalClient: false})
		if mode == "local" {
			if err == nil || !strings.Contains(err.Error(), "can't set protected config") {
				t.Errorf("local mode, remote client: %v", err)
			}
			err = c.SetWithOptions([][2]string{{"dir", dir}}, SetOptions{LocalClient: true})
		}
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if c.String("dir") != real {
			t.Errorf("dir = %q, want %q", c.String("dir"), real)
		}
		err = c.SetWithOptions([][2]string{{"dir", "/nonexistent/x"}}, SetOptions{LocalClient: true})
		if err == nil || err.Error() != "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory" {
			t.Errorf("bad dir: %v", err)
		}
		err = c.SetWithOptions([][2]string{{"dir", "/"}}, SetOptions{LocalClient: true, Loading: true})
		if err == nil || err.Error() != "LOADING Redis is loading the dataset in memory" {
			t.Errorf("loading: %v", err)
		}
	}
	// Relative dir resolves against the current one.
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	c := New()
	if err := c.LoadString("dir " + dir + "\ndir sub"); err != nil {
		t.Fatal(err)
	}
	if c.String("dir") != filepath.Join(real, "sub") {
		t.Errorf("relative dir = %q", c.String("dir"))
	}
}

func TestSetAtomic(t *testing.T) {
	c := New()
	err := c.Set([][2]string{{"maxmemory", "10000001"}, {"maxmemory-clients", "200%"}, {"client-query-buffer-limit", "invalid"}})
	if err == nil || !strings.Contains(err.Error(), "'maxmemory-clients'") {
		t.Fatalf("err = %v", err)
	}
	for name, want := range map[string]string{"maxmemory": "0", "maxmemory-clients": "0", "client-query-buffer-limit": "1073741824"} {
		if got := c.String(name); got != want {
			t.Errorf("%s = %q after failed set, want %q", name, got, want)
		}
	}
	if err := c.Set([][2]string{{"maxmemory", "10000001"}, {"repl-backlog-size", "10000002"}, {"save", "3000 5"}}); err != nil {
		t.Fatal(err)
	}
	if c.String("maxmemory") != "10000001" || c.String("repl-backlog-size") != "10000002" || c.String("save") != "3000 5" {
		t.Error("multi set not applied")
	}
}

func TestApplyHooksAndRollback(t *testing.T) {
	c := New()
	var log []string
	hook := func(name string, fail bool) func(string) error {
		return func(v string) error {
			log = append(log, name+"="+v)
			if fail && v == "bad" {
				return errors.New("Unable to listen on this port. Check server logs.")
			}
			return nil
		}
	}
	c.OnApply("maxmemory", hook("maxmemory", false))
	c.OnApply("timeout", hook("timeout", false))
	c.OnApply("SLAVE-ANNOUNCE-IP", hook("announce", true)) // via alias
	c.OnApply("hz", hook("hz", false))

	// Unchanged values do not run hooks.
	if err := c.Set([][2]string{{"timeout", "0"}, {"maxmemory", "1mb"}}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"maxmemory=1048576"}; !slices.Equal(log, want) {
		t.Errorf("hooks = %q, want %q", log, want)
	}

	// A failing hook rolls everything back and re-applies old values.
	log = nil
	err := c.Set([][2]string{{"maxmemory", "2mb"}, {"replica-announce-ip", "bad"}, {"timeout", "5"}})
	want := "ERR CONFIG SET failed (possibly related to argument 'replica-announce-ip') - Unable to listen on this port. Check server logs."
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v", err)
	}
	if wantLog := []string{"maxmemory=2097152", "announce=bad", "maxmemory=1048576", "announce="}; !slices.Equal(log, wantLog) {
		t.Errorf("hooks = %q, want %q", log, wantLog)
	}
	if c.String("maxmemory") != "1048576" || c.String("timeout") != "0" || c.String("replica-announce-ip") != "" {
		t.Error("values not rolled back")
	}

	// The error names the alias when the alias was used.
	err = c.Set([][2]string{{"SLAVE-ANNOUNCE-IP", "bad"}})
	if err == nil || !strings.Contains(err.Error(), "'slave-announce-ip'") {
		t.Errorf("err = %v", err)
	}

	// Hooks see the normalised value.
	log = nil
	if err := c.Set([][2]string{{"hz", "1000"}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(log, []string{"hz=500"}) {
		t.Errorf("hooks = %q", log)
	}

	// An error with empty text gives Redis's short form.
	c.OnApply("port", func(string) error { return errors.New("") })
	err = c.Set([][2]string{{"port", "1"}})
	if err == nil || err.Error() != "ERR CONFIG SET failed (possibly related to argument 'port')" {
		t.Errorf("err = %v", err)
	}
}

func TestUpdate(t *testing.T) {
	c := New()
	if err := c.Update("replicaof", "10.1.1.1 7000"); err != nil {
		t.Fatal(err)
	}
	if got := c.String("slaveof"); got != "10.1.1.1 7000" {
		t.Errorf("replicaof = %q", got)
	}
	if err := c.Update("replicaof", "10.1.1.1 x"); err == nil || err.Error() != "Invalid master port" {
		t.Errorf("err = %v", err)
	}
	if err := c.Update("nosuch", "1"); err == nil {
		t.Error("expected error")
	}
}

func TestConcurrentAccess(t *testing.T) {
	c := New()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				switch j % 4 {
				case 0:
					_ = c.Set([][2]string{{"maxmemory", fmt.Sprint(j)}, {"timeout", fmt.Sprint(i)}})
				case 1:
					_ = c.Int("maxmemory")
					_ = c.GetPatterns([]string{"max*"})
				case 2:
					_, _ = c.Get("timeout")
					_ = c.SaveParams()
				case 3:
					_ = c.LoadString("hz 20")
				}
			}
		}(i)
	}
	wg.Wait()
}
