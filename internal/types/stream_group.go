package types

import "sort"

// InvalidEntriesRead marks a consumer group's entries-read counter as unknown.
const InvalidEntriesRead = -1

// StreamGroup is a consumer group: its last delivered ID, its
// entries-read counter, the pending entries list (PEL) and its consumers.
type StreamGroup struct {
	Name        string
	LastID      StreamID
	EntriesRead int64
	pel         []*PendingEntry   // sorted by ID
	consumers   []*StreamConsumer // sorted by name
}

// PendingEntry is a delivered, not yet acknowledged entry.
type PendingEntry struct {
	ID            StreamID
	DeliveryTime  int64 // ms
	DeliveryCount uint64
	Consumer      *StreamConsumer
}

// StreamConsumer is a consumer of a group with its own pending entries.
type StreamConsumer struct {
	Name     string
	SeenTime int64           // ms
	pel      []*PendingEntry // sorted by ID
}

// Pending returns the consumer's pending entries in ID order (read only).
func (c *StreamConsumer) Pending() []*PendingEntry { return c.pel }

// Groups returns the groups in name order (read only).
func (s *Stream) Groups() []*StreamGroup { return s.groups }

func (s *Stream) groupIndex(name string) (int, bool) {
	i := sort.Search(len(s.groups), func(i int) bool { return s.groups[i].Name >= name })
	return i, i < len(s.groups) && s.groups[i].Name == name
}

// Group returns the named group or nil.
func (s *Stream) Group(name string) *StreamGroup {
	if i, ok := s.groupIndex(name); ok {
		return s.groups[i]
	}
	return nil
}

// CreateGroup adds a group; it returns nil when the name is taken.
func (s *Stream) CreateGroup(name string, last StreamID, entriesRead int64) *StreamGroup {
	i, ok := s.groupIndex(name)
	if ok {
		return nil
	}
	g := &StreamGroup{Name: name, LastID: last, EntriesRead: entriesRead}
	s.groups = append(s.groups, nil)
	copy(s.groups[i+1:], s.groups[i:])
	s.groups[i] = g
	return g
}

// DestroyGroup removes a group, reporting whether it existed.
func (s *Stream) DestroyGroup(name string) bool {
	i, ok := s.groupIndex(name)
	if !ok {
		return false
	}
	s.groups = append(s.groups[:i], s.groups[i+1:]...)
	return true
}

// Consumers returns the consumers in name order (read only).
func (g *StreamGroup) Consumers() []*StreamConsumer { return g.consumers }

// Pending returns the group's PEL in ID order (read only).
func (g *StreamGroup) Pending() []*PendingEntry { return g.pel }

func (g *StreamGroup) consumerIndex(name string) (int, bool) {
	i := sort.Search(len(g.consumers), func(i int) bool { return g.consumers[i].Name >= name })
	return i, i < len(g.consumers) && g.consumers[i].Name == name
}

// Consumer returns the named consumer or nil.
func (g *StreamGroup) Consumer(name string) *StreamConsumer {
	if i, ok := g.consumerIndex(name); ok {
		return g.consumers[i]
	}
	return nil
}

// CreateConsumer adds a consumer seen at now; it returns nil when it exists.
func (g *StreamGroup) CreateConsumer(name string, now int64) *StreamConsumer {
	i, ok := g.consumerIndex(name)
	if ok {
		return nil
	}
	c := &StreamConsumer{Name: name, SeenTime: now}
	g.consumers = append(g.consumers, nil)
	copy(g.consumers[i+1:], g.consumers[i:])
	g.consumers[i] = c
	return c
}

// DeleteConsumer removes a consumer and its pending entries from the
// group's PEL, returning how many were pending (-1: no such consumer).
func (g *StreamGroup) DeleteConsumer(name string) int {
	i, ok := g.consumerIndex(name)
	if !ok {
		return -1
	}
	c := g.consumers[i]
	n := len(c.pel)
	for _, p := range append([]*PendingEntry(nil), c.pel...) {
		g.Ack(p.ID)
	}
	g.consumers = append(g.consumers[:i], g.consumers[i+1:]...)
	return n
}

func pelIndex(pel []*PendingEntry, id StreamID) (int, bool) {
	i := sort.Search(len(pel), func(i int) bool { return !pel[i].ID.Less(id) })
	return i, i < len(pel) && pel[i].ID == id
}

func pelInsert(pel []*PendingEntry, p *PendingEntry) []*PendingEntry {
	if n := len(pel); n == 0 || pel[n-1].ID.Less(p.ID) {
		return append(pel, p)
	}
	i, _ := pelIndex(pel, p.ID)
	pel = append(pel, nil)
	copy(pel[i+1:], pel[i:])
	pel[i] = p
	return pel
}

func pelRemove(pel []*PendingEntry, id StreamID) []*PendingEntry {
	i, ok := pelIndex(pel, id)
	if !ok {
		return pel
	}
	copy(pel[i:], pel[i+1:])
	pel[len(pel)-1] = nil
	return pel[:len(pel)-1]
}

