package server

import (
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// INFO: the reply is Redis's text format: "# Section" headers, "field:value"
// lines ending in \r\n, a blank line between sections; a bulk string in
// RESP2 and a "txt" verbatim string in RESP3.

// infoDefaultSections are the sections INFO and INFO default report.
var infoDefaultSections = []string{"server", "clients", "memory", "persistence", "stats",
	"replication", "cpu", "module_list", "errorstats", "cluster", "keyspace"}

func infoCommand(x *Ctx) {
	sections, all := infoSections(x.args[1:])
	x.w.Verbatim("txt", x.s.genInfo(sections, all))
}

// infoSections turns INFO's arguments into the set of requested sections
// (lower case) and whether every section was asked for (all/everything).
func infoSections(args [][]byte) (map[string]bool, bool) {
	set := map[string]bool{}
	if len(args) == 0 {
		for _, s := range infoDefaultSections {
			set[s] = true
		}
		return set, false
	}
	all := false
	for _, a := range args {
		name := strings.ToLower(string(a))
		switch name {
		case "default":
			for _, s := range infoDefaultSections {
				set[s] = true
			}
		case "all", "everything":
			all = true
		default:
			set[name] = true
		}
	}
	return set, all
}

// infoWriter accumulates INFO text.
type infoWriter struct {
	b        []byte
	sections int
}

func (w *infoWriter) section(title string) {
	if w.sections > 0 {
		w.b = append(w.b, "\r\n"...)
	}
	w.sections++
	w.b = append(w.b, "# "...)
	w.b = append(w.b, title...)
	w.b = append(w.b, "\r\n"...)
}

func (w *infoWriter) str(k, v string) {
	w.b = append(w.b, k...)
	w.b = append(w.b, ':')
	w.b = append(w.b, v...)
	w.b = append(w.b, "\r\n"...)
}

func (w *infoWriter) num(k string, v int64) {
	w.b = append(w.b, k...)
	w.b = append(w.b, ':')
	w.b = strconv.AppendInt(w.b, v, 10)
	w.b = append(w.b, "\r\n"...)
}

func (w *infoWriter) f2(k string, v float64) { w.str(k, fmtFloat2(v)) }

// genInfo builds the INFO text for the requested sections. The keyspace
// lock is held (INFO runs as a command).
func (s *Server) genInfo(sections map[string]bool, all bool) string {
	w := &infoWriter{b: make([]byte, 0, 4096)}
	want := func(name string) bool { return all || sections[name] }
	if want("server") {
		s.infoServer(w)
	}
	if want("clients") {
		s.infoClients(w)
	}
	if want("memory") {
		s.infoMemory(w)
	}
	if want("persistence") {
		s.infoPersistence(w)
	}
	if want("stats") {
		s.infoStats(w)
	}
	if want("replication") {
		s.infoReplication(w)
	}
	if want("cpu") {
		infoCPU(w)
	}
	if all || sections["module_list"] || sections["modules"] {
		w.section("Modules")
	}
	if want("commandstats") {
		w.section("Commandstats")
		for _, c := range s.cmds.sorted() {
			s.infoCommandStats(w, c)
		}
	}
	if want("errorstats") {
		w.section("Errorstats")
		codes, counts, _ := s.errStats.snapshot()
		for _, code := range codes {
			w.str("errorstat_"+infoSafe(code), "count="+itoa(counts[code]))
		}
	}
	if want("latencystats") {
		w.section("Latencystats")
		if s.live.latencyTrack.Load() {
			pcts := s.latencyPercentiles()
			for _, c := range s.cmds.sorted() {
				infoLatencyStats(w, c, pcts)
			}
		}
	}
	if want("cluster") {
		w.section("Cluster")
		w.num("cluster_enabled", 0)
	}
	if want("keyspace") {
		w.section("Keyspace")
		for i := 0; i < s.ks.Count(); i++ {
			db := s.ks.DB(i)
			keys, vkeys := db.Len(), db.ExpiresLen()
			if keys > 0 || vkeys > 0 {
				w.str("db"+strconv.Itoa(i), "keys="+strconv.Itoa(keys)+",expires="+strconv.Itoa(vkeys)+",avg_ttl=0")
			}
		}
	}
	return string(w.b)
}

// infoSafe replaces the characters that would break INFO's line format.
func infoSafe(s string) string {
	if !strings.ContainsAny(s, "#:\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '#', ':', '\r', '\n':
			return '_'
		}
		return r
	}, s)
}

