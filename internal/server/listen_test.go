package server

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/config"
)

// freePort returns a port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startFixedPortServer runs a server the way the binary does: port 0 means
// no TCP listener, and a real port is required.
func startFixedPortServer(t *testing.T, args ...string) *Server {
	t.Helper()
	cfg := config.New()
	all := append([]string{"--port", strconv.Itoa(freePort(t)), "--bind", "127.0.0.1"}, args...)
	if err := cfg.LoadArgs(all); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Config: cfg, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); s.Wait() })
	return s
}

func dialAddr(t *testing.T, network, addr string) *testConn {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &testConn{t: t, conn: c, r: bufio.NewReader(c)}
}

func TestConfigSetPortRebinds(t *testing.T) {
	s := startFixedPortServer(t)
	c := dialTest(t, s)
	oldAddr := s.Addr()
	port := freePort(t)
	mustStr(t, c.do("CONFIG", "SET", "port", strconv.Itoa(port)), "OK")
	moved := dialAddr(t, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	mustStr(t, moved.do("PING"), "PONG")
	if _, err := net.DialTimeout("tcp", oldAddr, time.Second); err == nil {
		t.Fatal("the old port still accepts connections")
	}
	if info := moved.do("INFO", "server").str; !strings.Contains(info, "tcp_port:"+strconv.Itoa(port)+"\r\n") {
		t.Fatalf("INFO does not report the new port: %q", info)
	}
	// Existing connections survive the move.
	mustStr(t, c.do("PING"), "PONG")
}

func TestConfigSetPortBusyRollsBack(t *testing.T) {
	s := startFixedPortServer(t)
	c := dialTest(t, s)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	before := c.do("CONFIG", "GET", "maxmemory").strs()
	mustErr(t, c.do("CONFIG", "SET", "maxmemory", "10000001", "port", busyPort, "client-query-buffer-limit", "10mb"),
		"ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port: Address already in use")
	if got := c.do("CONFIG", "GET", "maxmemory").strs(); strings.Join(got, " ") != strings.Join(before, " ") {
		t.Fatalf("maxmemory not rolled back: %v", got)
	}
	mustStr(t, dialTest(t, s).do("PING"), "PONG")
}

func TestConfigSetBind(t *testing.T) {
	s := startFixedPortServer(t)
	c := dialTest(t, s)
	mustErr(t, c.do("CONFIG", "SET", "bind", "999.999.999.999"),
		"ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.")
	mustStr(t, dialTest(t, s).do("PING"), "PONG")
	// Same port, different addresses: the old socket must make way.
	mustStr(t, c.do("CONFIG", "SET", "bind", "127.0.0.1 -::1"), "OK")
	mustStr(t, dialTest(t, s).do("PING"), "PONG")
	mustStr(t, c.do("CONFIG", "SET", "bind", ""), "OK")
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil && s.Addr() != "" {
		t.Fatal("connections accepted with no bind address")
	}
	mustStr(t, c.do("CONFIG", "SET", "bind", "127.0.0.1"), "OK")
	mustStr(t, dialTest(t, s).do("PING"), "PONG")
}

func TestUnixSocket(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "peregrine.sock")
	if err := os.WriteFile(path, nil, 0o600); err != nil { // a stale file is replaced
		t.Fatal(err)
	}
	s := startFixedPortServer(t, "--unixsocket", path, "--unixsocketperm", "700")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o700 {
		t.Fatalf("socket file: %v %v", fi, err)
	}
	c := dialAddr(t, "unix", path)
	mustStr(t, c.do("PING"), "PONG")
	if info := c.do("CLIENT", "INFO").str; !strings.Contains(info, "addr="+path+":0 ") {
		t.Fatalf("unix client address: %q", info)
	}
	s.Close()
	s.Wait()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("socket file left behind: %v", err)
	}
}
