package server

import (
	"math"
	"strconv"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

// Consumer groups: XGROUP, XREADGROUP's group side, XACK, XPENDING,
// XCLAIM, XAUTOCLAIM, XINFO and XSETID, as Redis 7.0 has them. Effects on
// groups propagate as Redis propagates them: XCLAIM ... FORCE JUSTID
// LASTID per delivered entry, XGROUP SETID for a NOACK read.

func xgroupCommands() *Command {
	return container("xgroup", -2, "stream",
		spec("create", -5, "write denyoom", 2, 2, 1, "", xgroupCreateCommand),
		spec("setid", -5, "write", 2, 2, 1, "", xgroupSetidCommand),
		spec("destroy", 4, "write", 2, 2, 1, "", xgroupDestroyCommand),
		spec("createconsumer", 5, "write denyoom", 2, 2, 1, "", xgroupCreateConsumerCommand),
		spec("delconsumer", 5, "write", 2, 2, 1, "", xgroupDelConsumerCommand),
		spec("help", 2, "loading stale", 0, 0, 0, "", xgroupHelpCommand),
	)
}

func xinfoCommands() *Command {
	return container("xinfo", -2, "stream",
		spec("consumers", 4, "readonly", 2, 2, 1, "", xinfoConsumersCommand),
		spec("groups", 3, "readonly", 2, 2, 1, "", xinfoGroupsCommand),
		spec("stream", -3, "readonly", 2, 2, 1, "", xinfoStreamCommand),
		spec("help", 2, "loading stale", 0, 0, 0, "", xinfoHelpCommand),
	)
}

func errNoGroupForKey(group, key []byte) string {
	return "NOGROUP No such consumer group '" + string(group) + "' for key name '" + string(key) + "'"
}

func errNoKeyOrGroup(key, group []byte) string {
	return "NOGROUP No such key '" + string(key) + "' or consumer group '" + string(group) + "'"
}

func idBulk(id types.StreamID) []byte { return id.Append(nil) }

// xgroupTarget parses XGROUP CREATE/SETID options and finds the stream
// and group, replying the errors Redis replies in its order.
func (x *Ctx) xgroupTarget(needGroup bool) (s *types.Stream, g *types.StreamGroup, mkstream bool, entriesRead int64, ok bool) {
	entriesRead = types.InvalidEntriesRead
	create := x.cmd.Name == "create"
	setid := x.cmd.Name == "setid"
	for i := 5; i < len(x.args); {
		switch {
		case create && eqFold(x.args[i], "mkstream"):
			mkstream = true
			i++
		case (create || setid) && eqFold(x.args[i], "entriesread") && i+1 < len(x.args):
			n, ok := parseInt(x.args[i+1])
			if !ok {
				x.Err(errNotInt)
				return nil, nil, false, 0, false
			}
			if n < 0 && n != types.InvalidEntriesRead {
				x.Err("ERR value for ENTRIESREAD must be positive or -1")
				return nil, nil, false, 0, false
			}
			entriesRead = n
			i += 2
		default:
			x.Err(errSubcommandSyntax(x))
			return nil, nil, false, 0, false
		}
	}
	e, okType := x.lookupTypeWrite(x.args[2], keyspace.TypeStream)
	if !okType {
		return nil, nil, false, 0, false
	}
	if e != nil {
		s = streamOf(e)
	}
	if !mkstream {
		if s == nil {
			x.Err("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.")
			return nil, nil, false, 0, false
		}
		g = s.Group(string(x.args[3]))
		if g == nil && needGroup {
			x.Err(errNoGroupForKey(x.args[3], x.args[2]))
			return nil, nil, false, 0, false
		}
	}
	return s, g, mkstream, entriesRead, true
}

func xgroupCreateCommand(x *Ctx) {
	if len(x.args) > 8 {
		x.Err(errSubcommandSyntax(x))
		return
	}
	s, _, _, entriesRead, ok := x.xgroupTarget(false)
	if !ok {
		return
	}
	var id types.StreamID
	if a := x.args[4]; len(a) == 1 && a[0] == '$' {
		if s != nil {
			id = s.LastID
		}
	} else if id, ok = x.streamIDArg(a, true, 0); !ok {
		return
	}
	key := x.args[2]
	if s == nil {
		s = types.NewStream()
		x.addCollection(key, keyspace.TypeStream, s)
	}
	if s.CreateGroup(string(x.args[3]), id, entriesRead) == nil {
		x.Err("BUSYGROUP Consumer Group name already exists")
		return
	}
	x.w.OK()
	x.changed(key, keyspace.NotifyStream, "xgroup-create")
}

func xgroupSetidCommand(x *Ctx) {
	if len(x.args) != 5 && len(x.args) != 7 {
		x.Err(errSubcommandSyntax(x))
		return
	}
	s, g, _, entriesRead, ok := x.xgroupTarget(true)
	if !ok {
		return
	}
	var id types.StreamID
	if a := x.args[4]; len(a) == 1 && a[0] == '$' {
		id = s.LastID
	} else if id, ok = x.streamIDArg(a, false, 0); !ok {
		return
	}
	g.LastID = id
	g.EntriesRead = entriesRead
	x.w.OK()
	x.changed(x.args[2], keyspace.NotifyStream, "xgroup-setid")
}

func xgroupDestroyCommand(x *Ctx) {
	s, g, _, _, ok := x.xgroupTarget(false)
	if !ok {
		return
	}
	if g == nil {
		x.w.Int(0)
		return
	}
	s.DestroyGroup(g.Name)
	x.w.Int(1)
	x.changed(x.args[2], keyspace.NotifyStream, "xgroup-destroy")
}

func xgroupCreateConsumerCommand(x *Ctx) {
	_, g, _, _, ok := x.xgroupTarget(true)
	if !ok {
		return
	}
	if g.CreateConsumer(string(x.args[4]), x.streamNow()) == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(1)
	x.changed(x.args[2], keyspace.NotifyStream, "xgroup-createconsumer")
}

func xgroupDelConsumerCommand(x *Ctx) {
	_, g, _, _, ok := x.xgroupTarget(true)
	if !ok {
		return
	}
	n := g.DeleteConsumer(string(x.args[4]))
	if n < 0 {
		x.w.Int(0)
		return
	}
	x.w.Int(int64(n))
	x.changed(x.args[2], keyspace.NotifyStream, "xgroup-delconsumer")
}

func xgroupHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "XGROUP",
		"CREATE <key> <groupname> <id|$> [option]",
		"    Create a new consumer group. Options are:",
		"    * MKSTREAM",
		"      Create the empty stream if it does not exist.",
		"    * ENTRIESREAD entries_read",
		"      Set the group's entries_read counter (internal use).",
		"CREATECONSUMER <key> <groupname> <consumer>",
		"    Create a new consumer in the specified group.",
		"DELCONSUMER <key> <groupname> <consumer>",
		"    Remove the specified consumer.",
		"DESTROY <key> <groupname>",
		"    Remove the specified group.",
		"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
		"    Set the current group ID and entries_read counter.",
	)
}

