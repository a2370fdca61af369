package server

import (
	"sync"
	"time"
)

// pauseState implements CLIENT PAUSE: commands it covers wait before
// running until the pause ends (CLIENT UNPAUSE or its deadline).
type pauseState struct {
	mu       sync.Mutex
	until    time.Time
	writes   bool // WRITE mode: only writes (and may-replicate commands) wait
	active   bool
	released chan struct{}
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

// stop ends the pause and releases the waiting clients.
func (p *pauseState) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active {
		p.active = false
		close(p.released)
	}
}

// wait blocks while a pause covers cmd; it reports whether it waited.
func (p *pauseState) wait(cmd *Command) (waited bool) {
	for {
		p.mu.Lock()
		if !p.active {
			p.mu.Unlock()
			return waited
		}
		if p.writes && !cmd.Has(FlagWrite|FlagMayReplicate) {
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
		waited = true
		t := time.NewTimer(left)
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
}
