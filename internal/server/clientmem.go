package server

import (
	"fmt"
	"sort"
	"sync/atomic"
)

// Client memory: what each connection holds in buffers and per-client
// state, kept in two server-wide totals (normal and pub/sub clients;
// replicas) that used_memory follows between anchors (maxmemory.go),
// INFO reports (mem_clients_normal, mem_clients_slaves) and client
// eviction (maxmemory-clients) compares with.
//
// A client's figure has two parts, each published by the goroutine that
// changes it and only when it changed, so the common path pays no atomic
// read-modify-write per command:
//   - its own (memOwn): a fixed base, the query buffer's capacity, the
//     reply writer's capacity, the transaction queue, WATCHed keys,
//     subscriptions and tracking prefixes. The connection goroutine
//     recomputes it after a read that grew the query buffer and at the end
//     of each batch, before its replies are written (a write that blocks
//     leaves the figure showing the pending replies).
//   - its outbox (pub/sub messages, invalidations, MONITOR lines, replies
//     queued behind them): the capacity of its two buffers, published
//     under the outbox lock when a buffer is allocated or dropped.
// A replica's stream buffers are accounted the same way into the replica
// total (replication_master.go).
//
// Client eviction, as in Redis 7.0: when the normal and pub/sub clients
// together pass maxmemory-clients (bytes, or a percentage of maxmemory),
// the largest evictable clients are disconnected until the total is back
// under it. Replicas, the master link and CLIENT NO-EVICT clients are
// never evicted. The check runs before every command (two atomic loads),
// after a read that grew a query buffer, when an outbox grows, and from
// the cron.

// clientBaseMem stands for a connection's fixed state: the Client, its
// command context, reader and writer headers, the goroutine's stack.
const clientBaseMem = 4096

// Per-entry overheads of the per-client state counted in memOwn.
const (
	watchedKeyMem   = 64 // a watchedKey and its slice slot, plus the key
	subscriptionMem = 64 // a map entry and an order slot, plus the name
	trackPrefixMem  = 64 // a prefix slot, plus the prefix
	queuedCmdMem    = 48 // a queuedCommand, plus its arguments
	queuedArgMem    = 24 // a slice header per argument
)

// clientMemStats are the server-wide client memory totals.
type clientMemStats struct {
	normal   atomic.Int64 // normal, pub/sub and MONITOR clients
	replicas atomic.Int64 // replicas' stream buffers and connections
	// replStream is the replicas' stream buffers alone: memory not
	// counted for eviction (mem_not_counted_for_evict), as in Redis.
	replStream atomic.Int64
	evicted    atomic.Int64 // clients disconnected by client eviction
	// limit is the effective maxmemory-clients in bytes, 0 when off.
	limit atomic.Int64
}

// total is all client memory (used_memory follows it).
func (m *clientMemStats) total() int64 { return m.normal.Load() + m.replicas.Load() }

// ownMemory computes the client's own part; connection goroutine only
// (the fields it reads change only on that goroutine, under the keyspace
// lock).
func (c *Client) ownMemory() int64 {
	m := int64(clientBaseMem + c.rd.Cap() + cap(c.w.Bytes()))
	if c.multi != nil {
		m += c.multi.mem
	}
	m += int64(len(c.watched))*watchedKeyMem + c.watchedBytes
	m += c.subs.mem()
	if t := c.tracking; t != nil {
		m += int64(len(t.prefixes)) * trackPrefixMem
	}
	return m
}

// updateMemory publishes the client's own part if it changed and reports
// whether the normal clients' total is over maxmemory-clients.
func (c *Client) updateMemory() bool {
	m := c.ownMemory()
	if m == c.memSeen {
		return false
	}
	c.memSeen = m
	if c.killed.Load() {
		return false // removeClient takes the figure back
	}
	old := c.memOwn.Swap(m)
	ctr := &c.srv.cmem.normal
	if c.memReplica {
		ctr = &c.srv.cmem.replicas
	}
	n := ctr.Add(m - old)
	lim := c.srv.cmem.limit.Load()
	return lim > 0 && !c.memReplica && n > lim
}

// setMemoryClass moves the client's figure to the replica total when it
// becomes a replica or the master link (keyspace lock held, on the
// connection goroutine).
func (c *Client) setMemoryClass(replica bool) {
	if c.memReplica == replica {
		return
	}
	own := c.memOwn.Swap(0)
	from, to := &c.srv.cmem.normal, &c.srv.cmem.replicas
	if !replica {
		from, to = to, from
	}
	from.Add(-own)
	c.memReplica = replica
	c.memOwn.Store(own)
	to.Add(own)
}

