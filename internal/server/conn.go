package server

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"time"

	"github.com/peregrinedb/peregrine/internal/resp"
)

// maxWriteBatch flushes replies early once this many bytes are pending.
const maxWriteBatch = 64 * 1024

// serveConn runs one connection: parse every complete command in the
// buffer, execute them in order, write all replies with one syscall.
func (s *Server) serveConn(conn net.Conn, id int64) {
	defer s.wg.Done()
	c := s.newClient(conn, id)
	if c == nil {
		return
	}
	defer s.removeClient(c)
	if c.raw != nil {
		s.serveRaw(c)
		return
	}
	for {
		switch s.serveLoop(c) {
		case loopDone:
			return
		case loopBlocked:
			if !s.waitPendingBlock(c) {
				return
			}
		}
	}
}

// loopResult says why serveLoop returned.
type loopResult uint8

const (
	loopDone    loopResult = iota // the connection is finished
	loopBlocked                   // a command blocked the client (c.pendingBlock)
	loopWait                      // raw session: input drained, wait for the poller
)

// serveRaw runs the loop of a plain socket inside one RawConn read
// session, so the goroutine waits on the poller after a read that drained
// the socket instead of trying one more read(2) that would fail with EAGAIN
// (Redis reads once per readable event; net.Conn's Read would reset the
// poller's readiness and so must read first). Waiting without the reset is
// safe: data that arrives after the draining read raises a new edge, which
// the poller records for this session. Blocking commands leave the session,
// as their wait reads the socket from another goroutine.
func (s *Server) serveRaw(c *Client) {
	var res loopResult
	loop := func(fd uintptr) bool {
		c.raw.fd = fd
		res = s.serveLoop(c)
		return res != loopWait
	}
	for {
		c.raw.session, c.raw.drained = true, false
		err := c.raw.rc.Read(loop)
		c.raw.session = false
		if err != nil {
			// The wait failed: a deadline (idle timeout, the cron's
			// wake-up) or the connection was closed.
			if !s.fillFailed(c, err) {
				return
			}
			continue
		}
		switch res {
		case loopDone:
			return
		case loopBlocked:
			if !s.waitPendingBlock(c) {
				return
			}
		}
	}
}

// waitPendingBlock waits for the client's blocking command to be served,
// time out or be unblocked; false means the connection is gone.
func (s *Server) waitPendingBlock(c *Client) bool {
	st := c.pendingBlock
	c.pendingBlock = nil
	return s.waitUnblocked(c, st)
}

// fillFailed handles a failed read: the cron's wake-up of an idle
// connection releases its query buffer (true: carry on); anything else
// ends the connection (false).
func (s *Server) fillFailed(c *Client, err error) bool {
	if c.wake.Swap(false) && isTimeout(err) && !s.idleExpired(c) {
		// The cron woke the idle connection to release its buffer.
		if err := s.releaseQueryBuffer(c); err != nil {
			s.connError(c, err)
			return false
		}
		return true
	}
	s.connError(c, err)
	return false
}