// consumerFor looks a consumer up (refreshing its seen time) or creates
// it, reporting a creation as Redis does.
func (x *Ctx) consumerFor(key []byte, g *types.StreamGroup, name []byte) (*types.StreamConsumer, bool) {
	if c := g.Consumer(string(name)); c != nil {
		c.SeenTime = x.streamNow()
		return c, false
	}
	c := g.CreateConsumer(string(name), x.streamNow())
	x.changed(key, keyspace.NotifyStream, "xgroup-createconsumer")
	return c, true
}

// propagateXclaim queues the XCLAIM that reproduces a pending entry's state.
func (x *Ctx) propagateXclaim(key []byte, g *types.StreamGroup, groupName []byte, p *types.PendingEntry) {
	x.alsoPropagate([]byte("XCLAIM"), key, groupName, []byte(p.Consumer.Name), []byte("0"), idBulk(p.ID),
		[]byte("TIME"), msArg(p.DeliveryTime), []byte("RETRYCOUNT"), strconv.AppendUint(nil, p.DeliveryCount, 10),
		[]byte("FORCE"), []byte("JUSTID"), []byte("LASTID"), idBulk(g.LastID))
}

func (x *Ctx) propagateGroupID(key []byte, g *types.StreamGroup, groupName []byte) {
	x.alsoPropagate([]byte("XGROUP"), []byte("SETID"), key, groupName, idBulk(g.LastID),
		[]byte("ENTRIESREAD"), strconv.AppendInt(nil, g.EntriesRead, 10))
}

