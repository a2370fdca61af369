package server

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

func memoryCommand() *Command {
	return container("memory", -2, "server",
		spec("doctor", 2, "", 0, 0, 0, "", memoryDoctorCommand),
		spec("help", 2, "loading stale", 0, 0, 0, "", memoryHelpCommand),
		spec("malloc-stats", 2, "", 0, 0, 0, "", memoryMallocStatsCommand),
		spec("purge", 2, "", 0, 0, 0, "", memoryPurgeCommand),
		spec("stats", 2, "", 0, 0, 0, "", memoryStatsCommand),
		spec("usage", -3, "readonly", 2, 2, 1, "", memoryUsageCommand),
	)
}

// memOverview is the memory picture INFO memory and MEMORY STATS report.
// "used" is usedMemory (maxmemory.go): the live heap at the last garbage
// collection moved by the keyspace's dataset accounting since.
type memOverview struct {
	used, rss, peak, startup, overhead, dataset int64
	heapActive, goTotal, system, clients        int64
	peakPerc, datasetPerc                       float64
	allocFrag, allocRSS, rssExtra, frag         float64
}

// heapStats reads the Go runtime's heap figures: live objects, heap in use
// (objects plus free space in spans) and everything the runtime mapped.
func heapStats() (objects, active, total int64) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	metrics.Read(samples)
	get := func(i int) int64 {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			return int64(samples[i].Value.Uint64())
		}
		return 0
	}
	objects = get(0)
	active = objects + get(1)
	total = get(2)
	return
}

// processRSS returns the resident set size (0 where /proc is unavailable).
func processRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// systemMemory returns the machine's total memory (0 if unknown).
func systemMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// recordStartupMemory remembers the used memory of a freshly built server
// (INFO used_memory_startup).
func (s *Server) recordStartupMemory() {
	// Used memory is anchored at a garbage collection (maxmemory.go):
	// take one now rather than fall back to the heap's object bytes
	// (garbage included) until the heap first grows enough to trigger one.
	s.ks.Lock()
	s.collectAnchor()
	used := s.usedMemory()
	s.ks.Unlock()
	s.info.mu.Lock()
	s.info.startupMem = used
	s.info.memPeak = used
	s.info.mu.Unlock()
}

// clientsMemory is the memory of the normal and pub/sub clients (clientmem.go).
func (s *Server) clientsMemory() int64 { return s.cmem.normal.Load() }

// memoryOverview gathers the figures of INFO memory and MEMORY STATS. The
// keyspace lock is held.
func (s *Server) memoryOverview() memOverview {
	var m memOverview
	_, m.heapActive, m.goTotal = heapStats()
	m.used = s.usedMemory()
	m.rss = processRSS()
	if m.rss == 0 {
		m.rss = m.goTotal
	}
	m.system = systemMemory()
	s.info.mu.Lock()
	if m.used > s.info.memPeak {
		s.info.memPeak = m.used
	}
	m.peak, m.startup = s.info.memPeak, s.info.startupMem
	s.info.mu.Unlock()
	m.clients = s.clientsMemory()
	var tables int64
	for i := 0; i < s.ks.Count(); i++ {
		t := s.ks.DB(i).Tables()
		tables += int64(t.Overhead + t.ExpOver)
	}
	m.overhead = m.startup + m.clients + s.cmem.replicas.Load() + tables
	m.dataset = m.used - m.overhead
	if m.dataset < 0 {
		m.dataset = 0
	}
	net := m.used - m.startup
	if net > 0 {
		m.datasetPerc = float64(m.dataset) * 100 / float64(net)
	}
	if m.peak > 0 {
		m.peakPerc = float64(m.used) * 100 / float64(m.peak)
	}
	ratio := func(a, b int64) float64 {
		if b <= 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	m.allocFrag = ratio(m.heapActive, m.used)
	m.allocRSS = ratio(m.goTotal, m.heapActive)
	m.rssExtra = ratio(m.rss, m.goTotal)
	m.frag = ratio(m.rss, m.used)
	return m
}

func memoryHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "MEMORY",
		"DOCTOR",
		"    Report memory problems, if any.",
		"MALLOC-STATS",
		"    Report statistics from the memory allocator (the Go runtime).",
		"PURGE",
		"    Return free memory to the operating system.",
		"STATS",
		"    Report how the server uses memory.",
		"USAGE <key> [SAMPLES <count>]",
		"    Estimate the bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	)
}

