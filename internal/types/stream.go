package types

import (
	"encoding/binary"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/peregrinedb/peregrine/internal/encoding"
)

// StreamID is a stream entry ID: milliseconds and a sequence number.
type StreamID struct{ Ms, Seq uint64 }

// MaxStreamID is the largest possible ID ("+").
var MaxStreamID = StreamID{math.MaxUint64, math.MaxUint64}

// Compare returns -1, 0 or 1 as id is below, equal to or above o.
func (id StreamID) Compare(o StreamID) int {
	switch {
	case id.Ms < o.Ms:
		return -1
	case id.Ms > o.Ms:
		return 1
	case id.Seq < o.Seq:
		return -1
	case id.Seq > o.Seq:
		return 1
	}
	return 0
}

// Less reports whether id sorts before o.
func (id StreamID) Less(o StreamID) bool { return id.Compare(o) < 0 }

// IsZero reports whether id is 0-0.
func (id StreamID) IsZero() bool { return id.Ms == 0 && id.Seq == 0 }

// Next returns the ID just above id; ok is false for the maximum ID.
func (id StreamID) Next() (StreamID, bool) {
	switch {
	case id.Seq < math.MaxUint64:
		return StreamID{id.Ms, id.Seq + 1}, true
	case id.Ms < math.MaxUint64:
		return StreamID{id.Ms + 1, 0}, true
	}
	return id, false
}

// Prev returns the ID just below id; ok is false for 0-0.
func (id StreamID) Prev() (StreamID, bool) {
	switch {
	case id.Seq > 0:
		return StreamID{id.Ms, id.Seq - 1}, true
	case id.Ms > 0:
		return StreamID{id.Ms - 1, math.MaxUint64}, true
	}
	return id, false
}

// Append appends "ms-seq".
func (id StreamID) Append(b []byte) []byte {
	b = strconv.AppendUint(b, id.Ms, 10)
	b = append(b, '-')
	return strconv.AppendUint(b, id.Seq, 10)
}

// String returns "ms-seq".
func (id StreamID) String() string { return string(id.Append(nil)) }

// Stream is a Redis stream. Entries are packed in nodes of at most
// stream-node-max-entries entries (or about stream-node-max-bytes bytes),
// each node one byte buffer, and the nodes are kept in a slice sorted by
// ID, so a lookup is a binary search over nodes plus a scan of one small
// buffer, and the GC sees one pointer per node rather than per field.
// Deleted entries are flagged in place, as Redis does, and a node goes
// away when its last live entry does.
type Stream struct {
	nodes  []*streamNode
	length int
	// LastID is the highest ID ever added (or set by XSETID).
	LastID StreamID
	// MaxDeletedID is the highest ID ever deleted by XDEL (or XSETID).
	MaxDeletedID StreamID
	// EntriesAdded counts every entry ever added (or set by XSETID).
	EntriesAdded uint64
	groups       []*StreamGroup // sorted by name
}

// streamNode holds consecutive entries. Each entry in buf is: a flag byte
// (1 = deleted, 2 = same field names as the node's first entry), uvarint
// ms delta from base.Ms, uvarint seq, then either (flag 2) only the values,
// or a uvarint field count and each field and value; every string is a
// uvarint length + bytes. The first entry is always written in full, so
// it carries the field names later entries share (as Redis's master
// entry does), even after it is deleted.
type streamNode struct {
	base    StreamID // the first entry's ID
	last    StreamID // the last entry's ID (deleted or not)
	buf     []byte
	count   int // entries in buf, deleted included
	live    int
	nmaster int // field count of the first entry
	// lpBytes is the size Redis's listpack for this node would have, so
	// nodes split where Redis's split (stream-node-max-bytes counts
	// listpack bytes), and approximate trims remove what Redis's remove.
	lpBytes int
}

const (
	flagDeleted    = 1
	flagSameFields = 2
)

// NewStream returns an empty stream.
func NewStream() *Stream { return &Stream{} }

// Len returns the number of entries.
func (s *Stream) Len() int { return s.length }

// Encoding is what OBJECT ENCODING reports.
func (s *Stream) Encoding() string { return "stream" }

// NodeCount returns the number of nodes (XINFO STREAM's radix-tree-keys).
func (s *Stream) NodeCount() int { return len(s.nodes) }

