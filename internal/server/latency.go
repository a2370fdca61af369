package server

import (
	"sync"
	"time"
)

// latencyMonitor records latency spikes per event (LATENCY LATEST/HISTORY).
type latencyMonitor struct {
	mu     sync.Mutex
	events map[string]*latencyEvent
}

type latencySample struct {
	at int64 // unix seconds
	ms int64
}

type latencyEvent struct {
	samples []latencySample // at most 160, oldest first
	max     int64
}

const latencyHistoryLen = 160

func (m *latencyMonitor) init() { m.events = map[string]*latencyEvent{} }

// add records a spike of ms milliseconds for event; samples in the same
// second are merged keeping the maximum.
func (m *latencyMonitor) add(event string, at time.Time, ms int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ev := m.events[event]
	if ev == nil {
		ev = &latencyEvent{}
		m.events[event] = ev
	}
	sec := at.Unix()
	if n := len(ev.samples); n > 0 && ev.samples[n-1].at == sec {
		if ms > ev.samples[n-1].ms {
			ev.samples[n-1].ms = ms
		}
	} else {
		ev.samples = append(ev.samples, latencySample{sec, ms})
		if len(ev.samples) > latencyHistoryLen {
			ev.samples = ev.samples[1:]
		}
	}
	if ms > ev.max {
		ev.max = ms
	}
}
