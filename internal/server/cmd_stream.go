package server

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

// The stream family: XADD, XRANGE, XREAD and friends (consumer groups
// live in cmd_stream_group.go). Replies and errors follow Redis 7.0.

func streamCommands() []*Command {
	return []*Command{
		spec("xadd", -5, "write denyoom fast", 1, 1, 1, "stream", xaddCommand),
		spec("xlen", 2, "readonly fast", 1, 1, 1, "stream", xlenCommand),
		spec("xrange", -4, "readonly", 1, 1, 1, "stream", xrangeCommand),
		spec("xrevrange", -4, "readonly", 1, 1, 1, "stream", xrevrangeCommand),
		spec("xdel", -3, "write fast", 1, 1, 1, "stream", xdelCommand),
		spec("xtrim", -4, "write", 1, 1, 1, "stream", xtrimCommand),
		spec("xread", -4, "readonly blocking", 0, 0, 0, "stream", xreadCommand).keys(xreadKeys),
		spec("xreadgroup", -7, "write blocking", 0, 0, 0, "stream", xreadCommand).keys(xreadKeys),
		spec("xsetid", -3, "write denyoom fast", 1, 1, 1, "stream", xsetidCommand),
		spec("xack", -4, "write fast", 1, 1, 1, "stream", xackCommand),
		spec("xpending", -3, "readonly", 1, 1, 1, "stream", xpendingCommand),
		spec("xclaim", -6, "write fast", 1, 1, 1, "stream", xclaimCommand),
		spec("xautoclaim", -6, "write fast", 1, 1, 1, "stream", xautoclaimCommand),
		xgroupCommands(),
		xinfoCommands(),
	}
}

const (
	errStreamID          = "ERR Invalid stream ID specified as stream command argument"
	errStreamIDSmall     = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	errStreamIDZero      = "ERR The ID specified in XADD must be greater than 0-0"
	errStreamExhausted   = "ERR The stream has exhausted the last possible ID, unable to add more items"
	errStreamMaxMinID    = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	errStreamBadStart    = "ERR invalid start ID for the interval"
	errStreamBadEnd      = "ERR invalid end ID for the interval"
	errStreamUnbalanced  = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
	errXreadBlockTimeout = "ERR timeout is not an integer or out of range"
)

// xreadKeys finds the keys of XREAD/XREADGROUP: the first half of the
// arguments after STREAMS.
func xreadKeys(args [][]byte) []int {
	for i := 1; i < len(args); i++ {
		if eqFold(args[i], "streams") {
			n := (len(args) - i - 1) / 2
			out := make([]int, n)
			for j := range out {
				out[j] = i + 1 + j
			}
			return out
		}
		if eqFold(args[i], "group") {
			i += 2
		} else if eqFold(args[i], "block") || eqFold(args[i], "count") {
			i++
		}
	}
	return nil
}

func streamOf(e *keyspace.Entry) *types.Stream { return e.Obj.(*types.Stream) }