// serveLoop reads, runs and answers commands until the connection ends, a
// command blocks, or (raw session) the input is drained.
func (s *Server) serveLoop(c *Client) loopResult {
	for {
		args, ok, err := c.rd.Next()
		if err != nil {
			s.connError(c, err)
			return loopDone
		}
		if !ok {
			if c.w.Len() > 0 {
				// The figure shows the replies while a write blocks.
				if c.updateMemory() {
					s.evictClientsNow()
				}
				// Let the other connections that are ready run their
				// commands first, so the replies go out in one burst as
				// in Redis's event loop (written before it sleeps). A
				// write that finds its client asleep pays a cross-CPU
				// wake-up; interleaving reads and writes made nearly every
				// write pay it (perf: 28% of server CPU at pipeline 16 in
				// sock_def_readable, Redis 6.5%). Server CPU per request
				// fell 15-30% at pipeline 16 (docs/benchmarks.md).
				runtime.Gosched()
				if c.send(c.w.Bytes()) != nil {
					return loopDone
				}
				c.w.Reset()
			}
			if c.killed.Load() {
				return loopDone
			}
			s.trimQueryBuffer(c)
			c.storeQbuf()
			if c.updateMemory() {
				s.evictClientsNow()
			}
			if t := s.live.idleTimeout.Load(); t > 0 && c.flags&(clientMonitor|clientPubsub|clientReplica) == 0 {
				// Idle time counts from the last command, as in Redis.
				_ = c.conn.SetReadDeadline(time.UnixMilli(c.lastActive.Load()).Add(time.Duration(t) * time.Second))
			}
			// Limits changed by CONFIG SET apply to connected clients too.
			c.rd.MaxBulk = s.live.maxBulk.Load()
			c.rd.MaxQuery = s.live.maxQuery.Load()
			if c.raw != nil && c.raw.drained {
				c.raw.drained = false
				return loopWait
			}
			before, capBefore := c.rd.Total, c.rd.Cap()
			err := c.rd.Fill()
			if err == errWouldBlock {
				return loopWait
			}
			if err != nil {
				if !s.fillFailed(c, err) {
					return loopDone
				}
				continue
			}
			c.clock = time.Now()
			s.stats.netInput.Add(c.rd.Total - before)
			c.totalIn.Add(c.rd.Total - before)
			c.storeQbuf()
			if c.rd.Cap() != capBefore && c.updateMemory() {
				// A grown query buffer may put the clients over
				// maxmemory-clients (clientmem.go).
				s.evictClientsNow()
				if c.killed.Load() {
					return loopDone
				}
			}
			continue
		}
		wasReplica, before := c.replica != nil, c.w.Len()
		s.execute(c, args)
		if wasReplica && c.w.Len() > before {
			s.replicaGeneratedReply(c, args, c.w.Bytes()[before:])
		}
		if c.flags&clientCloseASAP != 0 {
			c.w.Reset() // over its output limit: closed without the replies (obuf.go)
			return loopDone
		}
		if c.pendingBlock != nil {
			return loopBlocked
		}
		if c.flags&clientCloseAfterReply != 0 {
			_ = c.send(c.w.Bytes())
			c.w.Reset()
			return loopDone
		}
		if c.w.Len() > maxWriteBatch {
			if c.updateMemory() {
				s.evictClientsNow()
			}
			if c.send(c.w.Bytes()) != nil {
				return loopDone
			}
			c.w.Reset()
		}
	}
}

// Query buffer management, in the spirit of Redis's clientsCron: a
// connection idle for queryBufIdle with an empty buffer gives its buffer
// back (it reads one byte without a buffer, then gets a fresh one), and a
// buffer grown for a big request is replaced by a small one once recent
// requests use less than half of it.
const (
	queryBufIdle = 2 * time.Second
	// queryBufInitial is the buffer a fresh resp.Reader starts with.
	queryBufInitial = 16 * 1024
	// queryBufResizeAbove is the size below which a buffer is never trimmed
	// (Redis's PROTO_RESIZE_THRESHOLD); queryBufReleaseAbove the free room
	// an idle client must be holding for its buffer to be released.
	queryBufResizeAbove  = 32 * 1024
	queryBufReleaseAbove = 4 * 1024
)

// storeQbuf publishes the query buffer figures CLIENT LIST reports.
func (c *Client) storeQbuf() {
	used := c.rd.Buffered()
	c.qbuf.Store(int64(c.rd.Unconsumed()))
	c.qbufFree.Store(int64(max(c.rd.Cap()-used, 0)))
}

// trimQueryBuffer replaces a big, mostly unused query buffer by a small
// one; it runs on the connection goroutine when nothing is pending, at
// most once per cron period.
func (s *Server) trimQueryBuffer(c *Client) {
	if c.rd.Buffered() != 0 || c.clock.Sub(c.lastTrim) < time.Second/time.Duration(s.hz.Load()) {
		return
	}
	c.lastTrim = c.clock
	peak := c.rd.TakePeak()
	if c.rd.Cap() > queryBufResizeAbove && c.rd.Cap()/2 > peak {
		c.rd.Shrink(queryBufInitial)
	}
}

// releaseQueryBuffer drops an idle client's query buffer (its next read
// allocates one only when data arrives) and restores the read deadline the
// cron's wake-up replaced.
func (s *Server) releaseQueryBuffer(c *Client) error {
	deadline := time.Time{}
	if t := s.live.idleTimeout.Load(); t > 0 && c.flags&(clientMonitor|clientPubsub|clientReplica) == 0 {
		deadline = time.UnixMilli(c.lastActive.Load()).Add(time.Duration(t) * time.Second)
	}
	if err := c.conn.SetReadDeadline(deadline); err != nil {
		return err
	}
	c.rd.Release()
	c.storeQbuf()
	c.updateMemory()
	return nil
}

// idleExpired reports whether c has been idle past the timeout directive.
func (s *Server) idleExpired(c *Client) bool {
	t := s.live.idleTimeout.Load()
	return t > 0 && c.flags&(clientMonitor|clientPubsub|clientReplica) == 0 &&
		nowMs()-c.lastActive.Load() >= t*1000
}