// memorySizer is implemented by collection values that can estimate their
// own memory use, sampling at most samples elements (0 = all) and
// extrapolating.
type memorySizer interface {
	MemoryUsage(samples int) int
}

// memoryUsageSamples is MEMORY USAGE's default sample count.
const memoryUsageSamples = 5

func memoryUsageCommand(x *Ctx) {
	samples := int64(memoryUsageSamples)
	for j := 3; j < len(x.args); j++ {
		if eqFold(x.args[j], "samples") && j+1 < len(x.args) {
			n, ok := parseInt(x.args[j+1])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if n < 0 {
				x.Err(errSyntax)
				return
			}
			samples = n
			j++
			continue
		}
		x.Err(errSyntax)
		return
	}
	e := x.db.Peek(x.args[2])
	if e == nil {
		x.w.Null()
		return
	}
	x.w.Int(int64(entryMemory(x.args[2], e, int(samples))))
}

// allocRound approximates the size class an allocator rounds n bytes up to.
func allocRound(n int) int {
	switch {
	case n <= 8:
		return 8
	case n <= 128:
		return (n + 15) / 16 * 16
	case n <= 512:
		return (n + 63) / 64 * 64
	case n <= 4096:
		return (n + 255) / 256 * 256
	}
	return (n + 4095) / 4096 * 4096
}

// objectMemory is the keyspace's estimate of a non-string value
// (keyspace.SizeFunc): MEMORY USAGE's, with its default sampling.
func objectMemory(obj any) int {
	if ms, ok := obj.(memorySizer); ok {
		return ms.MemoryUsage(memoryUsageSamples)
	}
	return 0
}

// entryMemory estimates the bytes a key and its value use, in the same
// terms as Redis's MEMORY USAGE: the key string, the table entry, the value
// header and its payload.
func entryMemory(key []byte, e *keyspace.Entry, samples int) int {
	const (
		entryHeader = 24 // table entry: key, value and next pointers
		valueHeader = 16 // type, encoding, LRU and a pointer
	)
	n := allocRound(len(key)+4) + entryHeader
	switch {
	case e.Type == keyspace.TypeString && e.Enc == keyspace.EncInt:
		n += valueHeader
	case e.Type == keyspace.TypeString && e.Enc == keyspace.EncEmbstr:
		n += allocRound(valueHeader + len(e.Str) + 4)
	case e.Type == keyspace.TypeString:
		n += valueHeader + cap(e.Str) // already an allocation size
	default:
		n += valueHeader
		if ms, ok := e.Obj.(memorySizer); ok {
			n += ms.MemoryUsage(samples)
		}
	}
	return n
}