// FindPending returns the pending entry id or nil.
func (g *StreamGroup) FindPending(id StreamID) *PendingEntry {
	if i, ok := pelIndex(g.pel, id); ok {
		return g.pel[i]
	}
	return nil
}

// PendingFrom returns the index in the group PEL of the first entry >= id.
func (g *StreamGroup) PendingFrom(id StreamID) int {
	i, _ := pelIndex(g.pel, id)
	return i
}

// PendingFrom returns the index in the consumer PEL of the first entry >= id.
func (c *StreamConsumer) PendingFrom(id StreamID) int {
	i, _ := pelIndex(c.pel, id)
	return i
}

// AddPending records id as delivered to c (replacing an existing record
// of the same ID, which moves to c) and returns the record.
func (g *StreamGroup) AddPending(id StreamID, c *StreamConsumer, now int64, count uint64) *PendingEntry {
	if p := g.FindPending(id); p != nil {
		g.SetOwner(p, c)
		p.DeliveryTime, p.DeliveryCount = now, count
		return p
	}
	p := &PendingEntry{ID: id, DeliveryTime: now, DeliveryCount: count, Consumer: c}
	g.pel = pelInsert(g.pel, p)
	c.pel = pelInsert(c.pel, p)
	return p
}

// SetOwner moves a pending entry to consumer c.
func (g *StreamGroup) SetOwner(p *PendingEntry, c *StreamConsumer) {
	if p.Consumer == c {
		return
	}
	p.Consumer.pel = pelRemove(p.Consumer.pel, p.ID)
	p.Consumer = c
	c.pel = pelInsert(c.pel, p)
}

// Ack removes id from the PEL, reporting whether it was pending.
func (g *StreamGroup) Ack(id StreamID) bool {
	i, ok := pelIndex(g.pel, id)
	if !ok {
		return false
	}
	p := g.pel[i]
	copy(g.pel[i:], g.pel[i+1:])
	g.pel[len(g.pel)-1] = nil
	g.pel = g.pel[:len(g.pel)-1]
	p.Consumer.pel = pelRemove(p.Consumer.pel, id)
	return true
}

func (g *StreamGroup) clone() *StreamGroup {
	c := &StreamGroup{Name: g.Name, LastID: g.LastID, EntriesRead: g.EntriesRead}
	byName := map[*StreamConsumer]*StreamConsumer{}
	for _, con := range g.consumers {
		nc := &StreamConsumer{Name: con.Name, SeenTime: con.SeenTime}
		byName[con] = nc
		c.consumers = append(c.consumers, nc)
	}
	for _, p := range g.pel {
		np := &PendingEntry{ID: p.ID, DeliveryTime: p.DeliveryTime, DeliveryCount: p.DeliveryCount, Consumer: byName[p.Consumer]}
		c.pel = append(c.pel, np)
		np.Consumer.pel = append(np.Consumer.pel, np)
	}
	return c
}

func (g *StreamGroup) memoryUsage() int {
	n := 96 + allocSize(len(g.Name)) + 8*cap(g.pel) + 8*cap(g.consumers)
	n += 48 * len(g.pel)
	for _, c := range g.consumers {
		n += 64 + allocSize(len(c.Name)) + 8*cap(c.pel)
	}
	return n
}

// EntriesReadFor estimates the entries-read counter of id as Redis 7.0
// does: exact at the ends of an unfragmented stream, InvalidEntriesRead
// when it cannot tell.
func (s *Stream) EntriesReadFor(id StreamID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	if s.length == 0 && !s.LastID.Less(id) {
		return int64(s.EntriesAdded)
	}
	switch id.Compare(s.LastID) {
	case 0:
		return int64(s.EntriesAdded)
	case 1:
		return InvalidEntriesRead
	}
	first := s.FirstID()
	if s.MaxDeletedID.IsZero() || s.MaxDeletedID.Less(first) {
		switch id.Compare(first) {
		case -1:
			return int64(s.EntriesAdded) - int64(s.length)
		case 0:
			return int64(s.EntriesAdded) - int64(s.length) + 1
		}
	}
	return InvalidEntriesRead
}

// HasTombstones reports whether an XDEL may have left a hole between
// start and end (end nil: up to the maximum ID).
func (s *Stream) HasTombstones(start StreamID, end *StreamID) bool {
	if s.length == 0 || s.MaxDeletedID.IsZero() {
		return false
	}
	if s.MaxDeletedID.Less(s.FirstID()) {
		return false
	}
	e := MaxStreamID
	if end != nil {
		e = *end
	}
	return !s.MaxDeletedID.Less(start) && !e.Less(s.MaxDeletedID)
}

// Lag returns a group's lag as XINFO reports it; ok is false when it
// cannot be known (nil reply).
func (s *Stream) Lag(g *StreamGroup) (int64, bool) {
	if s.EntriesAdded == 0 {
		return 0, true
	}
	if g.EntriesRead != InvalidEntriesRead && !s.HasTombstones(g.LastID, nil) {
		return int64(s.EntriesAdded) - g.EntriesRead, true
	}
	er := s.EntriesReadFor(g.LastID)
	if er == InvalidEntriesRead {
		return 0, false
	}
	return int64(s.EntriesAdded) - er, true
}
