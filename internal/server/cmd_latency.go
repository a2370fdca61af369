package server

import (
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"time"
)

func latencyCommand() *Command {
	return container("latency", -2, "server",
		spec("doctor", 2, "admin noscript loading stale", 0, 0, 0, "", latencyDoctorCommand),
		spec("graph", 3, "admin noscript loading stale", 0, 0, 0, "", latencyGraphCommand),
		spec("help", 2, "loading stale", 0, 0, 0, "", latencyHelpCommand),
		spec("histogram", -2, "admin noscript loading stale", 0, 0, 0, "", latencyHistogramCommand),
		spec("history", 3, "admin noscript loading stale", 0, 0, 0, "", latencyHistoryCommand),
		spec("latest", 2, "admin noscript loading stale", 0, 0, 0, "", latencyLatestCommand),
		spec("reset", -2, "admin noscript loading stale", 0, 0, 0, "", latencyResetCommand),
	)
}

func latencyHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "LATENCY",
		"DOCTOR",
		"    Return a human readable analysis of the latency events.",
		"GRAPH <event>",
		"    Return an ASCII graph of the latency samples of <event>.",
		"HISTORY <event>",
		"    Return the time-latency samples of <event>.",
		"LATEST",
		"    Return the latest sample of every event.",
		"RESET [<event> ...]",
		"    Forget the samples of the given events.",
		"    (default: every event)",
		"HISTOGRAM [<command> ...]",
		"    Return the cumulative latency distribution of the given commands.",
		"    Without arguments, of every command with data.",
	)
}

// --- latency spikes (latency-monitor-threshold) ---

