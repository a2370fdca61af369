package server

import (
	"strconv"
	"time"

	"github.com/peregrinedb/peregrine/internal/resp"
)

// addMonitor registers c as a MONITOR client (keyspace lock held).
func (s *Server) addMonitor(c *Client) {
	c.flags |= clientMonitor
	s.monitors = append(s.monitors, c)
	c.startAsync()
}

// removeMonitor unregisters c (keyspace lock held).
func (s *Server) removeMonitor(c *Client) {
	for i, m := range s.monitors {
		if m == c {
			s.monitors = append(s.monitors[:i], s.monitors[i+1:]...)
			break
		}
	}
	c.flags &^= clientMonitor
}

// feedMonitors sends one command line to every MONITOR client, formatted as
// Redis does: +1700000000.123456 [0 127.0.0.1:5555] "SET" "k" "v".
func (s *Server) feedMonitors(c *Client, args [][]byte, at time.Time) {
	b := make([]byte, 0, 64)
	b = append(b, '+')
	b = strconv.AppendInt(b, at.Unix(), 10)
	b = append(b, '.')
	us := at.Nanosecond() / 1000
	b = append(b, []byte(padUsec(us))...)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(c.db), 10)
	b = append(b, ' ')
	b = append(b, c.addr...)
	b = append(b, ']')
	for _, a := range args {
		b = append(b, ' ')
		b = resp.AppendQuoted(b, a)
	}
	b = append(b, '\r', '\n')
	for _, m := range s.monitors {
		m.pushAsync(b)
	}
}

func padUsec(us int) string {
	s := strconv.Itoa(us)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
