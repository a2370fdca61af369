package keyspace

// Access tracking for the eviction policies, in the 24 low bits of
// Entry.Access as Redis keeps them in an object's lru field:
//
//   - LRU mode (every policy but the LFU ones): a clock of seconds that
//     wraps at 2^24 (about 194 days), the time of the last access.
//   - LFU mode (allkeys-lfu, volatile-lfu): 16 bits of minutes (wrapping
//     at 2^16, about 45 days), the time the counter was last decremented,
//     above an 8-bit logarithmic access counter.
//
// Switching policy does not convert anything: the bits are read the other
// way until accesses rewrite them, as in Redis.

// LRUClockMax is the largest value of the LRU clock (24 bits).
const LRUClockMax = 1<<24 - 1

// LFUInitVal is the counter a new key starts with in LFU mode, so that it
// is not evicted before it had a chance to be accessed.
const LFUInitVal = 5

// lfuConfig is the access-tracking mode and its LFU parameters.
type lfuConfig struct {
	on        bool
	logFactor int64 // lfu-log-factor
	decayTime int64 // lfu-decay-time, minutes per counter decrement
}

// SetAccessMode selects how entries record accesses: LFU (with the
// lfu-log-factor and lfu-decay-time values) or LRU. The caller holds the lock.
func (ks *Keyspace) SetAccessMode(lfu bool, logFactor, decayTime int64) {
	ks.lfu = lfuConfig{on: lfu, logFactor: logFactor, decayTime: decayTime}
}

// LFU reports whether entries record access frequencies (an LFU policy).
func (ks *Keyspace) LFU() bool { return ks.lfu.on }

// LRUClock returns the LRU clock at now (ms).
func LRUClock(now int64) uint32 { return uint32(now/1000) & LRUClockMax }

// lfuMinutes returns the LFU clock at now (ms): minutes, 16 bits.
func lfuMinutes(now int64) uint32 { return uint32(now/60000) & 0xffff }

// NewAccess returns the access field of a value created at now (ms).
func (ks *Keyspace) NewAccess(now int64) uint32 {
	if ks.lfu.on {
		return lfuMinutes(now)<<8 | LFUInitVal
	}
	return LRUClock(now)
}

// Touch records an access to e at now (ms).
func (ks *Keyspace) Touch(e *Entry, now int64) {
	if !ks.lfu.on {
		e.Access = LRUClock(now)
		return
	}
	e.Access = ks.lfuIncr(e.Access, lfuMinutes(now))
}

// lfuIncr returns the LFU field access after one more access at the LFU
// clock minutes: the counter, decayed, grows with probability
// 1/((counter-LFUInitVal)*lfu-log-factor+1).
func (ks *Keyspace) lfuIncr(access, minutes uint32) uint32 {
	c := ks.lfuCounterAt(access, minutes)
	if c < 255 {
		base := int64(c) - LFUInitVal
		if base < 0 {
			base = 0
		}
		if ks.rnd.Float64() < 1/float64(base*ks.lfu.logFactor+1) {
			c++
		}
	}
	return minutes<<8 | uint32(c)
}

// LFUCounter returns the access counter held in access, decremented by one
// for every lfu-decay-time minutes elapsed since its last decrement (the
// field itself is not changed).
func (ks *Keyspace) LFUCounter(access uint32, now int64) uint8 {
	return ks.lfuCounterAt(access, lfuMinutes(now))
}

func (ks *Keyspace) lfuCounterAt(access, cur uint32) uint8 {
	c := int64(access & 0xff)
	if ks.lfu.decayTime == 0 {
		return uint8(c)
	}
	then := (access >> 8) & 0xffff
	var elapsed int64
	if cur >= then {
		elapsed = int64(cur - then)
	} else {
		elapsed = int64(0xffff - then + cur)
	}
	periods := elapsed / ks.lfu.decayTime
	if periods >= c {
		return 0
	}
	return uint8(c - periods)
}

// LRUIdle returns the milliseconds since the access recorded in access (read
// as an LRU clock), at second resolution, as the wrapping clock allows.
func LRUIdle(access uint32, now int64) int64 {
	clock, at := LRUClock(now), access&LRUClockMax
	if clock >= at {
		return int64(clock-at) * 1000
	}
	return int64(clock+(LRUClockMax-at)) * 1000
}

// SetAccessRestored applies the access information of a restored or loaded
// key: in LFU mode a counter (freq >= 0), otherwise an idle time in seconds
// (idle >= 0); the other one, or a negative value, leaves e unchanged. It
// reports whether it changed e.
func (ks *Keyspace) SetAccessRestored(e *Entry, freq, idle, now int64) bool {
	if ks.lfu.on {
		if freq < 0 || freq > 255 {
			return false
		}
		e.Access = lfuMinutes(now)<<8 | uint32(freq)
		return true
	}
	if idle < 0 {
		return false
	}
	clock := int64(LRUClock(now))
	at := clock - idle
	if at < 0 {
		at += LRUClockMax // the clock wrapped since; LRUIdle unwraps it
	}
	e.Access = uint32(at)
	return true
}