func (s *Server) infoServer(w *infoWriter) {
	now := time.Now()
	uptime := int64(now.Sub(s.startTime) / time.Second)
	exe, _ := os.Executable()
	w.section("Server")
	w.str("redis_version", Version)
	w.str("redis_git_sha1", "00000000")
	w.str("redis_git_dirty", "0")
	w.str("redis_build_id", "0")
	w.str("redis_mode", "standalone")
	w.str("os", osDescription())
	w.num("arch_bits", 64)
	w.str("monotonic_clock", "POSIX clock_gettime")
	w.str("multiplexing_api", multiplexingAPI())
	w.str("atomicvar_api", "c11-builtin")
	w.str("gcc_version", "0.0.0")
	w.num("process_id", int64(os.Getpid()))
	w.str("process_supervised", "no")
	w.str("run_id", s.runID)
	w.num("tcp_port", s.tcpPort())
	w.num("server_time_usec", now.UnixMicro())
	w.num("uptime_in_seconds", uptime)
	w.num("uptime_in_days", uptime/(3600*24))
	w.num("hz", s.hz.Load())
	w.num("configured_hz", s.cfg.Int("hz"))
	w.num("lru_clock", lruClock(now))
	w.str("executable", exe)
	w.str("config_file", s.cfg.File())
	w.num("io_threads_active", 0)
	if ms := s.shutdownRemainingMs(); ms >= 0 {
		w.num("shutdown_in_milliseconds", ms)
	}
}

// lruClock is Redis's 24-bit LRU clock in seconds.
func lruClock(now time.Time) int64 { return now.Unix() & (1<<24 - 1) }

// osDescription is "Linux 6.1.0-18-amd64 x86_64", like uname's sysname,
// release and machine.
func osDescription() string {
	sys := runtime.GOOS
	if sys != "" {
		sys = strings.ToUpper(sys[:1]) + sys[1:]
	}
	release := "unknown"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		release = strings.TrimSpace(string(b))
	}
	machine := runtime.GOARCH
	switch machine {
	case "amd64":
		machine = "x86_64"
	case "arm64":
		machine = "aarch64"
	case "386":
		machine = "i686"
	}
	return sys + " " + release + " " + machine
}

// multiplexingAPI names the poller Go's network runtime uses on this OS.
func multiplexingAPI() string {
	switch runtime.GOOS {
	case "linux":
		return "epoll"
	case "darwin", "freebsd", "netbsd", "openbsd", "dragonfly":
		return "kqueue"
	case "solaris", "illumos":
		return "evport"
	case "windows":
		return "iocp"
	}
	return "poll"
}

func (s *Server) infoClients(w *infoWriter) {
	s.clientsMu.Lock()
	n := len(s.clients)
	var maxIn int64
	for _, c := range s.clients {
		if c.flags&clientReplica != 0 {
			n-- // Redis counts replicas in connected_slaves only
		}
		if q := c.qbuf.Load(); q > maxIn {
			maxIn = q
		}
	}
	s.clientsMu.Unlock()
	w.section("Clients")
	w.num("connected_clients", int64(n))
	w.num("cluster_connections", 0)
	w.num("maxclients", s.live.maxClients.Load())
	w.num("client_recent_max_input_buffer", maxIn)
	w.num("client_recent_max_output_buffer", 0)
	w.num("blocked_clients", s.stats.blockedClients.Load())
	w.num("tracking_clients", s.stats.trackingClients.Load())
	w.num("clients_in_timeout_table", 0)
}

