package server

import (
	"sort"
	"strings"
	"sync"
)

// errorStats counts error replies by their code (the first word), as INFO
// errorstats reports them.
type errorStats struct {
	mu     sync.Mutex
	counts map[string]int64
	total  int64
}

// maxErrorCodes bounds the table, like Redis (which then stops tracking new codes).
const maxErrorCodes = 128

// countError records an error reply.
func (s *Server) countError(msg string) {
	code := msg
	if i := strings.IndexByte(msg, ' '); i >= 0 {
		code = msg[:i]
	}
	e := &s.errStats
	e.mu.Lock()
	defer e.mu.Unlock()
	e.total++
	if e.counts == nil {
		e.counts = map[string]int64{}
	}
	if _, ok := e.counts[code]; ok || len(e.counts) < maxErrorCodes {
		e.counts[code]++
	}
}

// snapshot returns the codes in order with their counts, and the total.
func (e *errorStats) snapshot() ([]string, map[string]int64, int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	codes := make([]string, 0, len(e.counts))
	cp := make(map[string]int64, len(e.counts))
	for k, v := range e.counts {
		codes = append(codes, k)
		cp[k] = v
	}
	sort.Strings(codes)
	return codes, cp, e.total
}

func (e *errorStats) reset() {
	e.mu.Lock()
	e.counts = nil
	e.total = 0
	e.mu.Unlock()
}
