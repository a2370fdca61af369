package server

import (
	"strconv"
	"time"
)

// loadLiveConfig copies hot configuration values into atomics.
func (s *Server) loadLiveConfig() {
	pass := s.cfg.String("requirepass")
	s.live.requirepass.Store(&pass)
	s.live.maxBulk.Store(s.cfg.Int("proto-max-bulk-len"))
	s.live.maxQuery.Store(s.cfg.Int("client-query-buffer-limit"))
	s.live.slowlogSlower.Store(s.cfg.Int("slowlog-log-slower-than"))
	s.live.slowlogMax.Store(s.cfg.Int("slowlog-max-len"))
	s.live.idleTimeout.Store(s.cfg.Int("timeout"))
	s.live.maxClients.Store(s.cfg.Int("maxclients"))
	s.live.protectedMode.Store(s.cfg.Bool("protected-mode"))
	dbg := s.cfg.String("enable-debug-command")
	s.live.debugCommand.Store(&dbg)
	s.live.latencyMonitor.Store(s.cfg.Int("latency-monitor-threshold"))
	s.live.latencyTrack.Store(s.cfg.Bool("latency-tracking"))
	s.live.watchdog.Store(s.cfg.Int("watchdog-period"))
	s.live.notifyFlags.Store(int64(s.cfg.NotifyKeyspaceEvents()))
	s.live.maxmemory.Store(s.cfg.Uint("maxmemory"))
	s.updateClientLimit()
	s.live.hashMaxEntries.Store(s.cfg.Int("hash-max-listpack-entries"))
	s.live.hashMaxValue.Store(s.cfg.Int("hash-max-listpack-value"))
	s.live.setMaxIntset.Store(s.cfg.Int("set-max-intset-entries"))
	s.live.zsetMaxEntries.Store(s.cfg.Int("zset-max-listpack-entries"))
	s.live.zsetMaxValue.Store(s.cfg.Int("zset-max-listpack-value"))
	obuf := s.cfg.OutputBufferLimits()
	s.live.obuf.Store(&obuf)
	hz := s.cfg.Int("hz")
	if hz < 1 {
		hz = 1
	}
	s.hz.Store(hz)
}

// registerConfigHooks keeps the live copies current on CONFIG SET.
func (s *Server) registerConfigHooks() {
	intHook := func(name string, dst interface{ Store(int64) }) {
		s.cfg.OnApply(name, func(v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err == nil {
				dst.Store(n)
			}
			return nil
		})
	}
	intHook("proto-max-bulk-len", &s.live.maxBulk)
	intHook("client-query-buffer-limit", &s.live.maxQuery)
	intHook("slowlog-log-slower-than", &s.live.slowlogSlower)
	intHook("timeout", &s.live.idleTimeout)
	intHook("maxclients", &s.live.maxClients)
	intHook("latency-monitor-threshold", &s.live.latencyMonitor)
	// Thresholds are read back from the table: memory values ("1kb")
	// arrive here unparsed.
	cfgHook := func(name string, dst interface{ Store(int64) }) {
		s.cfg.OnApply(name, func(string) error {
			dst.Store(s.cfg.Int(name))
			return nil
		})
	}
	s.cfg.OnApply("tracking-table-max-keys", func(string) error {
		s.trackingLimit() // a lowered limit applies at once (CONFIG SET holds the lock)
		return nil
	})
	cfgHook("hash-max-listpack-entries", &s.live.hashMaxEntries)
	cfgHook("hash-max-listpack-value", &s.live.hashMaxValue)
	cfgHook("set-max-intset-entries", &s.live.setMaxIntset)
	cfgHook("zset-max-listpack-entries", &s.live.zsetMaxEntries)
	cfgHook("zset-max-listpack-value", &s.live.zsetMaxValue)
	s.cfg.OnApply("maxmemory-clients", func(string) error {
		s.updateClientLimit()
		s.evictClients() // a lowered limit applies at once (CONFIG SET holds the lock)
		return nil
	})
	s.cfg.OnApply("maxmemory", func(string) error {
		s.live.maxmemory.Store(s.cfg.Uint("maxmemory"))
		s.updateClientLimit() // maxmemory-clients may be a percentage of it
		s.evictClients()
		if s.opts.OwnsProcess {
			applyMemoryLimit(s.cfg.Uint("maxmemory"))
		}
		// A lowered limit evicts before the next command or in the next
		// cron tick, outside this command: as Redis's eviction time
		// event, each eviction's DEL is propagated on its own, not
		// inside the CONFIG SET (or the transaction holding it).
		return nil
	})
	s.cfg.OnApply("notify-keyspace-events", func(string) error {
		s.live.notifyFlags.Store(int64(s.cfg.NotifyKeyspaceEvents()))
		return nil
	})
	s.cfg.OnApply("client-output-buffer-limit", func(string) error {
		obuf := s.cfg.OutputBufferLimits()
		s.live.obuf.Store(&obuf)
		return nil
	})
	s.cfg.OnApply("slowlog-max-len", func(v string) error {
		n, _ := strconv.ParseInt(v, 10, 64)
		s.live.slowlogMax.Store(n)
		s.slowlog.trim(int(n))
		return nil
	})
	s.cfg.OnApply("hz", func(v string) error {
		n, _ := strconv.ParseInt(v, 10, 64)
		if n < 1 {
			n = 1
		}
		if n > 500 {
			n = 500
		}
		s.hz.Store(n)
		return nil
	})
	s.cfg.OnApply("requirepass", func(v string) error {
		s.live.requirepass.Store(&v)
		return nil
	})
	s.cfg.OnApply("watchdog-period", func(v string) error {
		n, _ := strconv.ParseInt(v, 10, 64)
		s.live.watchdog.Store(n)
		return nil
	})
	s.cfg.OnApply("latency-tracking", func(v string) error {
		s.live.latencyTrack.Store(v == "yes")
		return nil
	})
	s.cfg.OnApply("protected-mode", func(v string) error {
		s.live.protectedMode.Store(v == "yes")
		return nil
	})
	s.cfg.OnApply("loglevel", func(v string) error {
		s.logLevel.Set(parseLogLevel(v))
		return nil
	})
	_ = time.Second
}