// eventNames returns the recorded event names in order.
func (m *latencyMonitor) eventNames() []string {
	names := make([]string, 0, len(m.events))
	for k := range m.events {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func latencyLatestCommand(x *Ctx) {
	m := &x.s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	names := m.eventNames()
	x.w.Array(len(names))
	for _, name := range names {
		ev := m.events[name]
		last := ev.samples[len(ev.samples)-1]
		x.w.Array(4)
		x.w.BulkString(name)
		x.w.Int(last.at)
		x.w.Int(last.ms)
		x.w.Int(ev.max)
	}
}

func latencyHistoryCommand(x *Ctx) {
	m := &x.s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	ev := m.events[string(x.args[2])]
	if ev == nil {
		x.w.EmptyArray()
		return
	}
	x.w.Array(len(ev.samples))
	for _, s := range ev.samples {
		x.w.Array(2)
		x.w.Int(s.at)
		x.w.Int(s.ms)
	}
}

func latencyResetCommand(x *Ctx) {
	m := &x.s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	if len(x.args) == 2 {
		n = len(m.events)
		m.events = map[string]*latencyEvent{}
	} else {
		for _, a := range x.args[2:] {
			if _, ok := m.events[string(a)]; ok {
				delete(m.events, string(a))
				n++
			}
		}
	}
	x.w.Int(int64(n))
}

// latencyGraphRows is the height of LATENCY GRAPH's bars.
const latencyGraphRows = 4

func latencyGraphCommand(x *Ctx) {
	m := &x.s.latency
	m.mu.Lock()
	ev := m.events[string(x.args[2])]
	var samples []latencySample
	var max int64
	if ev != nil {
		samples = append(samples, ev.samples...)
		max = ev.max
	}
	m.mu.Unlock()
	if ev == nil {
		x.Err("ERR No samples available for event '" + string(x.args[2]) + "'")
		return
	}
	x.w.Verbatim("txt", latencyGraph(string(x.args[2]), samples, max, time.Now().Unix()))
}

// latencyGraph draws one column per sample (the newest 80): bars scaled
// between the lowest and highest sample, and below them how long ago each
// sample was taken, written vertically.
func latencyGraph(event string, samples []latencySample, allTime, now int64) string {
	const cols = 80
	if len(samples) > cols {
		samples = samples[len(samples)-cols:]
	}
	lo, hi := samples[0].ms, samples[0].ms
	for _, s := range samples {
		lo = min(lo, s.ms)
		hi = max(hi, s.ms)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", event, hi, lo, allTime)
	b.WriteString(strings.Repeat("-", cols) + "\n")
	heights := make([]int, len(samples))
	for i, s := range samples {
		h := latencyGraphRows
		if hi > lo {
			h = 1 + int((s.ms-lo)*int64(latencyGraphRows-1)/(hi-lo))
		}
		heights[i] = h
	}
	for row := latencyGraphRows; row >= 1; row-- {
		line := make([]byte, len(samples))
		for i, h := range heights {
			switch {
			case h > row:
				line[i] = '|'
			case h == row:
				line[i] = '#'
			default:
				line[i] = ' '
			}
		}
		b.WriteString(strings.TrimRight(string(line), " ") + "\n")
	}
	labels := make([]string, len(samples))
	height := 0
	for i, s := range samples {
		labels[i] = agoLabel(now - s.at)
		height = max(height, len(labels[i]))
	}
	for r := 0; r < height; r++ {
		line := make([]byte, len(labels))
		for i, l := range labels {
			line[i] = ' '
			if r < len(l) {
				line[i] = l[r]
			}
		}
		b.WriteString(strings.TrimRight(string(line), " ") + "\n")
	}
	return b.String()
}

// agoLabel is "12s", "5m", "3h" or "2d".
func agoLabel(sec int64) string {
	switch {
	case sec < 60:
		return strconv.FormatInt(sec, 10) + "s"
	case sec < 3600:
		return strconv.FormatInt(sec/60, 10) + "m"
	case sec < 86400:
		return strconv.FormatInt(sec/3600, 10) + "h"
	}
	return strconv.FormatInt(sec/86400, 10) + "d"
}

func latencyDoctorCommand(x *Ctx) {
	m := &x.s.latency
	m.mu.Lock()
	names := m.eventNames()
	type summary struct {
		name            string
		n               int
		avg, dev, worst int64
		period          int64
	}
	var sums []summary
	for _, name := range names {
		ev := m.events[name]
		var total int64
		for _, s := range ev.samples {
			total += s.ms
		}
		avg := total / int64(len(ev.samples))
		var dev int64
		for _, s := range ev.samples {
			d := s.ms - avg
			if d < 0 {
				d = -d
			}
			dev += d
		}
		dev /= int64(len(ev.samples))
		var period int64
		if len(ev.samples) > 1 {
			period = (ev.samples[len(ev.samples)-1].at - ev.samples[0].at) / int64(len(ev.samples)-1)
		}
		sums = append(sums, summary{name, len(ev.samples), avg, dev, ev.max, period})
	}
	m.mu.Unlock()
	threshold := x.s.live.latencyMonitor.Load()
	var b strings.Builder
	if len(sums) == 0 {
		if threshold == 0 {
			b.WriteString("Latency monitoring is disabled (latency-monitor-threshold is 0), so there is nothing to analyze. Enable it with CONFIG SET latency-monitor-threshold <milliseconds>.\n")
		} else {
			fmt.Fprintf(&b, "No latency spike above the %d ms threshold has been recorded: nothing to report.\n", threshold)
		}
		x.w.Verbatim("txt", b.String())
		return
	}
	fmt.Fprintf(&b, "Latency report (threshold %d ms): %d event type(s) recorded spikes.\n\n", threshold, len(sums))
	for i, s := range sums {
		fmt.Fprintf(&b, "%d. %s: %d spike(s), average %d ms, mean deviation %d ms", i+1, s.name, s.n, s.avg, s.dev)
		if s.period > 0 {
			fmt.Fprintf(&b, ", one every %d s on average", s.period)
		}
		fmt.Fprintf(&b, ". Worst spike: %d ms.\n", s.worst)
	}
	b.WriteString("\nAdvice:\n")
	for _, s := range sums {
		switch {
		case s.name == "command":
			b.WriteString("- Slow commands: check SLOWLOG GET for the commands responsible and avoid O(N) commands on large values.\n")
		case strings.HasPrefix(s.name, "expire"):
			b.WriteString("- Key expiry: many keys expiring at the same time cost latency; spread the TTLs out.\n")
		case strings.HasPrefix(s.name, "eviction"):
			b.WriteString("- Eviction: memory is at maxmemory; raise it or lower the write rate.\n")
		default:
			fmt.Fprintf(&b, "- %s: look at what the server was doing when these spikes happened.\n", s.name)
		}
	}
	x.w.Verbatim("txt", b.String())
}

// --- per-command latency histograms (latency-tracking) ---

// latencyHistogram is a log-linear histogram of command durations in
// nanoseconds with two significant digits of precision: values below 256
// have their own bucket, larger ones share a bucket with the values having
// the same top 8 bits. Durations are clamped to [1 ns, 1 s].
type latencyHistogram struct {
	counts []uint64
	total  uint64
}

const (
	histSubBits  = 8 // 256 sub-buckets: 2 significant decimal digits
	histHalf     = 1 << (histSubBits - 1)
	histMaxValue = int64(time.Second)
)

func histIndex(v int64) int {
	b := bits.Len64(uint64(v)|(1<<histSubBits-1)) - histSubBits // bucket (power of two)
	sub := int(v >> uint(b))                                    // in [128, 256) except bucket 0
	return (b+1)*histHalf + sub - histHalf
}

// histLowest and histHighest are the range of values bucket i holds.
func histLowest(i int) int64 {
	b := i/histHalf - 1
	sub := int64(i%histHalf + histHalf)
	if b < 0 {
		b, sub = 0, sub-histHalf
	}
	return sub << uint(b)
}

func histHighest(i int) int64 {
	b := max(i/histHalf-1, 0)
	return histLowest(i) + 1<<uint(b) - 1
}

func (h *latencyHistogram) record(ns int64) {
	ns = min(max(ns, 1), histMaxValue)
	i := histIndex(ns)
	if i >= len(h.counts) {
		n := make([]uint64, i+1, (i+1)*5/4+16)
		copy(n, h.counts)
		h.counts = n
	}
	h.counts[i]++
	h.total++
}

// percentile returns the highest value equivalent to the value at
// percentile p (0..100), as HdrHistogram does.
func (h *latencyHistogram) percentile(p float64) int64 {
	if h.total == 0 {
		return 0
	}
	p = min(p, 100)
	want := max(uint64(p/100*float64(h.total)+0.5), 1)
	var cum uint64
	for i, c := range h.counts {
		cum += c
		if cum >= want {
			return histHighest(i)
		}
	}
	return histHighest(len(h.counts) - 1)
}

// cdf returns (microseconds, cumulative count) points at power-of-two
// steps from 1024 ns, skipping steps that add nothing, for LATENCY HISTOGRAM.
func (h *latencyHistogram) cdf() [][2]int64 {
	var out [][2]int64
	var cum, prev uint64
	i := 0
	for level := int64(1024); ; level *= 2 {
		top := histHighest(histIndex(min(level, histMaxValue)))
		for ; i < len(h.counts) && histLowest(i) <= top; i++ {
			cum += h.counts[i]
		}
		if cum > prev {
			out = append(out, [2]int64{top / 1000, int64(cum)})
		}
		prev = cum
		if cum >= h.total || level >= histMaxValue {
			return out
		}
	}
}

// recordLatency adds one call of ns nanoseconds to the command's histogram.
func (st *cmdStats) recordLatency(ns int64) {
	if st.hist == nil {
		st.hist = &latencyHistogram{}
	}
	st.hist.record(ns)
}

// latencyPercentiles returns latency-tracking-info-percentiles.
func (s *Server) latencyPercentiles() []float64 {
	v, _ := s.cfg.Get("latency-tracking-info-percentiles")
	var out []float64
	for _, f := range strings.Fields(v) {
		if p, err := strconv.ParseFloat(f, 64); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// infoLatencyStats writes the latency_percentiles_usec_ lines of c and its
// subcommands.
func infoLatencyStats(w *infoWriter, c *Command, pcts []float64) {
	if h := c.stats.hist; h != nil && h.total > 0 {
		var b []byte
		for i, p := range pcts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, 'p')
			b = strconv.AppendFloat(b, p, 'f', -1, 64)
			b = append(b, '=')
			b = strconv.AppendFloat(b, float64(h.percentile(p))/1000, 'f', 3, 64)
		}
		w.str("latency_percentiles_usec_"+infoSafe(c.FullName()), string(b))
	}
	for _, sub := range sortedSubs(c) {
		infoLatencyStats(w, sub, pcts)
	}
}

func writeCommandCDF(x *Ctx, c *Command) {
	h := c.stats.hist
	x.w.BulkString(c.FullName())
	x.w.Map(2)
	x.w.BulkString("calls")
	x.w.Int(int64(h.total))
	x.w.BulkString("histogram_usec")
	points := h.cdf()
	x.w.Map(len(points))
	for _, p := range points {
		x.w.Int(p[0])
		x.w.Int(p[1])
	}
}

func hasHistogram(c *Command) bool { return c.stats.hist != nil && c.stats.hist.total > 0 }

func latencyHistogramCommand(x *Ctx) {
	var list []*Command
	var add func(c *Command)
	add = func(c *Command) {
		if hasHistogram(c) {
			list = append(list, c)
		}
		for _, sub := range sortedSubs(c) {
			add(sub)
		}
	}
	if len(x.args) == 2 {
		for _, c := range x.s.cmds.sorted() {
			add(c)
		}
	} else {
		for _, a := range x.args[2:] {
			if c := x.s.lookupFullName(string(a)); c != nil {
				if hasHistogram(c) {
					list = append(list, c)
				}
				for _, sub := range sortedSubs(c) {
					if hasHistogram(sub) {
						list = append(list, sub)
					}
				}
			}
		}
	}
	x.w.Map(len(list))
	for _, c := range list {
		writeCommandCDF(x, c)
	}
}
