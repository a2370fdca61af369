package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Listeners: TCP sockets for every bind address on the port directive's
// port, and the unixsocket. CONFIG SET port and bind replace the TCP
// listeners while the server runs (see registerListenHooks).

// listen opens the listeners of the bind, port and unixsocket directives.
func (s *Server) listen() error {
	port := int(s.cfg.Int("port"))
	lns, err := s.openTCP(strings.Fields(s.cfg.String("bind")), port)
	if err != nil {
		s.log.Warn(fmt.Sprintf("Failed listening on port %d (tcp), aborting.", port))
		return err
	}
	if err := s.configureTLS(); err != nil {
		closeAll(lns)
		s.log.Warn("Failed to configure TLS. Check logs for more info.")
		return err
	}
	tlsPort := int(s.cfg.Int("tls-port"))
	tlsLns, err := s.openTLSListeners(strings.Fields(s.cfg.String("bind")), tlsPort)
	if err != nil {
		closeAll(lns)
		s.log.Warn(fmt.Sprintf("Failed listening on port %d (tls), aborting.", tlsPort))
		return err
	}
	var unix net.Listener
	if path := s.cfg.String("unixsocket"); path != "" {
		if unix, err = s.openUnix(path); err != nil {
			closeAll(lns)
			closeAll(tlsLns)
			s.log.Warn(fmt.Sprintf("Failed opening Unix socket: %v", err))
			return err
		}
	}
	s.listenMu.Lock()
	s.listeners, s.unix, s.tls.listeners = lns, unix, tlsLns
	s.setAddr()
	s.listenMu.Unlock()
	return nil
}