func memoryStatsCommand(x *Ctx) {
	s := x.s
	m := s.memoryOverview()
	type dbStat struct {
		id            int
		main, expires int64
	}
	var dbs []dbStat
	var keys int64
	for i := 0; i < s.ks.Count(); i++ {
		t := s.ks.DB(i).Tables()
		if t.Keys == 0 {
			continue
		}
		keys += int64(t.Keys)
		dbs = append(dbs, dbStat{i, int64(t.Overhead), int64(t.ExpOver)})
	}
	var perKey int64
	if keys > 0 {
		perKey = (m.used - m.startup) / keys
	}
	w := x.w
	w.Map(27 + len(dbs))
	kv := func(k string, v int64) {
		w.BulkString(k)
		w.Int(v)
	}
	kd := func(k string, v float64) {
		w.BulkString(k)
		w.Double(v)
	}
	kv("peak.allocated", m.peak)
	kv("total.allocated", m.used)
	kv("startup.allocated", m.startup)
	kv("replication.backlog", 0)
	kv("clients.slaves", 0)
	kv("clients.normal", m.clients)
	kv("cluster.links", 0)
	kv("aof.buffer", 0)
	kv("lua.caches", 0)
	kv("functions.caches", 0)
	for _, d := range dbs {
		w.BulkString("db." + strconv.Itoa(d.id))
		w.Map(3)
		kv("overhead.hashtable.main", d.main)
		kv("overhead.hashtable.expires", d.expires)
		kv("overhead.hashtable.slot-to-keys", 0)
	}
	kv("overhead.total", m.overhead)
	kv("keys.count", keys)
	kv("keys.bytes-per-key", perKey)
	kv("dataset.bytes", m.dataset)
	kd("dataset.percentage", m.datasetPerc)
	kd("peak.percentage", m.peakPerc)
	kv("allocator.allocated", m.used)
	kv("allocator.active", m.heapActive)
	kv("allocator.resident", m.goTotal)
	kd("allocator-fragmentation.ratio", m.allocFrag)
	kv("allocator-fragmentation.bytes", m.heapActive-m.used)
	kd("allocator-rss.ratio", m.allocRSS)
	kv("allocator-rss.bytes", m.goTotal-m.heapActive)
	kd("rss-overhead.ratio", m.rssExtra)
	kv("rss-overhead.bytes", m.rss-m.goTotal)
	kd("fragmentation", m.frag)
	kv("fragmentation.bytes", m.rss-m.used)
}

func memoryDoctorCommand(x *Ctx) {
	m := x.s.memoryOverview()
	var issues []string
	const mb = 1 << 20
	if m.used < 5*mb {
		x.w.Verbatim("txt", "This instance holds very little data (under 5 MB), so there is nothing meaningful to diagnose yet. Run MEMORY DOCTOR again once it stores a real workload.\n")
		return
	}
	if m.peakPerc < 50 && m.peak > 0 {
		issues = append(issues, fmt.Sprintf(" * Peak memory: the peak (%s) is more than twice the memory in use now (%s). The runtime may keep part of the difference mapped; MEMORY PURGE returns free pages to the operating system.", bytesToHuman(m.peak), bytesToHuman(m.used)))
	}
	if m.frag > 1.4 && m.rss > 10*mb {
		issues = append(issues, fmt.Sprintf(" * High RSS overhead: the process is resident in %s for %s of live data (ratio %.2f). Much of it can be free heap awaiting collection or reuse.", bytesToHuman(m.rss), bytesToHuman(m.used), m.frag))
	}
	if m.clients > 200*mb {
		issues = append(issues, fmt.Sprintf(" * Client buffers: clients hold %s of query and output buffers. Check CLIENT LIST for clients with large qbuf or omem.", bytesToHuman(m.clients)))
	}
	if len(issues) == 0 {
		x.w.Verbatim("txt", "No memory problems found: usage, peak and overhead look normal for this instance.\n")
		return
	}
	x.w.Verbatim("txt", "Memory doctor report:\n\n"+strings.Join(issues, "\n\n")+"\n")
}

func memoryMallocStatsCommand(x *Ctx) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	text := fmt.Sprintf("Go runtime memory statistics (%s)\n"+
		"heap_alloc:%d\nheap_inuse:%d\nheap_idle:%d\nheap_released:%d\nheap_objects:%d\n"+
		"stack_inuse:%d\nsys:%d\nnum_gc:%d\ngc_cpu_fraction:%.6f\nnext_gc:%d\n",
		runtime.Version(), ms.HeapAlloc, ms.HeapInuse, ms.HeapIdle, ms.HeapReleased, ms.HeapObjects,
		ms.StackInuse, ms.Sys, ms.NumGC, ms.GCCPUFraction, ms.NextGC)
	x.w.Verbatim("txt", text)
}

func memoryPurgeCommand(x *Ctx) {
	debug.FreeOSMemory()
	x.w.OK()
}
