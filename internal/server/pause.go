package server

import (
	"sync"
	"sync/atomic"
	"time"
)

// pauseState implements CLIENT PAUSE and FAILOVER's write pause: commands
// a pause covers wait before running until it ends. While a pause is
// active, keys are not deleted by expiry (they only look expired: the
// keyspace asks isActive), so a paused server makes no writes, as in Redis.
//
// The two pauses are independent, as Redis keeps one per purpose: CLIENT
// UNPAUSE ends only the client's pause, and a failover's pause has no
// deadline (it lasts until the failover ends or is aborted).
type pauseState struct {
	mu     sync.Mutex
	until  time.Time
	writes bool // WRITE mode: only writes (and may-replicate commands) wait
	active bool // a CLIENT PAUSE is in force
	// failover is FAILOVER's pause of writes (failover.go).
	failover bool
	// released is closed whenever a pause ends; waiters then look again.
	// It is non-nil while either pause is in force.
	released chan struct{}
	// blocked counts the clients waiting (INFO blocked_clients counts
	// them, as Redis counts postponed clients).
	blocked *atomic.Int64
	// engaged mirrors active || failover for the lock-free fast path
	// every command takes (written under mu).
	engaged atomic.Bool
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
	if !p.failover {
		p.released = make(chan struct{})
	}
	p.active = true
	p.until = until
	p.writes = writesOnly
	p.engaged.Store(true)
}

// holdWrites begins FAILOVER's pause of writes.
func (p *pauseState) holdWrites() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failover {
		return
	}
	if !p.active {
		p.released = make(chan struct{})
	}
	p.failover = true
	p.engaged.Store(true)
}

// releaseWrites ends FAILOVER's pause of writes.
func (p *pauseState) releaseWrites() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failover {
		p.failover = false
		p.engaged.Store(p.active)
		p.wakeLocked()
	}
}

// isActive reports whether a pause is in force (a client pause past its
// deadline ends here).
func (p *pauseState) isActive() bool {
	if !p.engaged.Load() {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active && !time.Now().Before(p.until) {
		p.stopLocked()
	}
	return p.active || p.failover
}

// stop ends the client pause and releases the clients it held.
func (p *pauseState) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
}

func (p *pauseState) stopLocked() {
	if p.active {
		p.active = false
		p.engaged.Store(p.failover)
		p.wakeLocked()
	}
}

// wakeLocked tells the waiters a pause ended; a pause still in force
// gets a fresh channel for them to wait on.
func (p *pauseState) wakeLocked() {
	close(p.released)
	p.released = nil
	if p.active || p.failover {
		p.released = make(chan struct{})
	}
}

// wait blocks while a pause covers cmd; it reports whether it waited.
func (p *pauseState) wait(cmd *Command, writes bool) (waited bool) {
	if !p.engaged.Load() {
		return false
	}
	clientCmd := cmd.Parent != nil && cmd.Parent.Name == "client" && (cmd.Name == "unpause" || cmd.Name == "pause")
	for {
		p.mu.Lock()
		byClient := p.active && (writes || !p.writes) && !clientCmd
		byFailover := p.failover && writes
		if !byClient && !byFailover {
			p.mu.Unlock()
			return waited
		}
		var left time.Duration
		if byClient {
			if left = time.Until(p.until); left <= 0 {
				p.stopLocked()
				p.mu.Unlock()
				continue
			}
		}
		ch := p.released
		p.mu.Unlock()
		if !waited && p.blocked != nil {
			p.blocked.Add(1)
			defer p.blocked.Add(-1)
		}
		waited = true
		if !byClient {
			// Only the failover's pause, which has no deadline.
			<-ch
			continue
		}
		t := time.NewTimer(left)
		select {
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
}
