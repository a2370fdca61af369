package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// LevelVerbose sits between debug and info, like Redis's "verbose".
const LevelVerbose = slog.Level(-2)

// redisLogHandler writes slog records in Redis's log line format,
// "pid:M 23 Nov 2026 20:30:35.123 * message key=value", so operators' and
// the test suite's log scrapers keep working.
type redisLogHandler struct {
	mu    *sync.Mutex
	out   io.Writer
	level *slog.LevelVar
	role  byte
	attrs string
}

func newRedisLogHandler(out io.Writer, level *slog.LevelVar) *redisLogHandler {
	return &redisLogHandler{mu: &sync.Mutex{}, out: out, level: level, role: 'M'}
}

func (h *redisLogHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *redisLogHandler) Handle(_ context.Context, r slog.Record) error {
	mark := byte('*')
	switch {
	case r.Level >= slog.LevelWarn:
		mark = '#'
	case r.Level >= slog.LevelInfo:
		mark = '*'
	case r.Level >= LevelVerbose:
		mark = '-'
	default:
		mark = '.'
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d:%c %s %c %s", os.Getpid(), h.role, r.Time.Format("02 Jan 2006 15:04:05.000"), mark, r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.out, b.String())
	return err
}

func (h *redisLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	n := *h
	for _, a := range attrs {
		n.attrs += fmt.Sprintf(" %s=%v", a.Key, a.Value)
	}
	return &n
}

func (h *redisLogHandler) WithGroup(string) slog.Handler { return h }

// parseLogLevel maps Redis's loglevel names to slog levels.
func parseLogLevel(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "verbose":
		return LevelVerbose
	case "warning":
		return slog.LevelWarn
	case "nothing":
		return slog.Level(100)
	default:
		return slog.LevelInfo
	}
}

// logWriterFor opens the logfile directive's target ("" = stdout).
func logWriterFor(path string) (io.Writer, func(), error) {
	if path == "" {
		return os.Stdout, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("open logfile %s: %w", path, err)
	}
	return f, func() { f.Close() }, nil
}

// nowMs returns the current unix time in milliseconds.
func nowMs() int64 { return time.Now().UnixMilli() }
