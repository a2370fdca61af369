package testutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ReferenceBinary is the name of the reference server executable looked up
// on PATH by StartReference.
const ReferenceBinary = "redis-server"

// ReferenceVersion is the redis-server version the differential tests are
// written against. Other versions still run, but StartReference logs a
// warning because error texts and edge cases differ between releases.
const ReferenceVersion = "7.0.15"

// RequireReferenceEnv names the environment variable that turns a missing
// redis-server from a skipped test into a failed one (set it to "1" in CI).
const RequireReferenceEnv = "PEREGRINE_REQUIRE_REFERENCE"

// referenceStartTimeout bounds how long StartReference waits for the server
// to answer PING.
const referenceStartTimeout = 5 * time.Second

// Reference is a real redis-server started for a test on 127.0.0.1 and a
// free port, with --save "" --appendonly no and a temporary working
// directory. It is killed (by PID) when the test finishes.
type Reference struct {
	// Addr is the "127.0.0.1:PORT" address the server listens on.
	Addr string
	// Port is the TCP port part of Addr.
	Port int
	// Dir is the server's working directory (a per-test temporary dir).
	Dir string
	// LogFile is the path of the file receiving the server's stdout/stderr.
	LogFile string

	cmd    *exec.Cmd
	exited chan struct{}
}

var (
	versionOnce sync.Once
	versionText string
)

// StartReference starts a redis-server for the test and waits (at most 5 s)
// until it answers PING. extraArgs are appended to the command line as
// argv-style directives, for example "--databases", "4".
//
// If redis-server is not on PATH the test is skipped, or fails when the
// environment variable PEREGRINE_REQUIRE_REFERENCE is "1".
func StartReference(t testing.TB, extraArgs ...string) *Reference {
	t.Helper()
	bin, err := exec.LookPath(ReferenceBinary)
	if err != nil {
		const msg = "redis-server not found; install the redis-server package"
		if os.Getenv(RequireReferenceEnv) == "1" {
			t.Fatalf("%s (%s=1)", msg, RequireReferenceEnv)
		}
		t.Skip(msg)
	}
	versionOnce.Do(func() {
		out, err := exec.Command(bin, "--version").Output()
		if err == nil {
			versionText = strings.TrimSpace(string(out))
		}
	})
	if versionText != "" && !strings.Contains(versionText, "v="+ReferenceVersion+" ") {
		t.Logf("warning: reference is %q, cases are written for redis %s", versionText, ReferenceVersion)
	}

	dir := t.TempDir()
	var lastErr error
	// Picking a free port and handing it to another process is racy; retry
	// a few times with a fresh port if the server fails to come up.
	for attempt := 0; attempt < 3; attempt++ {
		ref, err := startReferenceOnce(t, bin, dir, attempt, extraArgs)
		if err == nil {
			return ref
		}
		lastErr = err
	}
	t.Fatalf("starting %s: %v", ReferenceBinary, lastErr)
	return nil
}

func startReferenceOnce(t testing.TB, bin, dir string, attempt int, extraArgs []string) (*Reference, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile := filepath.Join(dir, fmt.Sprintf("redis-%d.log", attempt))
	lf, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	defer lf.Close()

	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--daemonize", "no",
		"--logfile", "",
	}
	args = append(args, extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = lf
	cmd.Stderr = lf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ref := &Reference{
		Addr:    net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Port:    port,
		Dir:     dir,
		LogFile: logFile,
		cmd:     cmd,
		exited:  make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(ref.exited)
	}()

	if err := ref.waitReady(referenceStartTimeout); err != nil {
		ref.kill()
		return nil, fmt.Errorf("%v; log:\n%s", err, tailFile(logFile, 2048))
	}
	t.Cleanup(ref.kill)
	return ref, nil
}

// waitReady polls the server with PING until it answers +PONG, the process
// exits, or the timeout elapses.
func (r *Reference) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-r.exited:
			return errors.New("redis-server exited during startup")
		default:
		}
		if pingOnce(r.Addr) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer PING within %v", r.Addr, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func pingOnce(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := conn.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// kill terminates the server process by PID and waits for it to exit.
func (r *Reference) kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	select {
	case <-r.exited:
		return
	default:
	}
	_ = r.cmd.Process.Kill()
	select {
	case <-r.exited:
	case <-time.After(5 * time.Second):
	}
}

// PID returns the process id of the reference server.
func (r *Reference) PID() int {
	if r.cmd == nil || r.cmd.Process == nil {
		return 0
	}
	return r.cmd.Process.Pid
}

// Log returns the last n bytes of the server's log, for failure messages.
func (r *Reference) Log(n int) string {
	return tailFile(r.LogFile, n)
}

// FreePort returns a loopback TCP port nothing listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	return port
}

// freePort asks the kernel for a currently unused loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}
