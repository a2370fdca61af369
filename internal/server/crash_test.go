package server

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/config"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestWatchdogAndCrashReport: a command running past watchdog-period gets
// its stack logged (naming the handler), and DEBUG SEGFAULT writes a crash
// report and stops the server, as the Redis suite's logging tests expect.
func TestWatchdogAndCrashReport(t *testing.T) {
	var logs lockedBuffer
	cfg := config.New()
	if err := cfg.LoadArgs([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir(), "--enable-debug-command", "yes"}); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Config: cfg, EphemeralPort: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := dialTest(t, s)
	mustStr(t, c.do("CONFIG", "SET", "watchdog-period", "100"), "OK")
	mustStr(t, c.do("DEBUG", "SLEEP", "0.4"), "OK")
	if l := logs.String(); !strings.Contains(l, "WATCHDOG TIMER EXPIRED") || !strings.Contains(l, "debugCommand") {
		t.Fatalf("no watchdog stack in the log:\n%.2000s", l)
	}
	c.send("DEBUG", "SEGFAULT") // no reply comes: the server stops
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the server is still running after DEBUG SEGFAULT")
	}
	if l := logs.String(); !strings.Contains(l, "------ STACK TRACE ------") || !strings.Contains(l, "crashed by DEBUG SEGFAULT") {
		t.Fatalf("no crash report in the log:\n%.2000s", l)
	}
}

// startLoggedServer runs a server whose log goes to the returned buffer.
func startLoggedServer(t *testing.T, args ...string) (*Server, *lockedBuffer) {
	t.Helper()
	logs := &lockedBuffer{}
	cfg := config.New()
	if err := cfg.LoadArgs(append([]string{"--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir()}, args...)); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Config: cfg, EphemeralPort: true, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, logs
}

// TestShutdownWaitsForReplicas: with a replica that has not acknowledged
// the stream, SHUTDOWN blocks (INFO shows the time left), SHUTDOWN ABORT
// answers the blocked caller with an error, and a new SHUTDOWN exits when
// shutdown-timeout passes, naming the lagging replica.
func TestShutdownWaitsForReplicas(t *testing.T) {
	s, logs := startLoggedServer(t, "--shutdown-timeout", "1")
	repl := dialTest(t, s)
	repl.send("PSYNC", "?", "-1") // a replica that never sends REPLCONF ACK
	c := dialTest(t, s)
	waitFor(t, func() bool { return infoValue(c, "connected_slaves") == "1" })
	mustStr(t, c.do("SET", "k", "v"), "OK")

	caller := dialTest(t, s)
	caller.send("SHUTDOWN")
	waitFor(t, func() bool { return infoValue(c, "shutdown_in_milliseconds") != "" })
	if got := infoValue(c, "blocked_clients"); got != "1" {
		t.Errorf("blocked_clients = %s while SHUTDOWN waits", got)
	}
	mustStr(t, c.do("SHUTDOWN", "ABORT"), "OK")
	r, err := caller.read()
	if err != nil || r.str != "ERR Errors trying to SHUTDOWN. Check logs." {
		t.Fatalf("blocked SHUTDOWN after ABORT: %+v %v", r, err)
	}
	if got := infoValue(c, "shutdown_in_milliseconds"); got != "" {
		t.Errorf("shutdown_in_milliseconds = %s after ABORT", got)
	}
	mustStr(t, c.do("SET", "k", "w"), "OK") // writes resumed

	caller.send("SHUTDOWN", "NOSAVE")
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SHUTDOWN did not exit after shutdown-timeout")
	}
	l := logs.String()
	for _, want := range []string{"Waiting for replicas before shutting down.", "Shutdown manually aborted.", "Lagging replica", "0 of 1 replicas are in sync when shutting down."} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// infoValue is one INFO field ("" when absent).
func infoValue(c *testConn, name string) string {
	v, _ := infoField(c.do("INFO").str, name)
	return v
}