// readGroup serves one stream of an XREADGROUP; ok is false when there is
// nothing to serve for it (a ">" read with no new entries).
func (x *Ctx) readGroup(key []byte, s *types.Stream, g *types.StreamGroup, consumerName []byte, id types.StreamID, newOnly bool, count int64, noack bool) ([]types.StreamEntry, bool) {
	groupName := []byte(g.Name)
	if newOnly {
		if x.reblocking {
			if !g.LastID.Less(s.LastID) {
				return nil, false
			}
		} else if s.Len() == 0 || !g.LastID.Less(s.LastLiveID()) {
			return nil, false
		}
	}
	x.s.ks.Dirty++
	c, created := x.consumerFor(key, g, consumerName)
	if created && noack {
		x.alsoPropagate([]byte("XGROUP"), []byte("CREATECONSUMER"), key, groupName, consumerName)
	}
	if !newOnly {
		// The consumer's history: its pending entries from id on.
		var out []types.StreamEntry
		pel := c.Pending()
		from, _ := id.Next() // IDs above the given one, as Redis reads history
		for i := c.PendingFrom(from); i < len(pel) && (count == 0 || int64(len(out)) < count); i++ {
			p := pel[i]
			f, ok := s.Get(p.ID)
			if !ok {
				out = append(out, types.StreamEntry{ID: p.ID})
				continue
			}
			out = append(out, types.StreamEntry{ID: p.ID, Fields: append([][]byte{}, f...)})
			p.DeliveryTime = x.streamNow()
			p.DeliveryCount++
		}
		return out, true
	}
	start, _ := g.LastID.Next()
	entries := streamRangeEntries(s, start, types.MaxStreamID, false, count)
	propagateLast := false
	for _, e := range entries {
		if g.LastID.Less(e.ID) {
			if g.EntriesRead != types.InvalidEntriesRead && !s.HasTombstones(e.ID, nil) {
				g.EntriesRead++
			} else if s.EntriesAdded > 0 {
				g.EntriesRead = s.EntriesReadFor(e.ID)
			}
			g.LastID = e.ID
			if noack {
				propagateLast = true
			}
		}
		if !noack {
			p := g.AddPending(e.ID, c, x.streamNow(), 1)
			x.propagateXclaim(key, g, groupName, p)
		}
	}
	if propagateLast {
		x.propagateGroupID(key, g, groupName)
	}
	return entries, true
}

func xackCommand(x *Ctx) {
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeStream)
	if !ok {
		return
	}
	var g *types.StreamGroup
	if e != nil {
		g = streamOf(e).Group(string(x.args[2]))
	}
	if g == nil {
		x.w.Int(0)
		return
	}
	ids := make([]types.StreamID, 0, len(x.args)-3)
	for _, a := range x.args[3:] {
		id, ok := x.streamIDArg(a, true, 0)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	var n int64
	for _, id := range ids {
		if g.Ack(id) {
			n++
			x.s.ks.Dirty++
		}
	}
	x.w.Int(n)
}