// entry decoding

type nodeEntry struct {
	off    int // offset of the flag byte
	id     StreamID
	fields [][]byte // field, value, field, value...
	end    int      // offset after the entry
}

// masterNames returns the field names of the node's first entry.
func (n *streamNode) masterNames() [][]byte {
	e := n.decode(0, make([][]byte, 0, 2*n.nmaster), nil)
	names := make([][]byte, 0, n.nmaster)
	for i := 0; i < len(e.fields); i += 2 {
		names = append(names, e.fields[i])
	}
	return names
}

// decode reads the entry at off; fields are appended to dst (they alias
// buf). master caches the node's field names across calls (nil pointer:
// the entry must be a full one).
func (n *streamNode) decode(off int, dst [][]byte, master *[][]byte) nodeEntry {
	e := nodeEntry{off: off}
	flags := n.buf[off]
	p := off + 1
	d, k := binary.Uvarint(n.buf[p:])
	p += k
	seq, k := binary.Uvarint(n.buf[p:])
	p += k
	e.id = StreamID{n.base.Ms + d, seq}
	str := func() []byte {
		l, k := binary.Uvarint(n.buf[p:])
		p += k
		b := n.buf[p : p+int(l) : p+int(l)]
		p += int(l)
		return b
	}
	if flags&flagSameFields != 0 {
		if *master == nil {
			*master = n.masterNames()
		}
		for _, name := range *master {
			dst = append(dst, name, str())
		}
	} else {
		nf, k := binary.Uvarint(n.buf[p:])
		p += k
		for i := uint64(0); i < 2*nf; i++ {
			dst = append(dst, str())
		}
	}
	e.fields = dst
	e.end = p
	return e
}

// skip returns the ID and flags of the entry at off and the next offset,
// without collecting fields.
func (n *streamNode) skip(off int) (StreamID, byte, int) {
	flags := n.buf[off]
	p := off + 1
	d, k := binary.Uvarint(n.buf[p:])
	p += k
	seq, k := binary.Uvarint(n.buf[p:])
	p += k
	strs := uint64(n.nmaster)
	if flags&flagSameFields == 0 {
		nf, k := binary.Uvarint(n.buf[p:])
		p += k
		strs = 2 * nf
	}
	for i := uint64(0); i < strs; i++ {
		l, k := binary.Uvarint(n.buf[p:])
		p += k + int(l)
	}
	return StreamID{n.base.Ms + d, seq}, flags, p
}

// sameNames reports whether fields have the node's master field names.
func (n *streamNode) sameNames(fields [][]byte) bool {
	if n.count == 0 || len(fields) != 2*n.nmaster {
		return false
	}
	// Walk the first entry's names without allocating.
	p := 1
	_, k := binary.Uvarint(n.buf[p:])
	p += k
	_, k = binary.Uvarint(n.buf[p:])
	p += k
	_, k = binary.Uvarint(n.buf[p:])
	p += k
	for i := 0; i < 2*n.nmaster; i++ {
		l, k := binary.Uvarint(n.buf[p:])
		p += k
		if i%2 == 0 && string(n.buf[p:p+int(l)]) != string(fields[i]) {
			return false
		}
		p += int(l)
	}
	return true
}