// parseUintRedis parses an unsigned decimal as Redis's string2ull does
// (leading zeros accepted, a leading '+' too).
func parseUintRedis(b []byte) (uint64, bool) {
	s := strings.TrimPrefix(string(b), "+")
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// parseStreamID parses "ms", "ms-seq", or when !strict "-" and "+". With
// starSeq, "ms-*" is accepted and reported through seqGiven=false.
func parseStreamID(b []byte, strict bool, missingSeq uint64, starSeq bool) (id types.StreamID, seqGiven, ok bool) {
	if len(b) > 127 {
		return id, false, false
	}
	if !strict && len(b) == 1 {
		switch b[0] {
		case '-':
			return types.StreamID{}, true, true
		case '+':
			return types.MaxStreamID, true, true
		}
	}
	ms := b
	var seqPart []byte
	hasSeq := false
	for i, c := range b {
		if c == '-' {
			ms, seqPart, hasSeq = b[:i], b[i+1:], true
			break
		}
	}
	m, ok := parseUintRedis(ms)
	if !ok {
		return id, false, false
	}
	id.Ms = m
	seqGiven = true
	switch {
	case !hasSeq:
		id.Seq = missingSeq
	case starSeq && len(seqPart) == 1 && seqPart[0] == '*':
		seqGiven = false
	default:
		s, ok := parseUintRedis(seqPart)
		if !ok {
			return id, false, false
		}
		id.Seq = s
	}
	return id, seqGiven, true
}

// streamIDArg parses an ID argument, replying the error when invalid.
func (x *Ctx) streamIDArg(b []byte, strict bool, missingSeq uint64) (types.StreamID, bool) {
	id, _, ok := parseStreamID(b, strict, missingSeq, false)
	if !ok {
		x.Err(errStreamID)
	}
	return id, ok
}

// intervalID parses an XRANGE bound, with "(" for an exclusive one.
func (x *Ctx) intervalID(b []byte, missingSeq uint64) (id types.StreamID, exclusive, ok bool) {
	if len(b) > 1 && b[0] == '(' {
		id, ok = x.streamIDArg(b[1:], true, missingSeq)
		return id, true, ok
	}
	id, ok = x.streamIDArg(b, false, missingSeq)
	return id, false, ok
}

// trimSpec is the parsed trimming part of XADD/XTRIM.
type trimSpec struct {
	args     types.TrimArgs
	strategy bool // MAXLEN or MINID given
	argIdx   int  // index of the MAXLEN/MINID value
	noMk     bool
	idGiven  bool
	seqGiven bool
	id       types.StreamID
}

// parseTrimArgs parses XADD/XTRIM options from argument 2; for XADD it
// stops at the ID and returns its index.
func (x *Ctx) parseTrimArgs(xadd bool) (t trimSpec, idPos int, ok bool) {
	limitGiven := false
	i := 2
	for ; i < len(x.args); i++ {
		more := len(x.args) - 1 - i
		a := x.args[i]
		switch {
		case xadd && len(a) == 1 && a[0] == '*':
			goto done
		case (eqFold(a, "maxlen") || eqFold(a, "minid")) && more > 0:
			if t.strategy {
				x.Err(errStreamMaxMinID)
				return t, 0, false
			}
			t.args.ByMinID = eqFold(a, "minid")
			t.args.Approx = false
			next := x.args[i+1]
			if more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				t.args.Approx = next[0] == '~'
				i++
			}
			if t.args.ByMinID {
				id, ok := x.streamIDArg(x.args[i+1], true, 0)
				if !ok {
					return t, 0, false
				}
				t.args.MinID = id
			} else {
				n, ok := x.trimCount(x.args[i+1], "MAXLEN")
				if !ok {
					return t, 0, false
				}
				t.args.MaxLen = n
			}
			i++
			t.strategy = true
			t.argIdx = i
		case eqFold(a, "limit") && more > 0:
			n, ok := x.trimCount(x.args[i+1], "LIMIT")
			if !ok {
				return t, 0, false
			}
			t.args.Limit = n
			limitGiven = true
			i++
		case xadd && eqFold(a, "nomkstream"):
			t.noMk = true
		case xadd:
			id, seqGiven, ok := parseStreamID(a, true, 0, true)
			if !ok {
				x.Err(errStreamID)
				return t, 0, false
			}
			t.id, t.seqGiven, t.idGiven = id, seqGiven, true
			goto done
		default:
			x.Err(errSyntax)
			return t, 0, false
		}
	}
done:
	if t.args.Limit != 0 && !t.strategy {
		x.Err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
		return t, 0, false
	}
	if !xadd && !t.strategy {
		x.Err("ERR syntax error, XTRIM must be called with a trimming strategy")
		return t, 0, false
	}
	if x.s.prop.loading {
		t.args.Limit = 0 // replayed commands carry exact arguments
	} else if limitGiven {
		if !t.args.Approx {
			x.Err("ERR syntax error, LIMIT cannot be used without the special ~ option")
			return t, 0, false
		}
	} else if t.args.Approx {
		lim := 100 * int64(x.s.cfg.Int("stream-node-max-entries"))
		if lim <= 0 {
			lim = 10000
		}
		if lim > 1000000 {
			lim = 1000000
		}
		t.args.Limit = lim
	} else {
		t.args.Limit = 0
	}
	return t, i, true
}

// streamNodeLimits reads stream-node-max-bytes/entries.
func (x *Ctx) streamNodeLimits() types.NodeLimits {
	return types.NodeLimits{MaxBytes: int(x.s.cfg.Int("stream-node-max-bytes")), MaxEntries: int(x.s.cfg.Int("stream-node-max-entries"))}
}

