package types

import (
	"encoding/binary"
	"io"
	"strconv"
)

// List is a double-ended sequence of byte strings: a ring buffer, so pushes
// and pops at both ends and access by index are O(1); insertions and
// removals in the middle move the shorter side. It stands for Redis's
// quicklist (OBJECT ENCODING reports "quicklist", as Redis 7.0 does for
// every list).
type List struct {
	buf  [][]byte // len(buf) is a power of two (or 0)
	head int
	n    int
}

// NewList returns an empty list.
func NewList() *List { return &List{} }

// Len returns the number of elements.
func (l *List) Len() int { return l.n }

func (l *List) slot(i int) int { return (l.head + i) & (len(l.buf) - 1) }

func (l *List) grow() {
	if l.n < len(l.buf) {
		return
	}
	size := 4
	if len(l.buf) > 0 {
		size = len(l.buf) * 2
	}
	nb := make([][]byte, size)
	for i := 0; i < l.n; i++ {
		nb[i] = l.buf[l.slot(i)]
	}
	l.buf, l.head = nb, 0
}

// shrink gives memory back when the list uses a quarter of its ring.
func (l *List) shrink() {
	if len(l.buf) > 16 && l.n < len(l.buf)/4 {
		nb := make([][]byte, len(l.buf)/2)
		for i := 0; i < l.n; i++ {
			nb[i] = l.buf[l.slot(i)]
		}
		l.buf, l.head = nb, 0
	}
}

// PushLeft adds v (copied) at the head.
func (l *List) PushLeft(v []byte) {
	l.grow()
	l.head = (l.head - 1) & (len(l.buf) - 1)
	l.buf[l.head] = append([]byte(nil), v...)
	l.n++
}

// PushRight adds v (copied) at the tail.
func (l *List) PushRight(v []byte) {
	l.grow()
	l.buf[l.slot(l.n)] = append([]byte(nil), v...)
	l.n++
}

// PopLeft removes and returns the head element.
func (l *List) PopLeft() ([]byte, bool) {
	if l.n == 0 {
		return nil, false
	}
	v := l.buf[l.head]
	l.buf[l.head] = nil
	l.head = (l.head + 1) & (len(l.buf) - 1)
	l.n--
	l.shrink()
	return v, true
}

// PopRight removes and returns the tail element.
func (l *List) PopRight() ([]byte, bool) {
	if l.n == 0 {
		return nil, false
	}
	s := l.slot(l.n - 1)
	v := l.buf[s]
	l.buf[s] = nil
	l.n--
	l.shrink()
	return v, true
}

// Index returns the element at i (0-based from the head; the caller checks
// the range). The slice must not be modified.
func (l *List) Index(i int) []byte { return l.buf[l.slot(i)] }

// Set replaces the element at i with a copy of v.
func (l *List) Set(i int, v []byte) { l.buf[l.slot(i)] = append([]byte(nil), v...) }

// Insert adds v (copied) before index i (i == Len appends).
func (l *List) Insert(i int, v []byte) {
	if i >= l.n {
		l.PushRight(v)
		return
	}
	if i <= 0 {
		l.PushLeft(v)
		return
	}
	l.grow()
	if i < l.n/2 {
		// Shift the head side one slot left.
		l.head = (l.head - 1) & (len(l.buf) - 1)
		for j := 0; j < i; j++ {
			l.buf[l.slot(j)] = l.buf[l.slot(j+1)]
		}
	} else {
		for j := l.n; j > i; j-- {
			l.buf[l.slot(j)] = l.buf[l.slot(j-1)]
		}
	}
	l.buf[l.slot(i)] = append([]byte(nil), v...)
	l.n++
}

