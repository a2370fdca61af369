package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/peregrinedb/peregrine/internal/encoding"
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

// Streams are written as Redis 7.0 writes them (RDB_TYPE_STREAM_LISTPACKS_2):
// one listpack per node, keyed by the node's master ID, each listpack
// starting with a master entry (live count, deleted count, the master
// fields, a 0 terminator) followed by entries (flags, ms and seq deltas
// from the master ID, then either only the values when the fields equal
// the master fields, or the field count and field/value pairs, and last
// the entry's element count); then the stream metadata and the consumer
// groups with their PELs.

const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

func appendStreamID128(b []byte, id types.StreamID) []byte {
	b = binary.BigEndian.AppendUint64(b, id.Ms)
	return binary.BigEndian.AppendUint64(b, id.Seq)
}

// streamNodeListpack encodes one node's entries as Redis's listpack.
func streamNodeListpack(entries []types.StreamEntry) []byte {
	master := entries[0]
	nmaster := len(master.Fields) / 2
	lp := encoding.NewListpackBuilder(64 * len(entries))
	lp.AppendInt(int64(len(entries)))
	lp.AppendInt(0)
	lp.AppendInt(int64(nmaster))
	for i := 0; i < nmaster; i++ {
		lp.Append(master.Fields[2*i])
	}
	lp.AppendInt(0)
	for _, e := range entries {
		same := len(e.Fields) == len(master.Fields)
		for i := 0; same && i < nmaster; i++ {
			same = string(e.Fields[2*i]) == string(master.Fields[2*i])
		}
		flags := int64(0)
		if same {
			flags = streamFlagSameFields
		}
		lp.AppendInt(flags)
		lp.AppendInt(int64(e.ID.Ms - master.ID.Ms))
		lp.AppendInt(int64(e.ID.Seq - master.ID.Seq))
		n := len(e.Fields) / 2
		if same {
			for i := 0; i < n; i++ {
				lp.Append(e.Fields[2*i+1])
			}
			lp.AppendInt(int64(n + 3))
		} else {
			lp.AppendInt(int64(n))
			for _, f := range e.Fields {
				lp.Append(f)
			}
			lp.AppendInt(int64(2*n + 4))
		}
	}
	return lp.Bytes()
}

// appendStream writes s in the RDB_TYPE_STREAM_LISTPACKS_2 form.
func appendStream(b []byte, s *types.Stream, o *WriteOptions) []byte {
	var nodes [][]byte
	var keys []types.StreamID
	s.Nodes(func(entries []types.StreamEntry) {
		keys = append(keys, entries[0].ID)
		nodes = append(nodes, streamNodeListpack(entries))
	})
	b = AppendLen(b, uint64(len(nodes)))
	for i, lp := range nodes {
		b = AppendString(b, appendStreamID128(nil, keys[i]), false)
		b = AppendString(b, lp, o.Compress)
	}
	b = AppendLen(b, uint64(s.Len()))
	b = AppendLen(b, s.LastID.Ms)
	b = AppendLen(b, s.LastID.Seq)
	first := s.FirstID()
	b = AppendLen(b, first.Ms)
	b = AppendLen(b, first.Seq)
	b = AppendLen(b, s.MaxDeletedID.Ms)
	b = AppendLen(b, s.MaxDeletedID.Seq)
	b = AppendLen(b, s.EntriesAdded)
	b = AppendLen(b, uint64(len(s.Groups())))
	for _, g := range s.Groups() {
		b = AppendString(b, []byte(g.Name), false)
		b = AppendLen(b, g.LastID.Ms)
		b = AppendLen(b, g.LastID.Seq)
		b = AppendLen(b, uint64(g.EntriesRead))
		pel := g.Pending()
		b = AppendLen(b, uint64(len(pel)))
		for _, p := range pel {
			b = appendStreamID128(b, p.ID)
			b = binary.LittleEndian.AppendUint64(b, uint64(p.DeliveryTime))
			b = AppendLen(b, p.DeliveryCount)
		}
		b = AppendLen(b, uint64(len(g.Consumers())))
		for _, c := range g.Consumers() {
			b = AppendString(b, []byte(c.Name), false)
			b = binary.LittleEndian.AppendUint64(b, uint64(c.SeenTime))
			cp := c.Pending()
			b = AppendLen(b, uint64(len(cp)))
			for _, p := range cp {
				b = appendStreamID128(b, p.ID)
			}
		}
	}
	return b
}

