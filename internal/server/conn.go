package server

import (
	"context"
	"errors"
	"io"
	"net"
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
	for {
		args, ok, err := c.rd.Next()
		if err != nil {
			s.connError(c, err)
			return
		}
		if !ok {
			if c.w.Len() > 0 {
				if c.send(c.w.Bytes()) != nil {
					return
				}
				c.w.Reset()
			}
			if c.killed.Load() {
				return
			}
			s.trimQueryBuffer(c)
			c.storeQbuf()
			if t := s.live.idleTimeout.Load(); t > 0 && c.flags&(clientMonitor|clientPubsub) == 0 {
				_ = conn.SetReadDeadline(time.Now().Add(time.Duration(t) * time.Second))
			}
			// Limits changed by CONFIG SET apply to connected clients too.
			c.rd.MaxBulk = s.live.maxBulk.Load()
			c.rd.MaxQuery = s.live.maxQuery.Load()
			c.in.pending = c.rd.Buffered()
			before := c.rd.Total
			err := c.rd.Fill()
			if err != nil && c.wake.Swap(false) && isTimeout(err) && !s.idleExpired(c) {
				// The cron woke the idle connection to release its buffer.
				if err := s.releaseQueryBuffer(c); err != nil {
					s.connError(c, err)
					return
				}
				continue
			}
			if err != nil {
				s.connError(c, err)
				return
			}
			c.clock = time.Now()
			s.stats.netInput.Add(c.rd.Total - before)
			c.totalIn.Add(c.rd.Total - before)
			c.storeQbuf()
			continue
		}
		s.execute(c, args)
		if c.flags&clientCloseAfterReply != 0 {
			_ = c.send(c.w.Bytes())
			c.w.Reset()
			return
		}
		if c.w.Len() > maxWriteBatch {
			if c.send(c.w.Bytes()) != nil {
				return
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

// connReader is the stream under a client's resp.Reader. It records what
// each read saw, so the size of the query buffer (CLIENT LIST qbuf-free,
// tot-mem) and its recent peak use are known, and it can replay a byte
// read while the client had no buffer.
type connReader struct {
	conn net.Conn
	// pending is what the resp.Reader held before the current Fill (set
	// by the connection loop); size the buffer size that read implied
	// (pending data plus the room offered); peak the largest amount of
	// data held since the last trim check.
	pending, size, peak int
	replay              []byte
}

func (cr *connReader) Read(p []byte) (int, error) {
	cr.size = cr.pending + len(p)
	var n int
	var err error
	if len(cr.replay) > 0 {
		n = copy(p, cr.replay)
		cr.replay = cr.replay[n:]
	} else {
		n, err = cr.conn.Read(p)
	}
	cr.peak = max(cr.peak, cr.pending+n)
	return n, err
}

// readerState is what a client's resp.Reader carries besides its buffer.
type readerState struct {
	maxBulk, maxQuery, total int64
	authenticated            bool
}

func (c *Client) readerState() readerState {
	return readerState{c.rd.MaxBulk, c.rd.MaxQuery, c.rd.Total, c.rd.Authenticated}
}

// newReader gives c a fresh resp.Reader over its connection with the
// given state.
func (c *Client) newReader(st readerState) {
	c.rd = resp.NewReader(c.in)
	c.in.size = queryBufInitial
	c.rd.MaxBulk, c.rd.MaxQuery, c.rd.Total = st.maxBulk, st.maxQuery, st.total
	c.rd.Authenticated = st.authenticated
}

// storeQbuf publishes the query buffer figures CLIENT LIST reports.
func (c *Client) storeQbuf() {
	used := c.rd.Buffered()
	c.qbuf.Store(int64(used))
	c.qbufFree.Store(int64(max(c.in.size-used, 0)))
}

// trimQueryBuffer replaces a big, mostly unused query buffer by a small
// one; it runs on the connection goroutine when nothing is pending, at
// most once per cron period.
func (s *Server) trimQueryBuffer(c *Client) {
	if c.rd.Buffered() != 0 || c.clock.Sub(c.lastTrim) < time.Second/time.Duration(s.hz.Load()) {
		return
	}
	c.lastTrim = c.clock
	if c.in.size > queryBufResizeAbove && c.in.size/2 > c.in.peak {
		c.newReader(c.readerState())
	}
	c.in.peak = 0
}

// releaseQueryBuffer drops an idle client's query buffer and waits for
// its next byte without one. The connection's deadline is restored first.
func (s *Server) releaseQueryBuffer(c *Client) error {
	deadline := time.Time{}
	if t := s.live.idleTimeout.Load(); t > 0 && c.flags&(clientMonitor|clientPubsub) == 0 {
		deadline = time.UnixMilli(c.lastActive.Load()).Add(time.Duration(t) * time.Second)
	}
	if err := c.conn.SetReadDeadline(deadline); err != nil {
		return err
	}
	if c.rd.Buffered() != 0 {
		return nil
	}
	// Only this goroutine uses c.rd; it stays nil while there is no buffer.
	st := c.readerState()
	c.rd = nil
	c.in.size = 0
	c.qbuf.Store(0)
	c.qbufFree.Store(0)
	var one [1]byte
	for {
		n, err := c.conn.Read(one[:])
		if n > 0 || err == nil {
			c.in.replay = append(c.in.replay[:0], one[:n]...)
			c.newReader(st)
			c.storeQbuf()
			return nil
		}
		if c.wake.Swap(false) && isTimeout(err) && !s.idleExpired(c) {
			_ = c.conn.SetReadDeadline(deadline)
			continue
		}
		c.newReader(st)
		return err
	}
}

// idleExpired reports whether c has been idle past the timeout directive.
func (s *Server) idleExpired(c *Client) bool {
	t := s.live.idleTimeout.Load()
	return t > 0 && c.flags&(clientMonitor|clientPubsub) == 0 &&
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
	c := &Client{
		id:        id,
		srv:       s,
		conn:      conn,
		in:        &connReader{conn: conn},
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
	c.authed = s.requirePass() == ""
	c.newReader(readerState{maxBulk: s.live.maxBulk.Load(), maxQuery: s.live.maxQuery.Load(), authenticated: c.authed})
	c.storeQbuf()
	if s.live.protectedMode.Load() && s.requirePass() == "" && !isLoopback(conn.RemoteAddr()) {
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
	s.stats.connections.Add(1)
	return c
}

// removeClient unregisters a finished connection.
func (s *Server) removeClient(c *Client) {
	s.ks.Lock()
	if c.flags&clientMonitor != 0 {
		s.removeMonitor(c)
	}
	s.ks.Unlock()
	s.clientsMu.Lock()
	delete(s.clients, c.id)
	s.clientsMu.Unlock()
	c.stopAsync()
	c.kill()
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return true // unix sockets and in-process pipes are local
	}
	return ta.IP.IsLoopback()
}
