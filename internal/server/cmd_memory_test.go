package server

import (
	"strings"
	"testing"
)

func TestMemoryCommands(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	if r := c.do("MEMORY", "USAGE", "nosuch"); !r.null {
		t.Fatalf("USAGE nosuch = %v", r)
	}
	c.do("SET", "foo", "bar")
	small := c.do("MEMORY", "USAGE", "foo")
	if small.kind != ':' || small.n < 40 || small.n > 100 {
		t.Fatalf("USAGE foo = %v", small)
	}
	c.do("SET", "big", strings.Repeat("x", 10000))
	if big := c.do("MEMORY", "USAGE", "big", "SAMPLES", "0"); big.n < 10000 || big.n > 13000 {
		t.Fatalf("USAGE big = %v", big)
	}
	mustErr(t, c.do("MEMORY", "USAGE", "foo", "SAMPLES", "-1"), "ERR syntax error")
	mustErr(t, c.do("MEMORY", "USAGE", "foo", "SAMPLES", "x"), "ERR value is not an integer or out of range")
	mustErr(t, c.do("MEMORY", "USAGE", "foo", "bogus"), "ERR syntax error")

	st := c.do("MEMORY", "STATS")
	if len(st.elems) != 2*(27+1) {
		t.Fatalf("MEMORY STATS has %d elements", len(st.elems))
	}
	for _, k := range []string{"peak.allocated", "total.allocated", "keys.count", "dataset.percentage", "fragmentation", "db.0"} {
		if _, ok := st.field(k); !ok {
			t.Errorf("MEMORY STATS lacks %s", k)
		}
	}
	if n, _ := st.field("keys.count"); n.n != 2 {
		t.Errorf("keys.count = %v", n)
	}
	c.do("HELLO", "3")
	if r := c.do("MEMORY", "STATS"); r.kind != '%' {
		t.Fatalf("RESP3 MEMORY STATS kind %c", r.kind)
	}
	c.do("HELLO", "2")
	if d := c.do("MEMORY", "DOCTOR"); d.kind != '$' || d.str == "" {
		t.Fatalf("DOCTOR = %v", d)
	}
	if m := c.do("MEMORY", "MALLOC-STATS"); !strings.Contains(m.str, "heap_alloc:") {
		t.Fatalf("MALLOC-STATS = %v", m)
	}
	mustStr(t, c.do("MEMORY", "PURGE"), "OK")
	if h := c.do("MEMORY", "HELP"); !strings.HasPrefix(h.elems[0].str, "MEMORY <subcommand>") {
		t.Fatalf("MEMORY HELP = %v", h)
	}
	info := c.do("INFO", "memory").str
	for _, f := range []string{"used_memory:", "used_memory_human:", "used_memory_peak:", "maxmemory_policy:noeviction", "mem_fragmentation_ratio:"} {
		if !strings.Contains(info, f) {
			t.Errorf("INFO memory lacks %s", f)
		}
	}
}