// rewriteApproxTrim makes a "~" trim propagate as "=" with the value
// the trim reached (the length, or the first ID), as Redis does.
func rewriteApproxTrim(args [][]byte, t *trimSpec, s *types.Stream) {
	if !t.args.Approx {
		return
	}
	args[t.argIdx-1] = []byte("=")
	if t.args.ByMinID {
		args[t.argIdx] = s.FirstID().Append(nil)
	} else {
		args[t.argIdx] = strconv.AppendInt(nil, int64(s.Len()), 10)
	}
}

func xaddCommand(x *Ctx) {
	t, idPos, ok := x.parseTrimArgs(true)
	if !ok {
		return
	}
	fieldPos := idPos + 1
	if n := len(x.args) - fieldPos; n < 2 || n%2 == 1 {
		x.ErrArity()
		return
	}
	if t.idGiven && t.seqGiven && t.id.IsZero() {
		x.Err(errStreamIDZero)
		return
	}
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeStream)
	if !ok {
		return
	}
	var s *types.Stream
	if e == nil {
		if t.noMk {
			x.w.Null()
			return
		}
		s = types.NewStream()
	} else {
		s = streamOf(e)
	}
	if s.LastID == types.MaxStreamID {
		x.Err(errStreamExhausted)
		return
	}
	var id types.StreamID
	last := s.LastID
	switch {
	case t.idGiven && t.seqGiven:
		id = t.id
	case t.idGiven:
		id = types.StreamID{Ms: t.id.Ms}
		if t.id.Ms == last.Ms {
			if last.Seq == math.MaxUint64 {
				x.Err(errStreamIDSmall)
				return
			}
			id.Seq = last.Seq + 1
		}
	default:
		ms := uint64(x.streamNow())
		if ms > last.Ms {
			id = types.StreamID{Ms: ms}
		} else {
			id, _ = last.Next()
		}
	}
	if !last.Less(id) {
		x.Err(errStreamIDSmall)
		return
	}
	if e == nil {
		x.addCollection(key, keyspace.TypeStream, s)
	}
	s.Append(id, x.args[fieldPos:], x.streamNodeLimits())
	idBytes := id.Append(nil)
	x.w.Bulk(idBytes)
	x.changed(key, keyspace.NotifyStream, "xadd")
	prop := x.args
	rewritten := false
	if t.strategy {
		if s.Trim(t.args) > 0 {
			x.changed(key, keyspace.NotifyStream, "xtrim")
		}
		if t.args.Approx {
			prop = append([][]byte(nil), x.args...)
			rewritten = true
			rewriteApproxTrim(prop, &t, s)
		}
	}
	if !t.idGiven || !t.seqGiven {
		if !rewritten {
			prop = append([][]byte(nil), x.args...)
		}
		prop[idPos] = idBytes
		rewritten = true
	}
	if rewritten {
		x.propagateAs(prop...)
	}
}

func xtrimCommand(x *Ctx) {
	t, _, ok := x.parseTrimArgs(false)
	if !ok {
		return
	}
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeStream)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	s := streamOf(e)
	n := s.Trim(t.args)
	if n > 0 {
		x.changed(key, keyspace.NotifyStream, "xtrim")
		if t.args.Approx {
			prop := append([][]byte(nil), x.args...)
			rewriteApproxTrim(prop, &t, s)
			x.propagateAs(prop...)
		}
	}
	x.w.Int(n)
}

func xlenCommand(x *Ctx) {
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeStream)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(int64(streamOf(e).Len()))
}

// replyStreamEntry writes [id, [field, value, ...]].
func (x *Ctx) replyStreamEntry(id types.StreamID, fields [][]byte) {
	x.w.Array(2)
	var buf [48]byte
	x.w.Bulk(id.Append(buf[:0]))
	if fields == nil { // a pending entry deleted from the stream
		x.w.NullArray()
		return
	}
	x.w.Array(len(fields))
	for _, f := range fields {
		x.w.Bulk(f)
	}
}

// replyStreamRange writes up to count (0 = all) entries of a range
// without collecting them: one pass counts, the second writes.
func (x *Ctx) replyStreamRange(s *types.Stream, start, end types.StreamID, rev bool, count int64) {
	n := int64(0)
	s.Range(start, end, rev, func(types.StreamID, [][]byte) bool {
		n++
		return count == 0 || n < count
	})
	x.w.Array(int(n))
	s.Range(start, end, rev, func(id types.StreamID, f [][]byte) bool {
		x.replyStreamEntry(id, f)
		n--
		return n > 0
	})
}