// openTCP listens on port for every bind address (a leading "-" marks an
// address that may fail). Port 0 means no TCP listener, except for
// embedded servers, where it means a free port shared by every address.
func (s *Server) openTCP(binds []string, port int) ([]net.Listener, error) {
	if port == 0 && !s.opts.EphemeralPort {
		return nil, nil
	}
	var lns []net.Listener
	for _, b := range binds {
		host := strings.TrimPrefix(b, "-") // optional: only "unavailable" errors are skipped anyway
		network := "tcp"
		switch host {
		case "*":
			host, network = "0.0.0.0", "tcp4"
		case "::*":
			host, network = "::", "tcp6"
		}
		p := port
		if p == 0 && len(lns) > 0 {
			p = lns[0].Addr().(*net.TCPAddr).Port
		}
		ln, err := net.Listen(network, net.JoinHostPort(host, strconv.Itoa(p)))
		if err != nil {
			s.log.Warn(fmt.Sprintf("Warning: Could not create server TCP listening socket %s:%d: %s", b, port, strerror(err)))
			// Like Redis, skip addresses this host cannot have (no IPv6,
			// an address not configured here), whether optional or not.
			if unavailableAddr(err) {
				continue
			}
			closeAll(lns)
			return nil, fmt.Errorf("listen on %s:%d: %w", host, port, err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// openUnix listens on the unixsocket path with the unixsocketperm mode,
// replacing a stale socket file.
func (s *Server) openUnix(path string) (net.Listener, error) {
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if perm := s.cfg.Int("unixsocketperm"); perm != 0 {
		if err := os.Chmod(path, os.FileMode(perm)); err != nil {
			ln.Close()
			return nil, err
		}
	}
	// The file is removed explicitly at shutdown (closeListeners).
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false)
	}
	return ln, nil
}

// unavailableAddr reports errors that mean the address cannot exist on
// this host.
func unavailableAddr(err error) bool {
	for _, e := range []syscall.Errno{syscall.ENOPROTOOPT, syscall.EPROTONOSUPPORT, syscall.ESOCKTNOSUPPORT,
		syscall.EPFNOSUPPORT, syscall.EAFNOSUPPORT, syscall.EADDRNOTAVAIL} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// startAccepting serves ln in the background; listenMu is held.
func (s *Server) startAccepting(ln net.Listener) {
	s.wg.Add(1)
	go s.acceptLoop(ln)
}

func (s *Server) acceptLoop(ln net.Listener) {
	defer s.wg.Done()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.log.Warn("Accepting client connection", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.wg.Add(1)
		// The id is taken here, in accept order, as Redis numbers clients.
		go s.serveConn(conn, s.nextID.Add(1))
	}
}

// setAddr records the address clients reach; listenMu is held.
func (s *Server) setAddr() {
	switch {
	case len(s.listeners) > 0:
		s.addr = s.listeners[0].Addr().String()
	case s.unix != nil:
		s.addr = s.unix.Addr().String()
	default:
		s.addr = ""
	}
}

// rebindTCP replaces the TCP listeners by ones on binds and port, for
// CONFIG SET. The new sockets are opened before the old ones close; when
// they collide with the old ones (same port), the old ones are closed
// first and reopened if the new configuration cannot be bound.
func (s *Server) rebindTCP(binds []string, port int) error {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	if s.closing {
		return nil
	}
	old := s.listeners
	oldPort := 0
	if len(old) > 0 {
		oldPort = old[0].Addr().(*net.TCPAddr).Port
	}
	lns, err := s.openTCP(binds, port)
	if err != nil && errors.Is(err, syscall.EADDRINUSE) && len(old) > 0 && port == oldPort {
		closeAll(old)
		if lns, err = s.openTCP(binds, port); err != nil {
			// Put the previous listeners back (CONFIG SET rolls back).
			if prev, perr := s.openTCP(listenerBinds(old), oldPort); perr == nil {
				s.listeners = prev
				for _, ln := range prev {
					s.startAccepting(ln)
				}
			} else {
				s.listeners = nil
			}
			s.setAddr()
			return err
		}
	} else if err != nil {
		return err
	} else {
		closeAll(old)
	}
	s.listeners = lns
	for _, ln := range lns {
		s.startAccepting(ln)
	}
	s.setAddr()
	return nil
}

// listenerBinds returns the addresses listeners are bound to, as bind
// directive entries.
func listenerBinds(lns []net.Listener) []string {
	out := make([]string, 0, len(lns))
	for _, ln := range lns {
		out = append(out, ln.Addr().(*net.TCPAddr).IP.String())
	}
	return out
}

// tcpPort is the port the server listens on (the real one for ephemeral
// listeners), or the port directive when there is no TCP listener.
func (s *Server) tcpPort() int64 {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	for _, ln := range s.listeners {
		if a, ok := ln.Addr().(*net.TCPAddr); ok {
			return int64(a.Port)
		}
	}
	return s.cfg.Int("port")
}

// Addr returns the first listener's address ("127.0.0.1:6379").
func (s *Server) Addr() string {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	return s.addr
}

// closeListeners stops accepting connections for good and removes the
// unix socket file.
func (s *Server) closeListeners() {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	s.closing = true
	closeAll(s.listeners)
	closeAll(s.tls.listeners)
	if s.unix != nil {
		s.unix.Close()
		_ = os.Remove(s.cfg.String("unixsocket"))
	}
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

// registerListenHooks makes CONFIG SET port and bind rebind the server.
func (s *Server) registerListenHooks() {
	s.cfg.OnApply("port", func(v string) error {
		port, _ := strconv.Atoi(v)
		if err := s.rebindTCP(strings.Fields(s.cfg.String("bind")), port); err != nil {
			return errors.New("Unable to listen on this port: " + strerror(err))
		}
		return nil
	})
	s.cfg.OnApply("bind", func(v string) error {
		err := s.rebindTCP(strings.Fields(v), int(s.cfg.Int("port")))
		if err == nil && s.cfg.Int("tls-port") != 0 {
			err = s.rebindTLS(strings.Fields(v), int(s.cfg.Int("tls-port")))
		}
		if err != nil {
			//lint:ignore ST1005 Redis's exact error text, shown to users
			return errors.New("Failed to bind to specified addresses.")
		}
		return nil
	})
}

// strerror words a system error as C's strerror does ("Address already
// in use"), falling back to the error's own text.
func strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}

// dialOut opens an outgoing connection (to a master, a MIGRATE target)
// from bind-source-addr when it is set, as Redis does.
func (s *Server) dialOut(addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	if src := s.cfg.String("bind-source-addr"); src != "" {
		ip := net.ParseIP(src)
		if ip == nil {
			return nil, fmt.Errorf("bind-source-addr %q is not an IP address", src)
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	return d.Dial("tcp", addr)
}
