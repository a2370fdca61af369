package server

import (
	"sync"
	"time"
)

// slowlogEntry is one SLOWLOG GET record.
type slowlogEntry struct {
	id   int64
	at   int64 // unix seconds
	usec int64
	args []string
	peer string
	name string
}

// slowlog keeps the newest slow commands, newest first.
type slowlog struct {
	mu      sync.Mutex
	entries []slowlogEntry
	nextID  int64
}

const (
	slowlogMaxArgs   = 32
	slowlogMaxArgLen = 128
)

func (l *slowlog) init() {}

// record adds a command that took at least threshold microseconds
// (threshold < 0 disables the log).
// logSlow records a command that ran usec microseconds in the slow log,
// under the current slowlog-log-slower-than and slowlog-max-len.
func (s *Server) logSlow(c *Client, args [][]byte, start time.Time, usec int64) {
	s.slowlog.record(c, args, start, usec, s.live.slowlogSlower.Load(), int(s.live.slowlogMax.Load()))
}

func (l *slowlog) record(c *Client, args [][]byte, start time.Time, usec, threshold int64, max int) {
	if threshold < 0 || usec < threshold {
		return
	}
	n := len(args)
	if n > slowlogMaxArgs {
		n = slowlogMaxArgs
	}
	out := make([]string, n)
	for i := 0; i < n; i++ {
		a := args[i]
		if i == slowlogMaxArgs-1 && len(args) > slowlogMaxArgs {
			out[i] = "... (" + itoa(int64(len(args)-slowlogMaxArgs+1)) + " more arguments)"
			break
		}
		if len(a) > slowlogMaxArgLen {
			out[i] = string(a[:slowlogMaxArgLen]) + "... (" + itoa(int64(len(a)-slowlogMaxArgLen)) + " more bytes)"
		} else {
			out[i] = string(a)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e := slowlogEntry{id: l.nextID, at: start.Unix(), usec: usec, args: out, peer: c.addr, name: c.name}
	l.nextID++
	l.entries = append([]slowlogEntry{e}, l.entries...)
	if len(l.entries) > max {
		l.entries = l.entries[:max]
	}
}

func (l *slowlog) trim(max int) {
	l.mu.Lock()
	if len(l.entries) > max {
		l.entries = l.entries[:max]
	}
	l.mu.Unlock()
}
