package server

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// pipelineWithoutReading writes n GETs of key on a fresh connection without
// reading any reply, and reports whether all of them were written within
// the timeout (the server must keep reading while the replies wait).
func pipelineWithoutReading(t *testing.T, s *Server, n int, timeout time.Duration) (net.Conn, bool) {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	done := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(conn, 1<<16)
		for i := 0; i < n; i++ {
			if _, err := w.WriteString("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n"); err != nil {
				done <- err
				return
			}
		}
		done <- w.Flush()
	}()
	select {
	case err := <-done:
		return conn, err == nil
	case <-time.After(timeout):
		return conn, false
	}
}

// TestPipelineWrittenBeforeRead: a client may write a whole pipeline before
// reading the replies (redis-py and go-redis pipelines do). Replies far
// larger than the socket buffers must not stop the server from reading the
// rest: it holds them, as Redis does, and they all arrive in order.
func TestPipelineWrittenBeforeRead(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	val := strings.Repeat("v", 4000)
	mustStr(t, c.do("SET", "big", val), "OK")
	const n = 20000 // 80 MB of replies
	conn, ok := pipelineWithoutReading(t, s, n, 30*time.Second)
	if !ok {
		t.Fatal("the server stopped reading a pipeline whose replies were not read yet")
	}
	want := "$4000\r\n" + val + "\r\n"
	r := bufio.NewReaderSize(conn, 1<<16)
	buf := make([]byte, len(want))
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for i := 0; i < n; i++ {
		if _, err := io.ReadFull(r, buf); err != nil || string(buf) != want {
			t.Fatalf("reply %d: %v %q", i, err, buf[:min(len(buf), 20)])
		}
	}
	// Once the output drained, replies go straight out again.
	mustStr(t, c.do("PING"), "PONG")
}

// TestNormalClientOutputLimitOnHeldReplies: the held replies of a client
// that does not read count against client-output-buffer-limit normal; past
// the hard limit the client is closed and the server goes on.
func TestNormalClientOutputLimitOnHeldReplies(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("SET", "big", strings.Repeat("v", 4000)), "OK")
	mustStr(t, c.do("CONFIG", "SET", "client-output-buffer-limit", "normal 10mb 0 0"), "OK")
	const n = 40000 // 160 MB of replies, far more than socket buffers hold
	conn, _ := pipelineWithoutReading(t, s, n, 10*time.Second)
	// Give the server time to run them all while nothing is read: the
	// replies the sockets cannot take pile up past the limit.
	time.Sleep(time.Second)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, _ := io.Copy(io.Discard, conn)
	if got >= n*4000 {
		t.Fatalf("all %d bytes of replies arrived past a 10mb hard limit", got)
	}
	mustStr(t, c.do("PING"), "PONG")
}

// TestSoftLimitEnforcedWithoutTraffic: a subscriber whose held messages
// stay over the pubsub soft limit is closed once the soft seconds pass,
// even when nothing more is published to it.
func TestSoftLimitEnforcedWithoutTraffic(t *testing.T) {
	s := startTestServer(t)
	c := dialTest(t, s)
	mustStr(t, c.do("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 100000 1"), "OK")
	sub, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	sub.Write([]byte("*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n")) // and never read again
	time.Sleep(100 * time.Millisecond)
	msg := strings.Repeat("m", 100000)
	// Enough to fill the socket buffers and hold more than the soft limit.
	for i := 0; i < 600; i++ {
		c.do("PUBLISH", "ch", msg)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if r := c.do("CLIENT", "LIST", "TYPE", "pubsub"); r.str == "" {
			return // closed
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the subscriber over its soft limit is still connected 5s after the last message")
}
