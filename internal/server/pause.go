package server

import (
	"sync"
	"sync/atomic"
	"time"
)

// pauseState implements CLIENT PAUSE: commands it covers wait before
// running until the pause ends (CLIENT UNPAUSE or its deadline). While a
// pause is active, keys are not deleted by expiry (they only look expired:
// the keyspace asks isActive), so a paused server makes no writes, as in Redis.
type pauseState struct {
	mu       sync.Mutex
	until    time.Time
	writes   bool // WRITE mode: only writes (and may-replicate commands) wait
	active   bool
	released chan struct{}
	// blocked counts the clients waiting (INFO blocked_clients counts
	// them, as Redis counts postponed clients).
	blocked *atomic.Int64
}

// start begins or extends a pause, as Redis does (the longer deadline and the stricter mode win).
func (p *pauseState) start(until time.Time, writesOnly bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active {
		if until.After(p.until) {
			p.until = until
		}
		if !writesOnly {
			p.writes = false
		}
		return
	}
	p.active = true
	p.until = until
	p.writes = writesOnly
	p.released = make(chan struct{})
}

// isActive reports whether a pause is in force (a pause past its
// deadline ends here).
func (p *pauseState) isActive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active && !time.Now().Before(p.until) {
		p.stopLocked()
	}
	return p.active
}

// stop ends the pause and releases the waiting clients.
func (p *pauseState) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
}

func (p *pauseState) stopLocked() {
	if p.active {
		p.active = false
		close(p.released)
	}
}

// wait blocks while a pause covers cmd; it reports whether it waited.
func (p *pauseState) wait(cmd *Command, writes bool) (waited bool) {
	for {
		p.mu.Lock()
		if !p.active {
			p.mu.Unlock()
			return waited
		}
		if p.writes && !writes {
			p.mu.Unlock()
			return waited
		}
		if cmd.Parent != nil && cmd.Parent.Name == "client" && (cmd.Name == "unpause" || cmd.Name == "pause") {
			p.mu.Unlock()
			return waited
		}
		left := time.Until(p.until)
		ch := p.released
		p.mu.Unlock()
		if left <= 0 {
			p.stop()
			return waited
		}
		if !waited && p.blocked != nil {
			p.blocked.Add(1)
			defer p.blocked.Add(-1)
		}
		waited = true
		t := time.NewTimer(left)
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
}