func xpendingCommand(x *Ctx) {
	justInfo := len(x.args) == 3
	if len(x.args) != 3 && (len(x.args) < 6 || len(x.args) > 9) {
		x.Err(errSyntax)
		return
	}
	var start, end types.StreamID
	var count, minIdle int64
	var consumerName []byte
	if len(x.args) >= 6 {
		si := 3
		if eqFold(x.args[3], "idle") {
			n, ok := parseInt(x.args[4])
			if !ok {
				x.Err(errNotInt)
				return
			}
			minIdle = n
			if len(x.args) < 8 {
				x.Err(errSyntax)
				return
			}
			si += 2
		}
		n, ok := parseInt(x.args[si+2])
		if !ok {
			x.Err(errNotInt)
			return
		}
		count = max(n, 0)
		var ex bool
		if start, ex, ok = x.intervalID(x.args[si], 0); !ok {
			return
		}
		if ex {
			if start, ok = start.Next(); !ok {
				x.Err(errStreamBadStart)
				return
			}
		}
		if end, ex, ok = x.intervalID(x.args[si+1], math.MaxUint64); !ok {
			return
		}
		if ex {
			if end, ok = end.Prev(); !ok {
				x.Err(errStreamBadEnd)
				return
			}
		}
		if si+3 < len(x.args) {
			consumerName = x.args[si+3]
		}
	}
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeStream)
	if !ok {
		return
	}
	var g *types.StreamGroup
	if e != nil {
		g = streamOf(e).Group(string(x.args[2]))
	}
	if g == nil {
		x.Err(errNoKeyOrGroup(x.args[1], x.args[2]))
		return
	}
	if justInfo {
		pel := g.Pending()
		x.w.Array(4)
		x.w.Int(int64(len(pel)))
		if len(pel) == 0 {
			x.w.Null()
			x.w.Null()
			x.w.NullArray()
			return
		}
		x.w.Bulk(idBulk(pel[0].ID))
		x.w.Bulk(idBulk(pel[len(pel)-1].ID))
		n := 0
		for _, c := range g.Consumers() {
			if len(c.Pending()) > 0 {
				n++
			}
		}
		x.w.Array(n)
		for _, c := range g.Consumers() {
			if len(c.Pending()) > 0 {
				x.w.Array(2)
				x.w.BulkString(c.Name)
				x.w.BulkInt(int64(len(c.Pending())))
			}
		}
		return
	}
	pel := g.Pending()
	from := g.PendingFrom(start)
	if consumerName != nil {
		c := g.Consumer(string(consumerName))
		if c == nil {
			x.w.Array(0)
			return
		}
		pel = c.Pending()
		from = c.PendingFrom(start)
	}
	var out []*types.PendingEntry
	for i := from; i < len(pel) && count > 0; i++ {
		p := pel[i]
		if end.Less(p.ID) {
			break
		}
		if minIdle != 0 && x.streamNow()-p.DeliveryTime < minIdle {
			continue
		}
		out = append(out, p)
		count--
	}
	x.w.Array(len(out))
	for _, p := range out {
		x.w.Array(4)
		x.w.Bulk(idBulk(p.ID))
		x.w.BulkString(p.Consumer.Name)
		x.w.Int(max(x.streamNow()-p.DeliveryTime, 0))
		x.w.Int(int64(p.DeliveryCount))
	}
}

// parseIntOr parses an integer option, replying msg (or the generic
// error) when it is not one.
func (x *Ctx) parseIntOr(b []byte, msg string) (int64, bool) {
	n, ok := parseInt(b)
	if !ok {
		x.Err("ERR " + msg)
	}
	return n, ok
}

// streamGroupArg finds key's stream and group for XCLAIM/XAUTOCLAIM.
func (x *Ctx) streamGroupArg() (*types.Stream, *types.StreamGroup, bool) {
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeStream)
	if !ok {
		return nil, nil, false
	}
	var g *types.StreamGroup
	if e != nil {
		g = streamOf(e).Group(string(x.args[2]))
	}
	if g == nil {
		x.Err(errNoKeyOrGroup(x.args[1], x.args[2]))
		return nil, nil, false
	}
	return streamOf(e), g, true
}

