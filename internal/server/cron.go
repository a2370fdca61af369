package server

import "time"

// cron runs the periodic work Redis's serverCron does, hz times a second:
// active expiry (time-bounded), incremental rehashing, instantaneous metrics.
func (s *Server) cron() {
	defer s.wg.Done()
	hz := s.hz.Load()
	t := time.NewTicker(time.Second / time.Duration(hz))
	defer t.Stop()
	for {
		select {
		case <-s.cronStop:
			return
		case <-t.C:
		}
		if h := s.hz.Load(); h != hz {
			hz = h
			t.Reset(time.Second / time.Duration(hz))
		}
		if s.debug.pauseCron.Load() {
			continue // DEBUG PAUSE-CRON
		}
		s.ks.Lock()
		stopping := false
		switch {
		case s.shut.active:
			stopping = s.shutdownCron()
		case s.shutdownASAP.Load():
			var f shutdownFlags
			if sig := s.lastSignal.Load(); sig != nil {
				f = s.signalShutdownFlags(*sig)
			}
			if stopping = s.beginShutdown(f, nil, nil); !stopping && !s.shut.active {
				s.shutdownASAP.Store(false)
				s.log.Warn("SIGTERM received but errors trying to shut down the server, check the logs for more information")
			}
		}
		s.ks.Unlock()
		if stopping {
			return
		}
		// Redis gives the slow expire cycle 25% of a cron period.
		budget := time.Second / time.Duration(hz) / 4
		at := time.Now()
		if _, busy := s.ks.ActiveExpireCycle(nowMs, budget); busy > 0 {
			if t := s.live.latencyMonitor.Load(); t > 0 && busy.Milliseconds() >= t {
				s.latency.add("expire-cycle", at, busy.Milliseconds())
			}
		}
		s.ks.Lock()
		s.usedMemory() // re-anchor soon after a collection (maxmemory.go)
		for i := 0; i < s.ks.Count(); i++ {
			s.ks.DB(i).RehashStep(100)
		}
		s.trackingLimit()
		s.evictClients() // outboxes grow without commands (clientmem.go)
		if s.live.maxmemory.Load() != 0 && !s.scriptBusy() {
			s.performEvictions(nowMs()) // a lowered maxmemory, without traffic
		}
		s.expireHashFieldsCycle(budget)
		s.savePointsDue(time.Now())
		s.replicationMasterCron(time.Now())
		s.failoverCron(time.Now())
		s.expireReplicaKeys(nowMs())
		s.migrate.expire(time.Now())
		if s.track.bcastDirty {
			// Keys expired by the cycle above, for BCAST clients.
			s.track.bcastDirty = false
			s.broadcastInvalidations(nil)
		}
		s.ks.Unlock()
		s.trackOps()
		s.wakeIdleClients()
		s.enforceSoftLimits() // output held past the soft limit (obuf.go)
		s.aofCron()           // AOF: background write/fsync, automatic rewrites (aof.go)
		s.idleCollect(time.Now())
		s.refreshAnchor(time.Now())
	}
}

// trackOps samples the command counter for instantaneous_ops_per_sec.
func (s *Server) trackOps() {
	now := time.Now()
	st := &s.stats
	total := st.commands.Load()
	if !st.lastOpsAt.IsZero() {
		dt := now.Sub(st.lastOpsAt).Milliseconds()
		if dt > 0 {
			st.opsSamples[st.opsIdx%len(st.opsSamples)] = (total - st.lastOps) * 1000 / dt
			st.opsIdx++
			var sum int64
			n := st.opsIdx
			if n > len(st.opsSamples) {
				n = len(st.opsSamples)
			}
			for i := 0; i < n; i++ {
				sum += st.opsSamples[i]
			}
			st.instOps.Store(sum / int64(n))
		}
	}
	st.lastOps = total
	st.lastOpsAt = now
}
