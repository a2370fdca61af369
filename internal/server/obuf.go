package server

// Output limits of normal clients (client-output-buffer-limit normal ...).
// A normal client's replies are built in its writer and written at the end
// of each batch; what the socket does not take waits in the client's
// outbox, where the limits apply as they queue (client.go's queueReply).
// Before that, the reply to one command (or one pipelined batch) can pass
// a hard limit: past it the client is closed without the replies, as Redis
// closes a client that overcame its limit. Loops that can
// build a reply of any size from one small request (HRANDFIELD, SRANDMEMBER
// and ZRANDMEMBER with a negative count, KEYS) check as they go and stop, so
// one request cannot make the server allocate without bound when a limit is
// set. Subscribers' limits apply to their outbox (pubsub.go).

// limitCheckEvery is how many elements such loops produce between checks.
const limitCheckEvery = 1024

// outputOverLimit reports whether pending bytes of reply pass the client's
// hard output limit; if so the client is scheduled to be closed.
func (x *Ctx) outputOverLimit(pending int64) bool {
	c := x.c
	if c.flags&clientCloseASAP != 0 {
		return true
	}
	if c.conn == nil || x.fromScript() || c.flags&(clientPubsub|clientReplica|clientMaster) != 0 {
		return false
	}
	lim := x.s.obufLimit(c)
	if lim.Hard == 0 || pending <= int64(lim.Hard) {
		return false
	}
	x.s.closeForOutputLimit(c)
	return true
}

// replyOverLimit is outputOverLimit for what the client's writer holds.
func (x *Ctx) replyOverLimit() bool { return x.outputOverLimit(int64(x.w.Len())) }

// closeForOutputLimit schedules c to be closed without its replies.
func (s *Server) closeForOutputLimit(c *Client) {
	if c.flags&clientCloseASAP != 0 {
		return
	}
	c.flags |= clientCloseASAP
	s.log.Warn("Client " + c.addr + " scheduled to be closed ASAP for overcoming of output buffer limits.")
}

// enforceSoftLimits closes the clients whose held output has stayed over
// their class's soft limit for longer than its seconds, from the cron: the
// check made when output is queued never runs for a client that receives
// nothing more (Redis's clientsCron does the same).
func (s *Server) enforceSoftLimits() {
	var over []*Client
	// The keyspace lock: client flags change under it (SUBSCRIBE...).
	s.ks.Lock()
	s.clientsMu.Lock()
	for _, c := range s.clients {
		c.outMu.Lock()
		ob := c.async
		c.outMu.Unlock()
		if ob == nil || c.flags&(clientReplica|clientMaster) != 0 {
			continue
		}
		lim := s.obufLimit(c)
		if lim.Soft == 0 {
			continue
		}
		ob.mu.Lock()
		pending := len(ob.buf) + ob.writing
		if pending > 0 && overOutputLimit(lim, uint64(pending), &ob.softSince) {
			over = append(over, c)
		}
		ob.mu.Unlock()
	}
	s.clientsMu.Unlock()
	s.ks.Unlock()
	for _, c := range over {
		s.closeOverOutputLimit(c)
	}
}

// closeOverOutputLimit closes c, whose held output passed its limits, with
// Redis's log line.
func (s *Server) closeOverOutputLimit(c *Client) {
	s.log.Warn("Client " + c.addr + " scheduled to be closed ASAP for overcoming of output buffer limits.")
	c.kill()
}