func (s *Server) infoMemory(w *infoWriter) {
	m := s.memoryOverview()
	maxmem := s.cfg.Int("maxmemory")
	policy, _ := s.cfg.Get("maxmemory-policy")
	w.section("Memory")
	w.num("used_memory", m.used)
	w.str("used_memory_human", bytesToHuman(m.used))
	w.num("used_memory_rss", m.rss)
	w.str("used_memory_rss_human", bytesToHuman(m.rss))
	w.num("used_memory_peak", m.peak)
	w.str("used_memory_peak_human", bytesToHuman(m.peak))
	w.str("used_memory_peak_perc", fmtFloat2(m.peakPerc)+"%")
	w.num("used_memory_overhead", m.overhead)
	w.num("used_memory_startup", m.startup)
	w.num("used_memory_dataset", m.dataset)
	w.str("used_memory_dataset_perc", fmtFloat2(m.datasetPerc)+"%")
	w.num("allocator_allocated", m.used)
	w.num("allocator_active", m.heapActive)
	w.num("allocator_resident", m.goTotal)
	w.num("total_system_memory", m.system)
	w.str("total_system_memory_human", bytesToHuman(m.system))
	sm := s.scriptMemory()
	w.num("used_memory_lua", sm.vmEval)
	w.num("used_memory_vm_eval", sm.vmEval)
	w.str("used_memory_lua_human", bytesToHuman(sm.vmEval))
	w.num("used_memory_scripts_eval", sm.scriptsEval)
	w.num("number_of_cached_scripts", sm.cachedScripts)
	w.num("number_of_functions", sm.functions)
	w.num("number_of_libraries", sm.libraries)
	w.num("used_memory_vm_functions", sm.vmFunctions)
	w.num("used_memory_vm_total", sm.vmEval+sm.vmFunctions)
	w.str("used_memory_vm_total_human", bytesToHuman(sm.vmEval+sm.vmFunctions))
	w.num("used_memory_functions", sm.functionsMem)
	w.num("used_memory_scripts", sm.scriptsEval+sm.functionsMem)
	w.str("used_memory_scripts_human", bytesToHuman(sm.scriptsEval+sm.functionsMem))
	w.num("maxmemory", maxmem)
	w.str("maxmemory_human", bytesToHuman(maxmem))
	w.str("maxmemory_policy", policy)
	w.f2("allocator_frag_ratio", m.allocFrag)
	w.num("allocator_frag_bytes", m.heapActive-m.used)
	w.f2("allocator_rss_ratio", m.allocRSS)
	w.num("allocator_rss_bytes", m.goTotal-m.heapActive)
	w.f2("rss_overhead_ratio", m.rssExtra)
	w.num("rss_overhead_bytes", m.rss-m.goTotal)
	w.f2("mem_fragmentation_ratio", m.frag)
	w.num("mem_fragmentation_bytes", m.rss-m.used)
	backlog, replicas := s.replBufferMemory()
	// As Redis: the backlog counts for eviction, what replicas have yet to
	// receive beyond it does not.
	w.num("mem_not_counted_for_evict", s.cmem.replStream.Load())
	w.num("mem_replication_backlog", backlog)
	w.num("mem_total_replication_buffers", backlog+replicas)
	w.num("mem_clients_slaves", s.cmem.replicas.Load())
	w.num("mem_clients_normal", m.clients)
	w.num("mem_cluster_links", 0)
	w.num("mem_aof_buffer", 0)
	w.str("mem_allocator", "go-"+runtime.Version())
	w.num("active_defrag_running", 0)
	w.num("lazyfree_pending_objects", 0)
	w.num("lazyfreed_objects", 0)
}

