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