func xclaimCommand(x *Ctx) {
	s, g, ok := x.streamGroupArg()
	if !ok {
		return
	}
	minIdle, ok := x.parseIntOr(x.args[4], "Invalid min-idle-time argument for XCLAIM")
	if !ok {
		return
	}
	minIdle = max(minIdle, 0)
	var ids []types.StreamID
	j := 5
	for ; j < len(x.args); j++ {
		id, _, ok := parseStreamID(x.args[j], true, 0, false)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	now := x.streamNow()
	retry := int64(-1)
	delivery := int64(-1)
	force, justID := false, false
	var lastID types.StreamID
	for ; j < len(x.args); j++ {
		more := len(x.args) - 1 - j
		a := x.args[j]
		switch {
		case eqFold(a, "force"):
			force = true
		case eqFold(a, "justid"):
			justID = true
		case eqFold(a, "idle") && more > 0:
			j++
			n, ok := x.parseIntOr(x.args[j], "Invalid IDLE option argument for XCLAIM")
			if !ok {
				return
			}
			delivery = now - n
		case eqFold(a, "time") && more > 0:
			j++
			n, ok := x.parseIntOr(x.args[j], "Invalid TIME option argument for XCLAIM")
			if !ok {
				return
			}
			delivery = n
		case eqFold(a, "retrycount") && more > 0:
			j++
			n, ok := x.parseIntOr(x.args[j], "Invalid RETRYCOUNT option argument for XCLAIM")
			if !ok {
				return
			}
			retry = n
		case eqFold(a, "lastid") && more > 0:
			j++
			id, ok := x.streamIDArg(x.args[j], true, 0)
			if !ok {
				return
			}
			lastID = id
		default:
			x.Err("ERR Unrecognized XCLAIM option '" + string(a) + "'")
			return
		}
	}
	key, groupName := x.args[1], x.args[2]
	propagateLast := false
	if g.LastID.Less(lastID) {
		g.LastID = lastID
		propagateLast = true
	}
	if delivery < 0 || delivery > now {
		delivery = now
	}
	x.prop.ops = [][][]byte{} // only the effects propagate, if any
	var consumer *types.StreamConsumer
	type claimed struct {
		id     types.StreamID
		fields [][]byte
	}
	var out []claimed
	for _, id := range ids {
		p := g.FindPending(id)
		f, exists := s.Get(id)
		if !exists {
			if p != nil {
				x.propagateXclaim(key, g, groupName, p)
				propagateLast = false
				x.s.ks.Dirty++
				g.Ack(id)
			}
			continue
		}
		if p == nil && !force {
			continue
		}
		if p != nil && minIdle > 0 && now-p.DeliveryTime < minIdle {
			continue
		}
		if consumer == nil {
			consumer, _ = x.consumerFor(key, g, x.args[3])
		}
		if p == nil {
			p = g.AddPending(id, consumer, delivery, 0)
		} else {
			g.SetOwner(p, consumer)
			p.DeliveryTime = delivery
		}
		if retry >= 0 {
			p.DeliveryCount = uint64(retry)
		} else if !justID {
			p.DeliveryCount++
		}
		out = append(out, claimed{id, append([][]byte{}, f...)})
		x.propagateXclaim(key, g, groupName, p)
		propagateLast = false
		x.s.ks.Dirty++
	}
	if propagateLast {
		x.propagateGroupID(key, g, groupName)
		x.s.ks.Dirty++
	}
	x.w.Array(len(out))
	for _, c := range out {
		if justID {
			x.w.Bulk(idBulk(c.id))
		} else {
			x.replyStreamEntry(c.id, c.fields)
		}
	}
}

func xautoclaimCommand(x *Ctx) {
	minIdle, ok := x.parseIntOr(x.args[4], "Invalid min-idle-time argument for XAUTOCLAIM")
	if !ok {
		return
	}
	minIdle = max(minIdle, 0)
	start, ex, ok := x.intervalID(x.args[5], 0)
	if !ok {
		return
	}
	if ex {
		if start, ok = start.Next(); !ok {
			x.Err(errStreamBadStart)
			return
		}
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(x.args); j++ {
		more := len(x.args) - 1 - j
		switch {
		case eqFold(x.args[j], "count") && more > 0:
			n, ok := parseInt(x.args[j+1])
			if !ok || n < 1 || n > math.MaxInt64/16 {
				x.Err("ERR COUNT must be > 0")
				return
			}
			count = n
			j++
		case eqFold(x.args[j], "justid"):
			justID = true
		default:
			x.Err(errSyntax)
			return
		}
	}
	s, g, ok := x.streamGroupArg()
	if !ok {
		return
	}
	key, groupName := x.args[1], x.args[2]
	x.prop.ops = [][][]byte{}
	attempts := count * 10
	var consumer *types.StreamConsumer
	var deleted []types.StreamID
	var out []types.StreamEntry
	i := g.PendingFrom(start)
	for attempts > 0 && count > 0 && i < len(g.Pending()) {
		attempts--
		p := g.Pending()[i]
		f, exists := s.Get(p.ID)
		if !exists {
			x.propagateXclaim(key, g, groupName, p)
			x.s.ks.Dirty++
			g.Ack(p.ID)
			deleted = append(deleted, p.ID)
			count--
			continue
		}
		i++
		if minIdle > 0 && x.streamNow()-p.DeliveryTime < minIdle {
			continue
		}
		if consumer == nil {
			consumer, _ = x.consumerFor(key, g, x.args[3])
		}
		g.SetOwner(p, consumer)
		p.DeliveryTime = x.streamNow()
		if !justID {
			p.DeliveryCount++
		}
		out = append(out, types.StreamEntry{ID: p.ID, Fields: append([][]byte{}, f...)})
		count--
		x.propagateXclaim(key, g, groupName, p)
		x.s.ks.Dirty++
	}
	var next types.StreamID
	if i < len(g.Pending()) {
		next = g.Pending()[i].ID
	}
	x.w.Array(3)
	x.w.Bulk(idBulk(next))
	x.w.Array(len(out))
	for _, e := range out {
		if justID {
			x.w.Bulk(idBulk(e.ID))
		} else {
			x.replyStreamEntry(e.ID, e.Fields)
		}
	}
	x.w.Array(len(deleted))
	for _, id := range deleted {
		x.w.Bulk(idBulk(id))
	}
}

func xsetidCommand(x *Ctx) {
	id, ok := x.streamIDArg(x.args[2], true, 0)
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxDel types.StreamID
	for i := 3; i < len(x.args); i += 2 {
		more := len(x.args) - 1 - i
		switch {
		case eqFold(x.args[i], "entriesadded") && more > 0:
			n, ok := parseInt(x.args[i+1])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if n < 0 {
				x.Err("ERR entries_added must be positive")
				return
			}
			entriesAdded = n
		case eqFold(x.args[i], "maxdeletedid") && more > 0:
			m, ok := x.streamIDArg(x.args[i+1], true, 0)
			if !ok {
				return
			}
			if id.Less(m) {
				x.Err("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
			maxDel = m
		default:
			x.Err(errSyntax)
			return
		}
	}
	e, ok := x.lookupTypeWrite(x.args[1], keyspace.TypeStream)
	if !ok {
		return
	}
	if e == nil {
		x.Err(errNoSuchKey)
		return
	}
	s := streamOf(e)
	if s.Len() > 0 {
		if id.Less(s.LastLiveID()) {
			x.Err("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && int64(s.Len()) > entriesAdded {
			x.Err("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	s.LastID = id
	if entriesAdded != -1 {
		s.EntriesAdded = uint64(entriesAdded)
	}
	if !maxDel.IsZero() {
		s.MaxDeletedID = maxDel
	}
	x.w.OK()
	x.changed(x.args[1], keyspace.NotifyStream, "xsetid")
}

// xinfoStream looks up the stream of XINFO, replying "no such key".
func (x *Ctx) xinfoStream() (*types.Stream, bool) {
	e, ok := x.lookupTypeRead(x.args[2], keyspace.TypeStream)
	if !ok {
		return nil, false
	}
	if e == nil {
		x.Err(errNoSuchKey)
		return nil, false
	}
	return streamOf(e), true
}

func xinfoConsumersCommand(x *Ctx) {
	s, ok := x.xinfoStream()
	if !ok {
		return
	}
	g := s.Group(string(x.args[3]))
	if g == nil {
		x.Err(errNoGroupForKey(x.args[3], x.args[2]))
		return
	}
	x.w.Array(len(g.Consumers()))
	for _, c := range g.Consumers() {
		x.w.Map(3)
		x.w.BulkString("name")
		x.w.BulkString(c.Name)
		x.w.BulkString("pending")
		x.w.Int(int64(len(c.Pending())))
		x.w.BulkString("idle")
		x.w.Int(max(x.streamNow()-c.SeenTime, 0))
	}
}

// replyLag writes a group's lag, or null when it cannot be known.
func (x *Ctx) replyLag(s *types.Stream, g *types.StreamGroup) {
	if lag, ok := s.Lag(g); ok {
		x.w.Int(lag)
	} else {
		x.w.Null()
	}
}

func (x *Ctx) replyEntriesRead(g *types.StreamGroup) {
	if g.EntriesRead != types.InvalidEntriesRead {
		x.w.Int(g.EntriesRead)
	} else {
		x.w.Null()
	}
}

func xinfoGroupsCommand(x *Ctx) {
	s, ok := x.xinfoStream()
	if !ok {
		return
	}
	x.w.Array(len(s.Groups()))
	for _, g := range s.Groups() {
		x.w.Map(6)
		x.w.BulkString("name")
		x.w.BulkString(g.Name)
		x.w.BulkString("consumers")
		x.w.Int(int64(len(g.Consumers())))
		x.w.BulkString("pending")
		x.w.Int(int64(len(g.Pending())))
		x.w.BulkString("last-delivered-id")
		x.w.Bulk(idBulk(g.LastID))
		x.w.BulkString("entries-read")
		x.replyEntriesRead(g)
		x.w.BulkString("lag")
		x.replyLag(s, g)
	}
}

func xinfoStreamCommand(x *Ctx) {
	full := false
	count := int64(10)
	opts := x.args[3:]
	if len(opts) > 0 {
		if len(opts) != 1 && len(opts) != 3 || !eqFold(opts[0], "full") {
			x.Err(errSubcommandSyntax(x))
			return
		}
		if len(opts) == 3 {
			if !eqFold(opts[1], "count") {
				x.Err(errSubcommandSyntax(x))
				return
			}
			n, ok := parseInt(opts[2])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if n < 0 {
				n = 10
			}
			count = n
		}
		full = true
	}
	s, ok := x.xinfoStream()
	if !ok {
		return
	}
	if full {
		x.w.Map(9)
	} else {
		x.w.Map(10)
	}
	x.w.BulkString("length")
	x.w.Int(int64(s.Len()))
	x.w.BulkString("radix-tree-keys")
	x.w.Int(int64(s.NodeCount()))
	x.w.BulkString("radix-tree-nodes")
	x.w.Int(int64(radixNodesEstimate(s.NodeCount())))
	x.w.BulkString("last-generated-id")
	x.w.Bulk(idBulk(s.LastID))
	x.w.BulkString("max-deleted-entry-id")
	x.w.Bulk(idBulk(s.MaxDeletedID))
	x.w.BulkString("entries-added")
	x.w.Int(int64(s.EntriesAdded))
	x.w.BulkString("recorded-first-entry-id")
	x.w.Bulk(idBulk(s.FirstID()))
	if !full {
		x.w.BulkString("groups")
		x.w.Int(int64(len(s.Groups())))
		x.w.BulkString("first-entry")
		if f := streamRangeEntries(s, types.StreamID{}, types.MaxStreamID, false, 1); len(f) > 0 {
			x.replyStreamEntry(f[0].ID, f[0].Fields)
		} else {
			x.w.Null()
		}
		x.w.BulkString("last-entry")
		if l := streamRangeEntries(s, types.StreamID{}, types.MaxStreamID, true, 1); len(l) > 0 {
			x.replyStreamEntry(l[0].ID, l[0].Fields)
		} else {
			x.w.Null()
		}
		return
	}
	x.w.BulkString("entries")
	x.replyStreamRange(s, types.StreamID{}, types.MaxStreamID, false, count)
	x.w.BulkString("groups")
	x.w.Array(len(s.Groups()))
	limit := func(n int) int {
		if count > 0 && int64(n) > count {
			return int(count)
		}
		return n
	}
	for _, g := range s.Groups() {
		x.w.Map(7)
		x.w.BulkString("name")
		x.w.BulkString(g.Name)
		x.w.BulkString("last-delivered-id")
		x.w.Bulk(idBulk(g.LastID))
		x.w.BulkString("entries-read")
		x.replyEntriesRead(g)
		x.w.BulkString("lag")
		x.replyLag(s, g)
		x.w.BulkString("pel-count")
		x.w.Int(int64(len(g.Pending())))
		x.w.BulkString("pending")
		pel := g.Pending()
		x.w.Array(limit(len(pel)))
		for _, p := range pel[:limit(len(pel))] {
			x.w.Array(4)
			x.w.Bulk(idBulk(p.ID))
			x.w.BulkString(p.Consumer.Name)
			x.w.Int(p.DeliveryTime)
			x.w.Int(int64(p.DeliveryCount))
		}
		x.w.BulkString("consumers")
		x.w.Array(len(g.Consumers()))
		for _, c := range g.Consumers() {
			x.w.Map(4)
			x.w.BulkString("name")
			x.w.BulkString(c.Name)
			x.w.BulkString("seen-time")
			x.w.Int(c.SeenTime)
			x.w.BulkString("pel-count")
			x.w.Int(int64(len(c.Pending())))
			x.w.BulkString("pending")
			cp := c.Pending()
			x.w.Array(limit(len(cp)))
			for _, p := range cp[:limit(len(cp))] {
				x.w.Array(3)
				x.w.Bulk(idBulk(p.ID))
				x.w.Int(p.DeliveryTime)
				x.w.Int(int64(p.DeliveryCount))
			}
		}
	}
}

// radixNodesEstimate approximates the node count of Redis's radix tree
// over n 16-byte keys (XINFO STREAM's radix-tree-nodes).
func radixNodesEstimate(n int) int {
	if n == 0 {
		return 1
	}
	return 2 * n
}

func xinfoHelpCommand(x *Ctx) {
	x.s.replyHelp(x, "XINFO",
		"CONSUMERS <key> <groupname>",
		"    Show consumers of <groupname>.",
		"GROUPS <key>",
		"    Show the stream consumer groups.",
		"STREAM <key> [FULL [COUNT <count>]",
		"    Show information about the stream.",
	)
}

// unblockDeletedStreamReader fails a client parked in XREADGROUP on a key
// that was deleted (or replaced by another type), as Redis 7.0 does: the
// group is gone with it. Clients parked in XREAD keep waiting.
func (s *Server) unblockDeletedStreamReader(c *Client) {
	if c.blocked == nil || c.blocked.cmd.Name != "xreadgroup" {
		return
	}
	const msg = "UNBLOCKED the stream key no longer exists"
	s.countError(msg)
	c.w.Error(msg)
	s.unblock(c)
}