var errStreamCorrupt = errors.New("rdb: corrupt stream listpack record")

// readStreamNode decodes one node listpack into s. Unless shallow, the
// node is checked as Redis's deep sanitization checks it: every entry
// valid, the master entry's live and deleted counts adding up to the
// records that follow, each record's lp-count matching its size. Shallow
// (sanitize-dump-payload no) keeps the records before the first damaged
// one and notes the rest on r (see Limits.Shallow); only a bad listpack
// header, terminator or first entry is fatal, as in Redis; and so is,
// with edgeWalk, damage met before the stream's first live entry: Redis
// loads the first ID of an old (type 15) stream by walking to that entry,
// and dies on the damage at load time.
func readStreamNode(r *reader, s *types.Stream, key, lp []byte, shallow, edgeWalk bool) error {
	if len(key) != 16 {
		return fmt.Errorf("rdb: stream node key of %d bytes", len(key))
	}
	master := types.StreamID{Ms: binary.BigEndian.Uint64(key), Seq: binary.BigEndian.Uint64(key[8:])}
	var items []lpEntry
	var lpDamage error // where a Shallow decode's entries stop early
	if shallow {
		var err error
		items, lpDamage, err = lpSalvage(lp)
		if err != nil {
			return fmt.Errorf("rdb: stream listpack: %w", err)
		}
		if len(items) == 0 && lpDamage != nil {
			// Redis's lpFirst asserts the first entry is sound.
			return fmt.Errorf("rdb: stream listpack: %w", lpDamage)
		}
		if lpDamage != nil {
			lpDamage = fmt.Errorf("rdb: stream listpack: %w", lpDamage)
			r.salvaged = append(r.salvaged, fmt.Sprintf("node %s: %v", master, lpDamage))
		}
	} else {
		err := encoding.ListpackEach(lp, func(s []byte, n int64, isInt bool) error {
			items = append(items, lpEntry{s: s, n: n, isInt: isInt})
			return nil
		})
		if err != nil {
			return fmt.Errorf("rdb: stream listpack: %w", err)
		}
	}
	if len(items) == 0 {
		return errors.New("rdb: empty listpack inside a stream")
	}
	// bad ends the node: an error when sanitizing, else a note (the
	// records already appended stay).
	bad := func(err error) error {
		if lpDamage != nil {
			err = lpDamage // the records ran out where the listpack broke
		}
		if !shallow || edgeWalk && s.Len() == 0 {
			return err
		}
		if err != lpDamage {
			r.salvaged = append(r.salvaged, fmt.Sprintf("node %s: %v, dropped the rest of the node", master, err))
		}
		return nil
	}
	p := 0
	intAt := func() (int64, error) {
		if p >= len(items) || !items[p].isInt {
			return 0, errStreamCorrupt
		}
		p++
		return items[p-1].n, nil
	}
	item := func() ([]byte, error) {
		if p >= len(items) {
			return nil, errStreamCorrupt
		}
		p++
		return items[p-1].bytes(), nil
	}
	live, err := intAt()
	if err != nil {
		return bad(err)
	}
	deleted, err := intAt()
	if err != nil {
		return bad(err)
	}
	nm, err := intAt()
	if err != nil || nm < 0 || nm > int64(len(items)-p) {
		return bad(errStreamCorrupt)
	}
	masterFields := make([][]byte, nm)
	for i := range masterFields {
		if masterFields[i], err = item(); err != nil {
			return bad(err)
		}
	}
	if z, err := intAt(); err != nil || z != 0 {
		return bad(errStreamCorrupt)
	}
	first := true
	records := int64(0)
	for p < len(items) {
		flags, err := intAt()
		if err != nil {
			return bad(err)
		}
		dms, err := intAt()
		if err != nil {
			return bad(err)
		}
		dseq, err := intAt()
		if err != nil {
			return bad(err)
		}
		id := types.StreamID{Ms: master.Ms + uint64(dms), Seq: master.Seq + uint64(dseq)}
		var fields [][]byte
		var size int64 // the lp-count this record must end with
		if flags&streamFlagSameFields != 0 {
			fields = make([][]byte, 0, 2*nm)
			for i := int64(0); i < nm; i++ {
				v, err := item()
				if err != nil {
					return bad(err)
				}
				fields = append(fields, masterFields[i], v)
			}
			size = nm + 3
		} else {
			nf, err := intAt()
			if err != nil || nf < 0 || 2*nf > int64(len(items)-p) {
				return bad(errStreamCorrupt)
			}
			fields = make([][]byte, 0, 2*nf)
			for i := int64(0); i < 2*nf; i++ {
				v, err := item()
				if err != nil {
					return bad(err)
				}
				fields = append(fields, v)
			}
			size = 2*nf + 4
		}
		lpCount, err := intAt()
		if err != nil {
			return bad(err)
		}
		if !shallow && lpCount != size {
			return fmt.Errorf("rdb: stream listpack record %s has lp-count %d, want %d", id, lpCount, size)
		}
		records++
		if flags&streamFlagDeleted != 0 {
			continue
		}
		if len(fields) == 0 {
			return bad(errStreamCorrupt)
		}
		if s.Len() > 0 && !s.LastID.Less(id) {
			if !shallow {
				return errors.New("rdb: stream IDs out of order")
			}
			r.salvaged = append(r.salvaged, fmt.Sprintf("dropped entry %s, out of order", id))
			continue
		}
		if first {
			s.AppendNewNode(id, fields)
			first = false
		} else {
			s.Append(id, fields, types.NodeLimits{})
		}
	}
	if lpDamage != nil && edgeWalk && s.Len() == 0 {
		return lpDamage
	}
	if !shallow && records != live+deleted {
		return fmt.Errorf("rdb: stream listpack of %d records says %d live and %d deleted", records, live, deleted)
	}
	return nil
}

