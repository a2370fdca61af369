package server

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// infoField extracts "name:value" from INFO text.
func infoField(info, name string) (string, bool) {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v, true
		}
	}
	return "", false
}

func TestInfoSections(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	for _, args := range [][]string{{"INFO"}, {"INFO", "all"}, {"INFO", "default"}, {"INFO", "everything"}} {
		info := c.do(args...).str
		for _, f := range []string{"redis_version:7.0.15", "used_cpu_user:", "used_memory:", "role:master", "connected_clients:1", "loading:0"} {
			if !strings.Contains(info, f) {
				t.Errorf("%v: missing %q", args, f)
			}
		}
		hasStats := strings.Contains(info, "# Commandstats")
		if wantStats := len(args) == 2 && args[1] != "default"; hasStats != wantStats {
			t.Errorf("%v: commandstats present=%v", args, hasStats)
		}
		if strings.Contains(info, "sentinel_tilt") {
			t.Errorf("%v: sentinel fields", args)
		}
	}
	info := c.do("INFO", "cpu").str
	if !strings.HasPrefix(info, "# CPU\r\n") || strings.Contains(info, "used_memory") {
		t.Fatalf("INFO cpu = %q", info)
	}
	if got := c.do("INFO", "sentinel").str; got != "" {
		t.Fatalf("INFO sentinel = %q", got)
	}
	// Several sections, case-insensitively, each once, blank line between.
	info = c.do("INFO", "CPU", "Server", "cpu").str
	if strings.Count(info, "# CPU") != 1 || !strings.Contains(info, "\r\n\r\n# CPU\r\n") || !strings.HasPrefix(info, "# Server\r\n") {
		t.Fatalf("INFO cpu server = %q", info)
	}
	// Every line is "field:value" or a header, ending in CRLF.
	info = c.do("INFO", "everything").str
	line := regexp.MustCompile(`^(# [A-Za-z]+|[a-z0-9_]+:[^\r\n]*|)$`)
	for _, l := range strings.Split(strings.TrimSuffix(info, "\r\n"), "\r\n") {
		if !line.MatchString(l) {
			t.Errorf("bad INFO line %q", l)
		}
	}
	if port, _ := infoField(info, "tcp_port"); !strings.HasSuffix(s.Addr(), ":"+port) {
		t.Errorf("tcp_port %s, addr %s", port, s.Addr())
	}
}

func TestInfoRESP3Verbatim(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	c.do("HELLO", "3")
	r := c.do("INFO", "server")
	if r.kind != '=' || !strings.HasPrefix(r.str, "# Server") {
		t.Fatalf("INFO in RESP3 = %c %q", r.kind, r.str)
	}
}

func TestInfoStatsAndKeyspace(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	c.do("SET", "a", "1")
	c.do("SET", "b", "1")
	c.do("EXPIRE", "b", "100")
	c.do("GET", "a")
	c.do("GET", "nosuch")
	c.do("GET")       // rejected: arity
	c.do("INCR", "x") // ok
	c.do("SET", "s", "str")
	c.do("INCR", "s") // failed: not an integer
	info := c.do("INFO", "all").str
	want := map[string]string{
		"keyspace_hits":               "1",
		"keyspace_misses":             "1",
		"db0":                         "keys=4,expires=1,avg_ttl=0",
		"cmdstat_get":                 "calls=2,usec=*,usec_per_call=*,rejected_calls=1,failed_calls=0",
		"cmdstat_incr":                "calls=2,usec=*,usec_per_call=*,rejected_calls=0,failed_calls=1",
		"errorstat_ERR":               "count=2",
		"total_error_replies":         "2",
		"rdb_changes_since_last_save": "*",
	}
	for k, pat := range want {
		v, ok := infoField(info, k)
		re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pat), `\*`, "[0-9.]+") + "$"
		if !ok || !regexp.MustCompile(re).MatchString(v) {
			t.Errorf("%s = %q (present %v), want %s", k, v, ok, pat)
		}
	}
	// Subcommands are reported as parent|sub.
	c.do("CONFIG", "GET", "maxmemory")
	if v, ok := infoField(c.do("INFO", "commandstats").str, "cmdstat_config|get"); !ok || !strings.HasPrefix(v, "calls=1,") {
		t.Errorf("cmdstat_config|get = %q", v)
	}
	// CONFIG RESETSTAT clears them.
	c.do("CONFIG", "RESETSTAT")
	info = c.do("INFO", "all").str
	if _, ok := infoField(info, "cmdstat_get"); ok {
		t.Errorf("cmdstat_get survives RESETSTAT")
	}
	if _, ok := infoField(info, "errorstat_ERR"); ok {
		t.Errorf("errorstat_ERR survives RESETSTAT")
	}
	if v, _ := infoField(info, "total_error_replies"); v != "0" {
		t.Errorf("total_error_replies = %s", v)
	}
	if v, _ := infoField(info, "keyspace_hits"); v != "0" {
		t.Errorf("keyspace_hits = %s", v)
	}
}

func TestInfoLatencystats(t *testing.T) {
	s := startTestServer(t, "--enable-debug-command", "yes")
	c := dialTest(t, s)
	c.do("CONFIG", "RESETSTAT")
	c.do("CONFIG", "SET", "latency-tracking", "no")
	c.do("SET", "a", "b")
	if _, ok := infoField(c.do("INFO", "latencystats").str, "latency_percentiles_usec_set"); ok {
		t.Fatal("latency recorded while tracking is off")
	}
	c.do("CONFIG", "SET", "latency-tracking", "yes")
	c.do("SET", "a", "b")
	v, ok := infoField(c.do("INFO", "latencystats").str, "latency_percentiles_usec_set")
	if !ok || !regexp.MustCompile(`^p50=[0-9]+\.[0-9]{3},p99=[0-9]+\.[0-9]{3},p99\.9=[0-9]+\.[0-9]{3}$`).MatchString(v) {
		t.Fatalf("latency_percentiles_usec_set = %q", v)
	}
	c.do("CONFIG", "SET", "latency-tracking-info-percentiles", "0 50 100")
	c.do("DEBUG", "SLEEP", "0.05")
	v, _ = infoField(c.do("INFO", "latencystats").str, "latency_percentiles_usec_debug")
	m := regexp.MustCompile(`^p0=([0-9.]+),p50=([0-9.]+),p100=([0-9.]+)$`).FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("latency_percentiles_usec_debug = %q", v)
	}
	if p50, _ := strconv.ParseFloat(m[2], 64); p50 < 50000 {
		t.Fatalf("DEBUG SLEEP 0.05 p50 = %v usec", p50)
	}
	c.do("CLIENT", "ID")
	if _, ok := infoField(c.do("INFO", "latencystats").str, "latency_percentiles_usec_client|id"); !ok {
		t.Fatal("no subcommand latency")
	}
}
