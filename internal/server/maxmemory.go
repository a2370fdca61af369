package server

// The maxmemory limit. Commands that may grow memory (denyoom) are refused
// with Redis's OOM error while used memory is over maxmemory. Eviction
// policies other than noeviction need per-entry memory accounting, which
// the keyspace does not keep yet: until it does, every policy refuses like
// noeviction instead of evicting (see docs/compatibility.md).

// overMaxmemory reports whether a command that may grow memory must be
// refused now. It costs nothing while maxmemory is 0 (the default).
func (s *Server) overMaxmemory() bool {
	limit := s.cfg.Uint("maxmemory")
	if limit == 0 {
		return false
	}
	used, _, _ := heapStats()
	return uint64(used) > limit
}

// rejectsOnOOM says whether cmd is refused while over maxmemory: commands
// flagged denyoom, an EXEC whose transaction holds one, and (as in Redis)
// anything queued into a transaction but DISCARD, QUIT and RESET.
func rejectsOnOOM(c *Client, cmd *Command) bool {
	if cmd.Has(FlagDenyOOM) {
		return true
	}
	if c.multi == nil || cmd.Parent != nil {
		return false
	}
	switch cmd.Name {
	case "exec":
		return c.multi.denyOOM
	case "discard", "quit", "reset":
		return false
	}
	return true
}
