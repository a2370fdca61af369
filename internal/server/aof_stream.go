package server

import (
	"strconv"

	"github.com/peregrinedb/peregrine/internal/aof"
	"github.com/peregrinedb/peregrine/internal/types"
)

// stream appends the commands recreating a stream in an AOF rewrite, as
// Redis's rewriteStreamObject writes them: one XADD per entry (an empty
// stream is an XADD trimmed to nothing), XSETID with the metadata, then
// per group XGROUP CREATE, an XCLAIM per pending entry and XGROUP
// CREATECONSUMER for consumers without pending entries.
func (d *baseDumper) stream(key []byte, s *types.Stream) {
	if s.Len() > 0 {
		s.Range(types.StreamID{}, types.MaxStreamID, false, func(id types.StreamID, f [][]byte) bool {
			d.scratch = append(d.scratch[:0], []byte("XADD"), key, id.Append(nil))
			d.scratch = append(d.scratch, f...)
			d.b = aof.AppendCommand(d.b, d.scratch...)
			return true
		})
	} else {
		d.b = aof.AppendCommand(d.b, []byte("XADD"), key, []byte("MAXLEN"), []byte("0"), []byte("0-1"), []byte("x"), []byte("y"))
	}
	d.b = aof.AppendCommand(d.b, []byte("XSETID"), key, s.LastID.Append(nil), []byte("ENTRIESADDED"),
		strconv.AppendUint(nil, s.EntriesAdded, 10), []byte("MAXDELETEDID"), s.MaxDeletedID.Append(nil))
	for _, g := range s.Groups() {
		name := []byte(g.Name)
		d.b = aof.AppendCommand(d.b, []byte("XGROUP"), []byte("CREATE"), key, name, g.LastID.Append(nil),
			[]byte("ENTRIESREAD"), strconv.AppendInt(nil, g.EntriesRead, 10))
		for _, c := range g.Consumers() {
			if len(c.Pending()) == 0 {
				d.b = aof.AppendCommand(d.b, []byte("XGROUP"), []byte("CREATECONSUMER"), key, name, []byte(c.Name))
				continue
			}
			for _, p := range c.Pending() {
				d.b = aof.AppendCommand(d.b, []byte("XCLAIM"), key, name, []byte(c.Name), []byte("0"), p.ID.Append(nil),
					[]byte("TIME"), msArg(p.DeliveryTime), []byte("RETRYCOUNT"), strconv.AppendUint(nil, p.DeliveryCount, 10),
					[]byte("JUSTID"), []byte("FORCE"))
			}
		}
	}
}
