package server

// replBacklog is the replication backlog: the last repl-backlog-size bytes
// of the replication stream, kept in a ring so a replica that reconnects
// can continue with PSYNC from the offset it reached. Guarded by the
// keyspace lock.
type replBacklog struct {
	buf     []byte // the ring; len(buf) is the capacity
	next    int    // where the next byte goes
	histlen int64  // bytes of history held (<= len(buf))
}

func newReplBacklog(size int64) *replBacklog {
	return &replBacklog{buf: make([]byte, max(size, 1))}
}

// write appends p, overwriting the oldest history when full.
func (b *replBacklog) write(p []byte) {
	n := len(b.buf)
	if len(p) >= n {
		copy(b.buf, p[len(p)-n:])
		b.next, b.histlen = 0, int64(n)
		return
	}
	c := copy(b.buf[b.next:], p)
	if c < len(p) {
		copy(b.buf, p[c:])
	}
	b.next = (b.next + len(p)) % n
	b.histlen = min(b.histlen+int64(len(p)), int64(n))
}

// tail returns a copy of the last n bytes of history (n <= histlen).
func (b *replBacklog) tail(n int64) []byte {
	out := make([]byte, 0, n)
	size := int64(len(b.buf))
	start := (int64(b.next) - n + size) % size
	if start+n <= size {
		return append(out, b.buf[start:start+n]...)
	}
	out = append(out, b.buf[start:]...)
	return append(out, b.buf[:n-(size-start)]...)
}

// resize changes the capacity, keeping as much recent history as fits.
func (b *replBacklog) resize(size int64) {
	size = max(size, 1)
	if size == int64(len(b.buf)) {
		return
	}
	keep := min(b.histlen, size)
	old := b.tail(keep)
	b.buf = make([]byte, size)
	b.next, b.histlen = 0, 0
	b.write(old)
}