func (s *Server) infoPersistence(w *infoWriter) {
	p := &s.persist
	loading := p.loading.Load()
	w.section("Persistence")
	w.num("loading", int64(boolInt(loading)))
	async := p.asyncLoading.Load()
	w.num("async_loading", int64(boolInt(async)))
	w.num("current_cow_peak", 0)
	w.num("current_cow_size", 0)
	w.num("current_cow_size_age", 0)
	w.f2("current_fork_perc", 0)
	var keysDone, keysTotal int64
	bgStart := int64(-1)
	if job := p.bgsave; job != nil {
		keysDone, keysTotal = job.keysDone.Load(), job.keysTotal
		bgStart = int64(time.Since(job.start).Seconds())
	}
	w.num("current_save_keys_processed", keysDone)
	w.num("current_save_keys_total", keysTotal)
	w.num("rdb_changes_since_last_save", s.ks.Dirty)
	w.num("rdb_bgsave_in_progress", int64(boolInt(p.bgsave != nil || s.repl.rdbRuns.Load() > 0)))
	w.num("rdb_last_save_time", s.LastSave())
	status := "ok"
	if !p.lastOK.Load() {
		status = "err"
	}
	w.str("rdb_last_bgsave_status", status)
	lastDur := int64(-1)
	if p.haveBgsaveDur {
		lastDur = int64(p.lastBgsaveDur.Seconds())
	}
	w.num("rdb_last_bgsave_time_sec", lastDur)
	w.num("rdb_current_bgsave_time_sec", bgStart)
	w.num("rdb_saves", p.saves)
	w.num("rdb_last_cow_size", 0)
	w.num("rdb_last_load_keys_expired", p.loadedExpired)
	w.num("rdb_last_load_keys_loaded", p.loadedKeys)
	s.infoAOF(w) // aof_* and module_fork_* fields (aof.go)
	if loading || async {
		start := p.loadStart.Load()
		total, done := p.loadTotal.Load(), p.loadDone.Load()
		perc := 0.0
		if total > 0 {
			perc = float64(done) / float64(total) * 100
		}
		elapsed := time.Now().Unix() - start
		eta := int64(1)
		if done > 0 {
			eta = elapsed * (total - done) / (done + 1)
		}
		w.num("loading_start_time", start)
		w.num("loading_total_bytes", total)
		w.num("loading_rdb_used_mem", 0)
		w.num("loading_loaded_bytes", done)
		w.f2("loading_loaded_perc", perc)
		w.num("loading_eta_seconds", eta)
	}
}

// pubsubInfo reports the server-wide pub/sub counts for INFO stats
// (channels, patterns, shard channels). Pub/sub wires its registry here.