// wakeIdleClients asks connections idle for queryBufIdle that hold an
// empty buffer to release it: their blocked read is interrupted by a
// deadline in the past (the cron calls this).
func (s *Server) wakeIdleClients() {
	now := nowMs()
	s.clientsMu.Lock()
	defer s.clientsMu.Unlock()
	for _, c := range s.clients {
		if c.conn == nil || c.qbuf.Load() != 0 || c.qbufFree.Load() <= queryBufReleaseAbove ||
			now-c.lastActive.Load() < queryBufIdle.Milliseconds() {
			continue
		}
		c.wake.Store(true)
		_ = c.conn.SetReadDeadline(time.Unix(1, 0))
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// connError handles a read or protocol error: protocol errors get Redis's
// reply before the connection closes.
func (s *Server) connError(c *Client, err error) {
	var pe *resp.ProtocolError
	if errors.As(err, &pe) {
		s.countError(pe.Error())
		c.w.Error(pe.Error())
		_ = c.send(c.w.Bytes())
		c.w.Reset()
		s.log.Log(context.Background(), LevelVerbose, "Protocol error from client: "+pe.Msg, "addr", c.addr)
		return
	}
	if errors.Is(err, resp.ErrQueryBufferLimit) {
		s.log.Warn("Closing client that reached max query buffer length", "addr", c.addr)
		return
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !c.killed.Load() {
		s.log.Log(context.Background(), LevelVerbose, "Closing idle client", "addr", c.addr)
		return
	}
	if err != io.EOF && !c.killed.Load() {
		s.log.Debug("Client closed connection", "addr", c.addr, "err", err)
	}
}

// newClient registers a connection, enforcing maxclients and protected mode.
func (s *Server) newClient(conn net.Conn, id int64) *Client {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
		_ = tc.SetKeepAlive(true)
	}
	in, out := newRawIO(conn)
	raw, _ := in.(*rawReader)
	c := &Client{
		raw:       raw,
		id:        id,
		srv:       s,
		conn:      conn,
		out:       out,
		rd:        resp.NewReader(in),
		w:         resp.NewWriter(),
		addr:      conn.RemoteAddr().String(),
		laddr:     conn.LocalAddr().String(),
		createdMs: nowMs(),
		user:      "default",
	}
	if ua, ok := conn.LocalAddr().(*net.UnixAddr); ok {
		// Unix socket clients are named after the socket, as in Redis.
		c.addr = ua.Name + ":0"
		c.laddr = c.addr
	}
	c.fd = int(c.id) + 7
	c.lastActive.Store(c.createdMs)
	c.aclUser = s.acl.reg.Default()
	c.authed = s.defaultAuthed()
	c.rd.MaxBulk, c.rd.MaxQuery, c.rd.Authenticated = s.live.maxBulk.Load(), s.live.maxQuery.Load(), c.authed
	c.storeQbuf()
	if s.live.protectedMode.Load() && s.acl.reg.Default().User().NoPass() && !isLoopback(conn.RemoteAddr()) {
		_, _ = conn.Write([]byte("-DENIED Peregrine is running in protected mode: no password is set for the default user, so only loopback connections are accepted. Set a password, or disable protected mode with 'CONFIG SET protected-mode no' from the loopback interface or '--protected-mode no' at start-up.\r\n"))
		s.stats.rejectedConns.Add(1)
		conn.Close()
		return nil
	}
	s.clientsMu.Lock()
	if int64(len(s.clients)) >= s.live.maxClients.Load() {
		s.clientsMu.Unlock()
		_, _ = conn.Write([]byte("-ERR max number of clients reached\r\n"))
		s.stats.rejectedConns.Add(1)
		conn.Close()
		return nil
	}
	s.clients[c.id] = c
	s.clientsMu.Unlock()
	c.updateMemory()
	s.stats.connections.Add(1)
	return c
}

// removeClient unregisters a finished connection.
func (s *Server) removeClient(c *Client) {
	s.ks.Lock()
	if c.flags&clientMonitor != 0 {
		s.removeMonitor(c)
	}
	s.unblock(c)
	s.discardTransaction(c)
	s.unsubscribeAll(c)
	s.disableTracking(c)
	s.replicaGone(c)
	s.ks.Unlock()
	s.clientsMu.Lock()
	delete(s.clients, c.id)
	s.clientsMu.Unlock()
	c.stopAsync()
	c.killed.Store(true)
	c.releaseMemory()
	if c.conn != nil {
		c.conn.Close()
	}
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return true // unix sockets and in-process pipes are local
	}
	return ta.IP.IsLoopback()
}