func readID128(r *reader) (types.StreamID, error) {
	b, err := r.next(16)
	if err != nil {
		return types.StreamID{}, err
	}
	return types.StreamID{Ms: binary.BigEndian.Uint64(b), Seq: binary.BigEndian.Uint64(b[8:])}, nil
}

func readStreamIDLens(r *reader) (types.StreamID, error) {
	ms, err := r.plainLen()
	if err != nil {
		return types.StreamID{}, err
	}
	seq, err := r.plainLen()
	return types.StreamID{Ms: ms, Seq: seq}, err
}

func readMillis(r *reader) (int64, error) {
	b, err := r.next(8)
	if err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(b)), nil
}

// readStream decodes a stream of type 15, 19 or 21.
func readStream(r *reader, typ byte, lim *Limits) (keyspace.Entry, error) {
	s := types.NewStream()
	nodes, err := r.plainLen()
	if err != nil {
		return keyspace.Entry{}, err
	}
	for i := uint64(0); i < nodes; i++ {
		key, err := r.str()
		if err != nil {
			return keyspace.Entry{}, err
		}
		lp, err := r.str()
		if err != nil {
			return keyspace.Entry{}, err
		}
		if err := readStreamNode(r, s, key, lp, lim.Shallow, typ == TypeStreamListpacks); err != nil {
			return keyspace.Entry{}, err
		}
	}
	length, err := r.plainLen()
	if err != nil {
		return keyspace.Entry{}, err
	}
	if length != uint64(s.Len()) {
		if !lim.Shallow || nodes == 0 {
			// Even unsanitized, Redis refuses a length without nodes.
			return keyspace.Entry{}, fmt.Errorf("rdb: stream length %d but %d entries", length, s.Len())
		}
		r.salvaged = append(r.salvaged, fmt.Sprintf("length %d corrected to the %d entries kept", length, s.Len()))
	}
	if s.LastID, err = readStreamIDLens(r); err != nil {
		return keyspace.Entry{}, err
	}
	if s.Len() > 0 && s.LastID.Less(s.LastLiveID()) {
		if !lim.Shallow {
			return keyspace.Entry{}, errors.New("rdb: stream last ID below its last entry")
		}
		r.salvaged = append(r.salvaged, fmt.Sprintf("last ID %s raised to the last entry's", s.LastID))
		s.LastID = s.LastLiveID()
	}
	if typ >= TypeStreamListpack2 {
		if _, err := readStreamIDLens(r); err != nil { // first ID: derived from the entries
			return keyspace.Entry{}, err
		}
		if s.MaxDeletedID, err = readStreamIDLens(r); err != nil {
			return keyspace.Entry{}, err
		}
		if s.EntriesAdded, err = r.plainLen(); err != nil {
			return keyspace.Entry{}, err
		}
	} else {
		s.EntriesAdded = uint64(s.Len())
	}
	ngroups, err := r.plainLen()
	if err != nil {
		return keyspace.Entry{}, err
	}
	for i := uint64(0); i < ngroups; i++ {
		if err := readStreamGroup(r, typ, s, lim.Shallow); err != nil {
			return keyspace.Entry{}, err
		}
	}
	return keyspace.Entry{Type: keyspace.TypeStream, Obj: s}, nil
}