func (s *Server) infoStats(w *infoWriter) {
	st := &s.stats
	ks := &s.ks.Stats
	_, _, totalErrors := s.errStats.snapshot()
	channels, patterns, shard := s.pubsubInfo()
	inst := st.instOps.Load()
	if inst < 0 {
		inst = 0
	}
	w.section("Stats")
	w.num("total_connections_received", st.connections.Load())
	w.num("total_commands_processed", st.commands.Load())
	w.num("instantaneous_ops_per_sec", inst)
	w.num("total_net_input_bytes", st.netInput.Load())
	w.num("total_net_output_bytes", st.netOutput.Load())
	w.num("total_net_repl_input_bytes", 0)
	w.num("total_net_repl_output_bytes", 0)
	w.f2("instantaneous_input_kbps", 0)
	w.f2("instantaneous_output_kbps", 0)
	w.f2("instantaneous_input_repl_kbps", 0)
	w.f2("instantaneous_output_repl_kbps", 0)
	w.num("rejected_connections", st.rejectedConns.Load())
	w.num("sync_full", s.repl.syncFull.Load())
	w.num("sync_partial_ok", s.repl.syncPartialOK.Load())
	w.num("sync_partial_err", s.repl.syncPartialErr.Load())
	w.num("expired_keys", ks.ExpiredKeys)
	w.f2("expired_stale_perc", ks.ExpiredStalePerc*100)
	w.num("expired_time_cap_reached_count", ks.ExpiredTimeCapReached)
	w.num("expire_cycle_cpu_milliseconds", 0)
	w.num("evicted_keys", ks.EvictedKeys)
	w.num("evicted_clients", s.cmem.evicted.Load())
	w.num("total_eviction_exceeded_time", 0)
	w.num("current_eviction_exceeded_time", 0)
	w.num("keyspace_hits", ks.Hits)
	w.num("keyspace_misses", ks.Misses)
	w.num("pubsub_channels", channels)
	w.num("pubsub_patterns", patterns)
	w.num("pubsubshard_channels", shard)
	w.num("latest_fork_usec", 0)
	w.num("total_forks", s.stats.forks.Load())
	w.num("migrate_cached_sockets", int64(s.migrate.len()))
	w.num("slave_expires_tracked_keys", 0)
	w.num("active_defrag_hits", 0)
	w.num("active_defrag_misses", 0)
	w.num("active_defrag_key_hits", 0)
	w.num("active_defrag_key_misses", 0)
	w.num("total_active_defrag_time", 0)
	w.num("current_active_defrag_time", 0)
	tkeys, titems, tprefixes := s.trackingInfo()
	w.num("tracking_total_keys", int64(tkeys))
	w.num("tracking_total_items", int64(titems))
	w.num("tracking_total_prefixes", int64(tprefixes))
	w.num("unexpected_error_replies", st.unexpectedErr.Load())
	w.num("total_error_replies", totalErrors)
	w.num("dump_payload_sanitizations", 0)
	w.num("total_reads_processed", 0)
	w.num("total_writes_processed", 0)
	w.num("io_threaded_reads_processed", 0)
	w.num("io_threaded_writes_processed", 0)
	w.num("reply_buffer_shrinks", 0)
	w.num("reply_buffer_expands", 0)
}

func infoCPU(w *infoWriter) {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	tv := func(t syscall.Timeval) string {
		us := strconv.FormatInt(int64(t.Usec), 10)
		for len(us) < 6 {
			us = "0" + us
		}
		return strconv.FormatInt(int64(t.Sec), 10) + "." + us
	}
	w.section("CPU")
	w.str("used_cpu_sys", tv(self.Stime))
	w.str("used_cpu_user", tv(self.Utime))
	w.str("used_cpu_sys_children", tv(children.Stime))
	w.str("used_cpu_user_children", tv(children.Utime))
}

// infoCommandStats writes the cmdstat_ line of c and of its subcommands.
func (s *Server) infoCommandStats(w *infoWriter, c *Command) {
	st := &c.stats
	if st.calls != 0 || st.failed != 0 || st.rejected != 0 {
		perCall := 0.0
		if st.calls != 0 {
			perCall = float64(st.usec) / float64(st.calls)
		}
		w.str("cmdstat_"+infoSafe(c.FullName()),
			"calls="+itoa(st.calls)+",usec="+itoa(st.usec)+",usec_per_call="+fmtFloat2(perCall)+
				",rejected_calls="+itoa(st.rejected)+",failed_calls="+itoa(st.failed))
	}
	for _, sub := range sortedSubs(c) {
		s.infoCommandStats(w, sub)
	}
}

// sortedSubs returns the subcommands of a container in name order.
func sortedSubs(c *Command) []*Command {
	if len(c.Sub) == 0 {
		return nil
	}
	out := make([]*Command, 0, len(c.Sub))
	for _, s := range c.Sub {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// bytesToHuman formats a byte count as Redis does: 100B, 1.50K, 2.00M...
func bytesToHuman(n int64) string {
	if n < 0 {
		n = 0
	}
	units := []string{"K", "M", "G", "T", "P"}
	if n < 1024 {
		return strconv.FormatInt(n, 10) + "B"
	}
	d := float64(n)
	for _, u := range units {
		d /= 1024
		if d < 1024 {
			return fmtFloat2(d) + u
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}
