package server

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/peregrinedb/peregrine/internal/resp"
)

// maxWriteBatch flushes replies early once this many bytes are pending.
const maxWriteBatch = 64 * 1024

// serveConn runs one connection: parse every complete command in the
// buffer, execute them in order, write all replies with one syscall.
func (s *Server) serveConn(conn net.Conn) {
	defer s.wg.Done()
	c := s.newClient(conn)
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
			if t := s.live.idleTimeout.Load(); t > 0 && c.flags&(clientMonitor|clientPubsub) == 0 {
				_ = conn.SetReadDeadline(time.Now().Add(time.Duration(t) * time.Second))
			}
			before := c.rd.Total
			if err := c.rd.Fill(); err != nil {
				s.connError(c, err)
				return
			}
			c.clock = time.Now()
			s.stats.netInput.Add(c.rd.Total - before)
			c.totalIn.Add(c.rd.Total - before)
			c.qbuf.Store(int64(c.rd.Buffered()))
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
func (s *Server) newClient(conn net.Conn) *Client {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
		_ = tc.SetKeepAlive(true)
	}
	c := &Client{
		id:        s.nextID.Add(1),
		srv:       s,
		conn:      conn,
		rd:        resp.NewReader(conn),
		w:         resp.NewWriter(),
		addr:      conn.RemoteAddr().String(),
		laddr:     conn.LocalAddr().String(),
		createdMs: nowMs(),
		user:      "default",
	}
	c.fd = int(c.id) + 7
	c.lastActive.Store(c.createdMs)
	c.rd.MaxBulk = s.live.maxBulk.Load()
	c.rd.MaxQuery = s.live.maxQuery.Load()
	c.authed = s.requirePass() == ""
	c.rd.Authenticated = c.authed
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

// clientAddrPort splits "ip:port" for CLIENT LIST fields.
func clientAddrPort(addr string) (string, int) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	n, _ := strconv.Atoi(p)
	return h, n
}