// streamRangeEntries collects up to count (0 = all) entries of a range.
func streamRangeEntries(s *types.Stream, start, end types.StreamID, rev bool, count int64) []types.StreamEntry {
	var out []types.StreamEntry
	s.Range(start, end, rev, func(id types.StreamID, f [][]byte) bool {
		out = append(out, types.StreamEntry{ID: id, Fields: append([][]byte(nil), f...)})
		return count == 0 || int64(len(out)) < count
	})
	return out
}

func (x *Ctx) replyStreamEntries(entries []types.StreamEntry) {
	x.w.Array(len(entries))
	for _, e := range entries {
		x.replyStreamEntry(e.ID, e.Fields)
	}
}

func (x *Ctx) xrangeGeneric(rev bool) {
	startArg, endArg := x.args[2], x.args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, ex, ok := x.intervalID(startArg, 0)
	if !ok {
		return
	}
	if ex {
		if start, ok = start.Next(); !ok {
			x.Err(errStreamBadStart)
			return
		}
	}
	end, ex, ok := x.intervalID(endArg, math.MaxUint64)
	if !ok {
		return
	}
	if ex {
		if end, ok = end.Prev(); !ok {
			x.Err(errStreamBadEnd)
			return
		}
	}
	count := int64(-1)
	for j := 4; j < len(x.args); j++ {
		if eqFold(x.args[j], "count") && j+1 < len(x.args) {
			n, ok := parseInt(x.args[j+1])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if n < 0 {
				n = 0
			}
			count = n
			j++
		} else {
			x.Err(errSyntax)
			return
		}
	}
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeStream)
	if !ok {
		return
	}
	if e == nil {
		x.w.EmptyArray()
		return
	}
	if count == 0 {
		x.w.NullArray()
		return
	}
	if count < 0 {
		count = 0
	}
	x.replyStreamRange(streamOf(e), start, end, rev, count)
}

func xrangeCommand(x *Ctx)    { x.xrangeGeneric(false) }
func xrevrangeCommand(x *Ctx) { x.xrangeGeneric(true) }

func xdelCommand(x *Ctx) {
	ids := make([]types.StreamID, 0, len(x.args)-2)
	for _, a := range x.args[2:] {
		id, ok := x.streamIDArg(a, true, 0)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeStream)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	s := streamOf(e)
	var n int64
	for _, id := range ids {
		if s.Delete(id) {
			n++
			if s.MaxDeletedID.Less(id) {
				s.MaxDeletedID = id
			}
		}
	}
	if n > 0 {
		x.changed(key, keyspace.NotifyStream, "xdel")
	}
	x.w.Int(n)
}

// parseXreadBlock parses a BLOCK timeout in milliseconds into a deadline.
func (x *Ctx) parseXreadBlock(arg []byte) (int64, bool) {
	n, ok := parseInt(arg)
	if !ok {
		x.Err(errXreadBlockTimeout)
		return 0, false
	}
	if n < 0 {
		x.Err("ERR timeout is negative")
		return 0, false
	}
	if n == 0 {
		return 0, true
	}
	if n > math.MaxInt64-x.streamNow() {
		x.Err("ERR timeout is out of range")
		return 0, false
	}
	return x.streamNow() + n, true
}

// xreadDefaultBlockedCount bounds what a blocked XREAD without COUNT gets.
const xreadDefaultBlockedCount = 1000