// releaseMemory takes the client's figures out of the totals (the client
// is gone, or evicted: its goroutine will not add to them again).
func (c *Client) releaseMemory() {
	ctr := &c.srv.cmem.normal
	if c.memReplica {
		ctr = &c.srv.cmem.replicas
	}
	ctr.Add(-c.memOwn.Swap(0))
	c.outMu.Lock()
	ob := c.async
	c.outMu.Unlock()
	if ob != nil {
		ob.mu.Lock()
		ob.closed = true // nothing more is queued: the client is finished
		ob.setMem(0)
		ob.mu.Unlock()
	}
}

// memoryUsage is the client's figure (CLIENT LIST tot-mem).
func (c *Client) memoryUsage() int64 {
	m := c.memOwn.Load()
	c.outMu.Lock()
	ob := c.async
	c.outMu.Unlock()
	if ob != nil {
		ob.mu.Lock()
		m += ob.mem
		ob.mu.Unlock()
	}
	return m
}

// setMem publishes the outbox's buffer capacity as m (ob.mu held).
func (ob *outbox) setMem(m int64) {
	if m != ob.mem {
		if ob.ctr != nil {
			ob.ctr.Add(m - ob.mem)
		}
		ob.mem = m
	}
}

// account publishes the capacity of the outbox's buffers (ob.mu held).
func (ob *outbox) account() {
	if !ob.closed {
		ob.setMem(int64(cap(ob.buf) + ob.outCap))
	}
}

// clientsOverLimit reports whether normal clients use more than
// maxmemory-clients.
func (s *Server) clientsOverLimit() bool {
	lim := s.cmem.limit.Load()
	return lim > 0 && s.cmem.normal.Load() > lim
}

// updateClientLimit derives the effective maxmemory-clients: bytes, or a
// percentage of maxmemory (none without maxmemory), and never below
// 128 KB so that a bad setting cannot lock every client out (Redis does
// the same).
func (s *Server) updateClientLimit() {
	v := s.cfg.Int("maxmemory-clients")
	var lim int64
	switch {
	case v > 0:
		lim = v
	case v < 0:
		lim = int64(float64(s.cfg.Uint("maxmemory")) * float64(-v) / 100)
		if lim == 0 {
			s.cmem.limit.Store(0)
			return
		}
	default:
		s.cmem.limit.Store(0)
		return
	}
	s.cmem.limit.Store(max(lim, 128<<10))
}

// evictClients disconnects the largest evictable clients until the normal
// clients' total is within maxmemory-clients. The keyspace lock is held
// (client flags are read under it).
func (s *Server) evictClients() {
	lim := s.cmem.limit.Load()
	if lim <= 0 || s.cmem.normal.Load() <= lim {
		return
	}
	type cand struct {
		c   *Client
		mem int64
	}
	var cands []cand
	s.clientsMu.Lock()
	for _, c := range s.clients {
		if c.killed.Load() || c.conn == nil || c.memReplica ||
			c.flags&(clientNoEvict|clientReplica|clientMaster) != 0 {
			continue
		}
		cands = append(cands, cand{c, c.memoryUsage()})
	}
	s.clientsMu.Unlock()
	sort.Slice(cands, func(i, j int) bool { return cands[i].mem > cands[j].mem })
	for _, k := range cands {
		if s.cmem.normal.Load() <= lim {
			return
		}
		s.log.Info(fmt.Sprintf("Evicting client: id=%d addr=%s name=%s tot-mem=%d", k.c.id, k.c.addr, k.c.name, k.mem))
		k.c.kill()
		k.c.releaseMemory()
		s.cmem.evicted.Add(1)
	}
	if s.cmem.normal.Load() > lim {
		s.log.Warn("Over client maxmemory after evicting all evictable clients")
	}
}

// evictClientsNow takes the keyspace lock to evict clients; for callers
// outside it (connection goroutines after a read, outbox writers).
func (s *Server) evictClientsNow() {
	s.ks.Lock()
	s.evictClients()
	s.ks.Unlock()
}

// mem is the memory of the client's subscriptions.
func (cs *clientSubs) mem() int64 {
	n := cs.channels.len() + cs.patterns.len() + cs.shard.len()
	if n == 0 {
		return 0
	}
	return int64(n)*subscriptionMem + cs.channels.bytes + cs.patterns.bytes + cs.shard.bytes
}
