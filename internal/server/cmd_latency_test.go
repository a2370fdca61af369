package server

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLatencyHistogramCommand(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	c.do("CONFIG", "RESETSTAT")
	h := c.do("LATENCY", "HISTOGRAM")
	if len(h.elems) != 2 || h.elems[0].str != "config|resetstat" {
		t.Fatalf("after RESETSTAT: %v", h)
	}
	c.do("CONFIG", "RESETSTAT")
	c.do("SET", "a", "b")
	c.do("SET", "c", "d")
	c.do("CLIENT", "ID")
	h = c.do("LATENCY", "HISTOGRAM", "set", "nosuch", "client")
	if len(h.elems) != 4 || h.elems[0].str != "set" || h.elems[2].str != "client|id" {
		t.Fatalf("LATENCY HISTOGRAM set nosuch client = %v", h)
	}
	m := h.elems[1]
	if calls, _ := m.field("calls"); calls.n != 2 {
		t.Fatalf("set calls = %v", m)
	}
	hist, _ := m.field("histogram_usec")
	if len(hist.elems) < 2 || hist.elems[len(hist.elems)-1].n != 2 {
		t.Fatalf("set histogram = %v", hist)
	}
	c.do("HELLO", "3")
	if r := c.do("LATENCY", "HISTOGRAM", "set"); r.kind != '%' || r.elems[1].kind != '%' {
		t.Fatalf("RESP3 histogram = %v", r)
	}
}

func TestLatencyHistogramBuckets(t *testing.T) {
	var h latencyHistogram
	for _, v := range []int64{1, 100, 255, 256, 257, 1000, 1 << 20, 12345678, int64(time.Second), 5 * int64(time.Second)} {
		i := histIndex(min(v, histMaxValue))
		if lo, hi := histLowest(i), histHighest(i); v <= histMaxValue && (v < lo || v > hi) {
			t.Fatalf("value %d in bucket %d [%d,%d]", v, i, lo, hi)
		}
		h.record(v)
	}
	if h.total != 10 {
		t.Fatalf("total %d", h.total)
	}
	if p := h.percentile(100); p < int64(time.Second) {
		t.Fatalf("p100 = %d", p)
	}
	if p := h.percentile(10); p != 1 {
		t.Fatalf("p10 = %d", p)
	}
	// Two significant digits: the bucket of v is within 1% of v.
	for v := int64(256); v < histMaxValue; v = v*3/2 + 7 {
		i := histIndex(v)
		if float64(histHighest(i)-histLowest(i)) > float64(v)*0.01 {
			t.Fatalf("bucket of %d is [%d,%d]", v, histLowest(i), histHighest(i))
		}
	}
	cdf := h.cdf()
	if cdf[len(cdf)-1][1] != 10 || cdf[0][0] != 1 {
		t.Fatalf("cdf = %v", cdf)
	}
}

func TestLatencyMonitorEvents(t *testing.T) {
	s := startTestServer(t, "--enable-debug-command", "yes")
	c := dialTest(t, s)
	if r := c.do("LATENCY", "LATEST"); len(r.elems) != 0 {
		t.Fatalf("LATEST = %v", r)
	}
	if !strings.Contains(c.do("LATENCY", "DOCTOR").str, "disabled") {
		t.Fatal("DOCTOR does not mention the disabled monitor")
	}
	c.do("CONFIG", "SET", "latency-monitor-threshold", "50")
	c.do("DEBUG", "SLEEP", "0.1")
	r := c.do("LATENCY", "LATEST")
	if len(r.elems) != 1 || r.elems[0].elems[0].str != "command" || r.elems[0].elems[2].n < 100 {
		t.Fatalf("LATEST = %v", r)
	}
	hist := c.do("LATENCY", "HISTORY", "command")
	if len(hist.elems) != 1 || hist.elems[0].elems[1].n < 100 {
		t.Fatalf("HISTORY = %v", hist)
	}
	if r = c.do("LATENCY", "HISTORY", "nosuch"); len(r.elems) != 0 {
		t.Fatalf("HISTORY nosuch = %v", r)
	}
	g := c.do("LATENCY", "GRAPH", "command").str
	if !strings.HasPrefix(g, "command - high ") || !strings.Contains(g, "#") {
		t.Fatalf("GRAPH = %q", g)
	}
	mustErr(t, c.do("LATENCY", "GRAPH", "nosuch"), "ERR No samples available for event 'nosuch'")
	if d := c.do("LATENCY", "DOCTOR").str; !strings.Contains(d, "command") {
		t.Fatalf("DOCTOR = %q", d)
	}
	mustInt(t, c.do("LATENCY", "RESET", "nosuch"), 0)
	mustInt(t, c.do("LATENCY", "RESET"), 1)
	if r = c.do("LATENCY", "LATEST"); len(r.elems) != 0 {
		t.Fatalf("LATEST after RESET = %v", r)
	}
	mustErr(t, c.do("LATENCY", "HELP", "xxx"), "ERR wrong number of arguments for 'latency|help' command")
}

func TestLatencyExpireCycleEvent(t *testing.T) {
	s := startTestServer(t, "--enable-debug-command", "yes")
	c := dialTest(t, s)
	mustStr(t, c.do("DEBUG", "SET-ACTIVE-EXPIRE", "0"), "OK")
	mustStr(t, c.do("DEBUG", "POPULATE", "100000"), "OK")
	var b strings.Builder
	for i := 0; i < 100000; i++ {
		k := "key:" + strconv.Itoa(i)
		fmt.Fprintf(&b, "*3\r\n$7\r\nPEXPIRE\r\n$%d\r\n%s\r\n$1\r\n1\r\n", len(k), k)
	}
	if _, err := c.conn.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100000; i++ {
		if _, err := c.read(); err != nil {
			t.Fatal(err)
		}
	}
	mustStr(t, c.do("CONFIG", "SET", "latency-monitor-threshold", "1"), "OK")
	mustStr(t, c.do("DEBUG", "SET-ACTIVE-EXPIRE", "1"), "OK")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if r := c.do("LATENCY", "HISTORY", "expire-cycle"); len(r.elems) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no expire-cycle event; dbsize %v", c.do("DBSIZE"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