func readStreamGroup(r *reader, typ byte, s *types.Stream, shallow bool) error {
	name, err := r.str()
	if err != nil {
		return err
	}
	last, err := readStreamIDLens(r)
	if err != nil {
		return err
	}
	var entriesRead int64
	if typ >= TypeStreamListpack2 {
		n, err := r.plainLen()
		if err != nil {
			return err
		}
		entriesRead = int64(n)
	} else {
		entriesRead = s.EntriesReadFor(last)
	}
	g := s.CreateGroup(string(name), last, entriesRead)
	if g == nil {
		return errDuplicate("consumer group", name)
	}
	npel, err := r.plainLen()
	if err != nil {
		return err
	}
	for j := uint64(0); j < npel; j++ {
		id, err := readID128(r)
		if err != nil {
			return err
		}
		t, err := readMillis(r)
		if err != nil {
			return err
		}
		cnt, err := r.plainLen()
		if err != nil {
			return err
		}
		if g.FindPending(id) != nil {
			return errDuplicate("pending ID", []byte(id.String()))
		}
		g.RestorePending(id, t, cnt)
	}
	ncons, err := r.plainLen()
	if err != nil {
		return err
	}
	for j := uint64(0); j < ncons; j++ {
		cname, err := r.str()
		if err != nil {
			return err
		}
		seen, err := readMillis(r)
		if err != nil {
			return err
		}
		if typ >= TypeStreamListpack3 {
			if _, err := readMillis(r); err != nil { // active time (7.2)
				return err
			}
		}
		c := g.CreateConsumer(string(cname), seen)
		if c == nil {
			return errDuplicate("consumer", cname)
		}
		n, err := r.plainLen()
		if err != nil {
			return err
		}
		for k := uint64(0); k < n; k++ {
			id, err := readID128(r)
			if err != nil {
				return err
			}
			if !g.ClaimLoaded(c, id) {
				return fmt.Errorf("rdb: consumer pending ID %s not in the group PEL", id)
			}
		}
	}
	if g.OrphanPending() {
		if !shallow {
			return errors.New("rdb: stream group PEL entry without a consumer")
		}
		// Redis checks owners only when sanitizing; a pending entry
		// without a consumer is one nothing could claim or report.
		n := g.DropOrphanPending()
		r.salvaged = append(r.salvaged, fmt.Sprintf("group %q: dropped %d pending entries without a consumer", g.Name, n))
	}
	return nil
}