func xreadCommand(x *Ctx) {
	group := len(x.args[0]) == len("xreadgroup")
	deadline, blocking := int64(0), false
	var count int64
	streamsArg := 0
	var groupName, consumerName []byte
	noack := false
	for i := 1; i < len(x.args); i++ {
		more := len(x.args) - 1 - i
		a := x.args[i]
		switch {
		case eqFold(a, "block") && more > 0:
			if x.fromScript() {
				x.Err("ERR " + string(x.args[0]) + " command is not allowed with BLOCK option from scripts")
				return
			}
			i++
			d, ok := x.parseXreadBlock(x.args[i])
			if !ok {
				return
			}
			deadline, blocking = d, true
		case eqFold(a, "count") && more > 0:
			i++
			n, ok := parseInt(x.args[i])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if n < 0 {
				n = 0
			}
			count = n
		case eqFold(a, "streams") && more > 0:
			streamsArg = i + 1
			if (len(x.args)-streamsArg)%2 != 0 {
				x.Err(errStreamUnbalanced)
				return
			}
			i = len(x.args)
		case eqFold(a, "group") && more >= 2:
			if !group {
				x.Err("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			groupName, consumerName = x.args[i+1], x.args[i+2]
			i += 2
		case eqFold(a, "noack"):
			if !group {
				x.Err("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			noack = true
		default:
			x.Err(errSyntax)
			return
		}
	}
	if streamsArg == 0 {
		x.Err(errSyntax)
		return
	}
	if group && groupName == nil {
		x.Err("ERR Missing GROUP option for XREADGROUP")
		return
	}
	if group {
		x.prop.ops = [][][]byte{} // only the effects propagate (XCLAIM, XGROUP SETID)
	}
	n := (len(x.args) - streamsArg) / 2
	keys := x.args[streamsArg : streamsArg+n]
	ids := make([]types.StreamID, n)
	newOnly := make([]bool, n) // ">"
	groups := make([]*types.StreamGroup, n)
	for i := 0; i < n; i++ {
		key, arg := keys[i], x.args[streamsArg+n+i]
		e := x.lookupRead(key)
		if e != nil && e.Type != keyspace.TypeStream {
			x.Err(errWrongType)
			return
		}
		if group {
			var g *types.StreamGroup
			if e != nil {
				g = streamOf(e).Group(string(groupName))
			}
			if g == nil && x.reblocking {
				x.Err("NOGROUP the consumer group this client was blocked on no longer exists")
				return
			}
			if g == nil {
				x.Err("NOGROUP No such key '" + string(key) + "' or consumer group '" + string(groupName) + "' in XREADGROUP with GROUP option")
				return
			}
			groups[i] = g
		}
		switch {
		case len(arg) == 1 && arg[0] == '$':
			if group {
				x.Err("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
				return
			}
			if e != nil {
				ids[i] = streamOf(e).LastID
			}
			if blocking {
				// A parked client must wait for entries after the last
				// ID as it was now, not when it is re-run.
				x.args[streamsArg+n+i] = ids[i].Append(nil)
			}
		case len(arg) == 1 && arg[0] == '>':
			if !group {
				x.Err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
				return
			}
			newOnly[i] = true
		default:
			id, ok := x.streamIDArg(arg, true, 0)
			if !ok {
				return
			}
			ids[i] = id
		}
	}
	if x.reblocking && count == 0 {
		count = xreadDefaultBlockedCount
	}
	type result struct {
		key     []byte
		entries []types.StreamEntry
	}
	var results []result
	for i, key := range keys {
		if x.reblocking && string(key) != string(x.readyKey) {
			continue // a parked reader is served from the key that became ready
		}
		e := x.lookupRead(key)
		if e == nil {
			continue
		}
		s := streamOf(e)
		if group {
			if r, ok := x.readGroup(key, s, groups[i], consumerName, ids[i], newOnly[i], count, noack); ok {
				results = append(results, result{key, r})
			}
			continue
		}
		if x.reblocking {
			// A parked reader is served once the last generated ID
			// passes its own, even if those entries are gone again.
			if !ids[i].Less(s.LastID) {
				continue
			}
		} else if s.Len() == 0 || !ids[i].Less(s.LastLiveID()) {
			continue
		}
		start, _ := ids[i].Next()
		results = append(results, result{key, streamRangeEntries(s, start, types.MaxStreamID, false, count)})
	}
	if len(results) > 0 {
		if x.w.Proto == 3 {
			x.w.Map(len(results))
		} else {
			x.w.Array(len(results))
		}
		for _, r := range results {
			if x.w.Proto != 3 {
				x.w.Array(2)
			}
			x.w.Bulk(r.key)
			x.replyStreamEntries(r.entries)
		}
		return
	}
	if !blocking {
		x.w.NullArray()
		return
	}
	x.block(keys, keyspace.TypeStream, deadline, nullArrayReply)
}

// streamNow is the command's clock for stream times (auto IDs, delivery
// and seen times). Commands replayed from the AOF run with a zero clock
// (so keys do not expire while loading); stream times then come from the
// wall clock, as Redis's mstime() does.
func (x *Ctx) streamNow() int64 {
	if x.now != 0 {
		return x.now
	}
	return time.Now().UnixMilli()
}

// trimCount parses the MAXLEN or LIMIT count of a trim, replying on error.
func (x *Ctx) trimCount(arg []byte, name string) (int64, bool) {
	n, ok := parseInt(arg)
	if !ok {
		x.Err(errNotInt)
		return 0, false
	}
	if n < 0 {
		x.Err("ERR The " + name + " argument must be >= 0.")
		return 0, false
	}
	return n, true
}