// Remove deletes the element at index i.
func (l *List) Remove(i int) {
	if i < l.n/2 {
		for j := i; j > 0; j-- {
			l.buf[l.slot(j)] = l.buf[l.slot(j-1)]
		}
		l.buf[l.head] = nil
		l.head = (l.head + 1) & (len(l.buf) - 1)
	} else {
		for j := i; j < l.n-1; j++ {
			l.buf[l.slot(j)] = l.buf[l.slot(j+1)]
		}
		l.buf[l.slot(l.n-1)] = nil
	}
	l.n--
	l.shrink()
}

// RemoveIf deletes the elements for which keep returns false, in one pass,
// and returns how many it removed.
func (l *List) RemoveIf(drop func(i int, v []byte) bool) int {
	w := 0
	for r := 0; r < l.n; r++ {
		v := l.buf[l.slot(r)]
		if drop(r, v) {
			continue
		}
		l.buf[l.slot(w)] = v
		w++
	}
	removed := l.n - w
	for j := w; j < l.n; j++ {
		l.buf[l.slot(j)] = nil
	}
	l.n = w
	l.shrink()
	return removed
}

// Trim keeps only the elements from start to stop inclusive (valid indexes).
func (l *List) Trim(start, stop int) {
	if start > stop || start >= l.n {
		for j := 0; j < l.n; j++ {
			l.buf[l.slot(j)] = nil
		}
		l.n = 0
		l.shrink()
		return
	}
	for j := 0; j < start; j++ {
		l.buf[l.slot(j)] = nil
	}
	for j := stop + 1; j < l.n; j++ {
		l.buf[l.slot(j)] = nil
	}
	l.head = l.slot(start)
	l.n = stop - start + 1
	l.shrink()
}

// Range calls fn for the elements from start to stop inclusive (valid
// indexes), from the head; fn returns false to stop.
func (l *List) Range(start, stop int, fn func(v []byte) bool) {
	for i := start; i <= stop && i < l.n; i++ {
		if !fn(l.buf[l.slot(i)]) {
			return
		}
	}
}

// Encoding is what OBJECT ENCODING reports (Redis 7.0 lists are quicklists).
func (l *List) Encoding() string { return "quicklist" }

// Clone returns a deep copy.
func (l *List) Clone() any {
	c := &List{buf: make([][]byte, len(l.buf)), n: l.n}
	for i := 0; i < l.n; i++ {
		c.buf[i] = append([]byte(nil), l.Index(i)...)
	}
	return c
}

// MemoryUsage estimates the bytes the list uses, sampling samples elements
// (0 = all) as MEMORY USAGE does.
func (l *List) MemoryUsage(samples int) int {
	n := 48 + len(l.buf)*24
	if l.n == 0 {
		return n
	}
	if samples <= 0 || samples > l.n {
		samples = l.n
	}
	sum := 0
	for i := 0; i < samples; i++ {
		sum += allocSize(cap(l.Index(i)))
	}
	return n + sum*l.n/samples
}

// DigestValue writes the elements in order (DEBUG DIGEST-VALUE).
func (l *List) DigestValue(w io.Writer) {
	var lenBuf [4]byte
	for i := 0; i < l.n; i++ {
		v := l.Index(i)
		binary.LittleEndian.PutUint32(lenBuf[:], uint32(len(v)))
		_, _ = w.Write(lenBuf[:])
		_, _ = w.Write(v)
	}
}

// SerializedLength estimates the RDB size (DEBUG OBJECT serializedlength).
func (l *List) SerializedLength() int {
	n := 9
	for i := 0; i < l.n; i++ {
		n += len(l.Index(i)) + 2
	}
	return n
}

// DebugInfo is the quicklist detail DEBUG OBJECT prints, computed as if
// the list were packed in nodes of the default 8 KB listpacks.
func (l *List) DebugInfo() string {
	bytes := 0
	for i := 0; i < l.n; i++ {
		bytes += len(l.Index(i)) + 2
	}
	nodes := bytes/8192 + 1
	return "ql_nodes:" + itoa(nodes) + " ql_avg_node:" + ftoa2(float64(l.n)/float64(nodes)) +
		" ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:" + itoa(bytes+6*nodes)
}

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa2(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