// appendEntry adds an entry to the node's buffer.
func (n *streamNode) appendEntry(id StreamID, fields [][]byte) {
	b := n.buf
	same := n.sameNames(fields)
	if same {
		b = append(b, flagSameFields)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, id.Ms-n.base.Ms)
	b = binary.AppendUvarint(b, id.Seq)
	if !same {
		b = binary.AppendUvarint(b, uint64(len(fields)/2))
	}
	for i, f := range fields {
		if same && i%2 == 0 {
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	if n.count == 0 {
		n.nmaster = len(fields) / 2
		// Redis's master entry: count, deleted, field count, names, 0.
		n.lpBytes = 7 + lpIntSize(1) + lpIntSize(0) + lpIntSize(int64(n.nmaster)) + lpIntSize(0)
		for i := 0; i < len(fields); i += 2 {
			n.lpBytes += lpStrSize(fields[i])
		}
		same = true // Redis's first entry shares the master's names
	}
	nf := int64(len(fields) / 2)
	n.lpBytes += lpIntSize(int64(id.Ms-n.base.Ms)) + lpIntSize(int64(id.Seq-n.base.Seq))
	if same {
		n.lpBytes += lpIntSize(flagSameFields) + lpIntSize(nf+3)
		for i := 1; i < len(fields); i += 2 {
			n.lpBytes += lpStrSize(fields[i])
		}
	} else {
		n.lpBytes += lpIntSize(0) + lpIntSize(nf) + lpIntSize(2*nf+4)
		for _, f := range fields {
			n.lpBytes += lpStrSize(f)
		}
	}
	n.buf = b
}

// maxListpackSize is Redis's cap on a stream node's listpack.
const maxListpackSize = 1 << 30

// lpIntSize is the size of an integer element of a listpack.
func lpIntSize(n int64) int {
	switch {
	case n >= 0 && n <= 127:
		return 2
	case n >= -4096 && n <= 4095:
		return 3
	case n >= -32768 && n <= 32767:
		return 4
	case n >= -8388608 && n <= 8388607:
		return 5
	case n >= -2147483648 && n <= 2147483647:
		return 6
	}
	return 10
}

// lpStrSize is the size of a listpack element holding v (an integer
// when v is one's canonical text, as Redis stores it).
func lpStrSize(v []byte) int {
	if x, ok := encoding.ParseInt64Strict(v); ok {
		return lpIntSize(x)
	}
	l := len(v)
	switch {
	case l < 64:
		l++
	case l < 4096:
		l += 2
	default:
		l += 5
	}
	switch {
	case l <= 127:
		return l + 1
	case l < 16383:
		return l + 2
	case l < 2097151:
		return l + 3
	case l < 268435455:
		return l + 4
	}
	return l + 5
}

// NodeLimits bound the size of a node (stream-node-max-bytes and
// stream-node-max-entries; 0 means no limit).
type NodeLimits struct{ MaxBytes, MaxEntries int }

// Append adds an entry with the given ID, which must be above LastID, and
// fields (field, value, ...). It copies the fields.
func (s *Stream) Append(id StreamID, fields [][]byte, lim NodeLimits) {
	var n *streamNode
	if len(s.nodes) > 0 {
		n = s.nodes[len(s.nodes)-1]
		maxBytes := lim.MaxBytes
		if maxBytes <= 0 || maxBytes > maxListpackSize {
			maxBytes = maxListpackSize
		}
		raw := 0
		for _, f := range fields {
			raw += len(f)
		}
		if n.lpBytes+raw >= maxBytes || lim.MaxEntries > 0 && n.count >= lim.MaxEntries {
			n = nil
		}
	}
	if n == nil {
		if k := len(s.nodes); k > 0 {
			// The full node will not grow again: give back its slack.
			prev := s.nodes[k-1]
			prev.buf = append(make([]byte, 0, len(prev.buf)), prev.buf...)
		}
		n = &streamNode{base: id}
		s.nodes = append(s.nodes, n)
	}
	n.appendEntry(id, fields)
	n.last = id
	n.count++
	n.live++
	s.length++
	s.LastID = id
	s.EntriesAdded++
}

// findNode returns the index of the last node whose base is <= id (-1 when none).
func (s *Stream) findNode(id StreamID) int {
	i := sort.Search(len(s.nodes), func(i int) bool { return id.Less(s.nodes[i].base) })
	return i - 1
}

// Range calls fn for the live entries with start <= ID <= end, in ID
// order (descending when rev), until fn returns false. The fields alias
// the stream's memory and are valid only until the next change.
func (s *Stream) Range(start, end StreamID, rev bool, fn func(id StreamID, fields [][]byte) bool) {
	if end.Less(start) || len(s.nodes) == 0 {
		return
	}
	var scratch [][]byte
	if !rev {
		i := s.findNode(start)
		if i < 0 {
			i = 0
		}
		for ; i < len(s.nodes); i++ {
			n := s.nodes[i]
			if end.Less(n.base) {
				return
			}
			if n.last.Less(start) {
				continue
			}
			var master [][]byte
			for off := 0; off < len(n.buf); {
				e := n.decode(off, scratch[:0], &master)
				scratch = e.fields
				off = e.end
				if n.buf[e.off]&flagDeleted != 0 || e.id.Less(start) {
					continue
				}
				if end.Less(e.id) {
					return
				}
				if !fn(e.id, e.fields) {
					return
				}
			}
		}
		return
	}
	var offs []int
	for i := s.findNode(end); i >= 0; i-- {
		n := s.nodes[i]
		if n.last.Less(start) {
			return
		}
		offs = offs[:0]
		for off := 0; off < len(n.buf); {
			_, fl, next := n.skip(off)
			if fl&flagDeleted == 0 {
				offs = append(offs, off)
			}
			off = next
		}
		var master [][]byte
		for j := len(offs) - 1; j >= 0; j-- {
			e := n.decode(offs[j], scratch[:0], &master)
			scratch = e.fields
			if end.Less(e.id) {
				continue
			}
			if e.id.Less(start) {
				return
			}
			if !fn(e.id, e.fields) {
				return
			}
		}
	}
}

// Get returns the fields of the entry id (aliasing the stream's memory).
func (s *Stream) Get(id StreamID) ([][]byte, bool) {
	var out [][]byte
	found := false
	s.Range(id, id, false, func(_ StreamID, f [][]byte) bool {
		out, found = f, true
		return false
	})
	return out, found
}

// FirstID returns the first live entry's ID (0-0 when empty).
func (s *Stream) FirstID() StreamID {
	var id StreamID
	s.Range(StreamID{}, MaxStreamID, false, func(i StreamID, _ [][]byte) bool { id = i; return false })
	return id
}

// LastLiveID returns the last live entry's ID (0-0 when empty).
func (s *Stream) LastLiveID() StreamID {
	var id StreamID
	s.Range(StreamID{}, MaxStreamID, true, func(i StreamID, _ [][]byte) bool { id = i; return false })
	return id
}

// Delete removes the entry id, reporting whether it existed. It does not
// touch MaxDeletedID (XDEL does).
func (s *Stream) Delete(id StreamID) bool {
	i := s.findNode(id)
	if i < 0 {
		return false
	}
	n := s.nodes[i]
	if n.last.Less(id) {
		return false
	}
	for off := 0; off < len(n.buf); {
		eid, fl, next := n.skip(off)
		if eid == id {
			if fl&flagDeleted != 0 {
				return false
			}
			n.buf[off] |= flagDeleted
			n.live--
			s.length--
			if n.live == 0 {
				s.nodes = append(s.nodes[:i], s.nodes[i+1:]...)
			}
			return true
		}
		if id.Less(eid) {
			return false
		}
		off = next
	}
	return false
}

// TrimArgs describe a trim: by MaxLen (ByMinID false) or by MinID, Approx
// removes whole nodes only, Limit (0 = none) bounds the entries removed.
type TrimArgs struct {
	ByMinID bool
	MaxLen  int64
	MinID   StreamID
	Approx  bool
	Limit   int64
}

// Trim removes entries from the head as Redis's XTRIM does and returns
// how many it removed.
func (s *Stream) Trim(a TrimArgs) int64 {
	var deleted int64
	for len(s.nodes) > 0 {
		if !a.ByMinID && int64(s.length) <= a.MaxLen {
			break
		}
		n := s.nodes[0]
		if a.Limit > 0 && deleted+int64(n.live) > a.Limit {
			break
		}
		var whole bool
		if a.ByMinID {
			whole = n.last.Less(a.MinID)
		} else {
			whole = int64(s.length-n.live) >= a.MaxLen
		}
		if whole {
			s.length -= n.live
			deleted += int64(n.live)
			s.nodes = s.nodes[1:]
			continue
		}
		if a.Approx {
			break
		}
		for off := 0; off < len(n.buf); {
			id, fl, next := n.skip(off)
			if a.ByMinID && !id.Less(a.MinID) || !a.ByMinID && int64(s.length) <= a.MaxLen {
				break
			}
			if fl&flagDeleted == 0 {
				n.buf[off] |= flagDeleted
				n.live--
				s.length--
				deleted++
			}
			off = next
		}
		if n.live == 0 {
			s.nodes = s.nodes[1:]
		}
		break
	}
	if len(s.nodes) == 0 {
		s.nodes = nil
	}
	return deleted
}

// Clone returns a deep copy.
func (s *Stream) Clone() any {
	c := *s
	c.nodes = make([]*streamNode, len(s.nodes))
	for i, n := range s.nodes {
		nn := *n
		nn.buf = append([]byte(nil), n.buf...)
		c.nodes[i] = &nn
	}
	c.groups = make([]*StreamGroup, len(s.groups))
	for i, g := range s.groups {
		c.groups[i] = g.clone()
	}
	return &c
}

// MemoryUsage estimates the bytes the stream takes.
func (s *Stream) MemoryUsage(samples int) int {
	n := 80 + 8*cap(s.nodes)
	for _, nd := range s.nodes {
		n += 72 + allocSize(cap(nd.buf))
	}
	for _, g := range s.groups {
		n += g.memoryUsage()
	}
	return n
}

// DigestValue writes the entries for DEBUG DIGEST-VALUE.
func (s *Stream) DigestValue(w io.Writer) {
	s.Range(StreamID{}, MaxStreamID, false, func(id StreamID, f [][]byte) bool {
		b := id.Append(nil)
		for _, x := range f {
			b = binary.AppendUvarint(b, uint64(len(x)))
			b = append(b, x...)
		}
		_, _ = w.Write(b)
		return true
	})
}

// SerializedLength estimates the RDB size.
func (s *Stream) SerializedLength() int {
	n := 40
	for _, nd := range s.nodes {
		n += len(nd.buf) + 30
	}
	return n
}

// Nodes calls fn for each node's live entries (for RDB writing): the
// node's first live ID and its entries in order.
func (s *Stream) Nodes(fn func(entries []StreamEntry)) {
	var batch []StreamEntry
	for _, n := range s.nodes {
		batch = batch[:0]
		var master [][]byte
		for off := 0; off < len(n.buf); {
			e := n.decode(off, nil, &master)
			off = e.end
			if n.buf[e.off]&flagDeleted == 0 {
				batch = append(batch, StreamEntry{ID: e.id, Fields: e.fields})
			}
		}
		if len(batch) > 0 {
			fn(batch)
		}
	}
}

// StreamEntry is an entry with its fields (field, value, ...).
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte
}

// AppendNewNode is Append starting a new node (the RDB loader keeps
// Redis's node boundaries).
func (s *Stream) AppendNewNode(id StreamID, fields [][]byte) {
	if k := len(s.nodes); k > 0 {
		prev := s.nodes[k-1]
		prev.buf = append(make([]byte, 0, len(prev.buf)), prev.buf...)
	}
	s.nodes = append(s.nodes, &streamNode{base: id})
	s.Append(id, fields, NodeLimits{})
}

// RestorePending adds a pending entry while loading, keeping its
// delivery data; the consumer is attached later with SetOwner-like
// semantics through ClaimLoaded.
func (g *StreamGroup) RestorePending(id StreamID, deliveryTime int64, count uint64) *PendingEntry {
	p := &PendingEntry{ID: id, DeliveryTime: deliveryTime, DeliveryCount: count}
	g.pel = pelInsert(g.pel, p)
	return p
}

// ClaimLoaded gives a loaded pending entry (without owner) to c; it fails
// when the entry is not in the group PEL or already owned.
func (g *StreamGroup) ClaimLoaded(c *StreamConsumer, id StreamID) bool {
	p := g.FindPending(id)
	if p == nil || p.Consumer != nil {
		return false
	}
	p.Consumer = c
	c.pel = pelInsert(c.pel, p)
	return true
}

// OrphanPending reports whether a pending entry has no consumer (a
// corrupt RDB).
func (g *StreamGroup) OrphanPending() bool {
	for _, p := range g.pel {
		if p.Consumer == nil {
			return true
		}
	}
	return false
}

// DropOrphanPending removes the pending entries without a consumer (left
// by a corrupt RDB loaded without sanitization) and returns how many.
func (g *StreamGroup) DropOrphanPending() int {
	kept := g.pel[:0]
	for _, p := range g.pel {
		if p.Consumer != nil {
			kept = append(kept, p)
		}
	}
	n := len(g.pel) - len(kept)
	clear(g.pel[len(kept):])
	g.pel = kept
	return n
}
