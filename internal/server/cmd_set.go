package server

import (
	"strconv"

	"github.com/peregrinedb/peregrine/internal/glob"
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

// Error replies of the set family.
const (
	errNumkeysArgs = "ERR Number of keys can't be greater than number of args"
	errLimitNeg    = "ERR LIMIT can't be negative"
)

func setCommands() []*Command {
	return []*Command{
		spec("sadd", -3, "write denyoom fast", 1, 1, 1, "set", saddCommand),
		spec("srem", -3, "write fast", 1, 1, 1, "set", sremCommand),
		spec("smembers", 2, "readonly", 1, 1, 1, "set", smembersCommand),
		spec("sismember", 3, "readonly fast", 1, 1, 1, "set", sismemberCommand),
		spec("smismember", -3, "readonly fast", 1, 1, 1, "set", smismemberCommand),
		spec("scard", 2, "readonly fast", 1, 1, 1, "set", scardCommand),
		spec("spop", -2, "write fast", 1, 1, 1, "set", spopCommand),
		spec("srandmember", -2, "readonly", 1, 1, 1, "set", srandmemberCommand),
		spec("smove", 4, "write fast", 1, 2, 1, "set", smoveCommand),
		spec("sinter", -2, "readonly", 1, -1, 1, "set", sinterCommand),
		spec("sintercard", -3, "readonly", 0, 0, 0, "set", sintercardCommand).keys(numkeysAt(1)),
		spec("sinterstore", -3, "write denyoom", 1, -1, 1, "set", sinterstoreCommand),
		spec("sunion", -2, "readonly", 1, -1, 1, "set", sunionCommand),
		spec("sunionstore", -3, "write denyoom", 1, -1, 1, "set", sunionstoreCommand),
		spec("sdiff", -2, "readonly", 1, -1, 1, "set", sdiffCommand),
		spec("sdiffstore", -3, "write denyoom", 1, -1, 1, "set", sdiffstoreCommand),
		spec("sscan", -3, "readonly", 1, 1, 1, "set", sscanCommand),
	}
}

func setOf(e *keyspace.Entry) *types.Set { return e.Obj.(*types.Set) }

func (x *Ctx) maxIntset() int { return int(x.s.live.setMaxIntset.Load()) }

func saddCommand(x *Ctx) {
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeSet)
	if !ok {
		return
	}
	if e == nil {
		e = x.addCollection(key, keyspace.TypeSet, types.NewSet())
	}
	s := setOf(e)
	max := x.maxIntset()
	n := 0
	for _, m := range x.args[2:] {
		if s.Add(m, max) {
			n++
		}
	}
	x.w.Int(int64(n))
	if n > 0 {
		x.changed(key, keyspace.NotifySet, "sadd")
	}
}

func sremCommand(x *Ctx) {
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeSet)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	s := setOf(e)
	n := 0
	for _, m := range x.args[2:] {
		if s.Remove(m) {
			n++
			if s.Len() == 0 {
				break
			}
		}
	}
	x.w.Int(int64(n))
	if n > 0 {
		x.changed(key, keyspace.NotifySet, "srem")
		x.deleteIfEmpty(key, s.Len())
	}
}

// replySet writes members as a set reply (an array in RESP2).
func (x *Ctx) replySet(members [][]byte) {
	x.w.Set(len(members))
	for _, m := range members {
		x.w.Bulk(m)
	}
}

func smembersCommand(x *Ctx) {
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeSet)
	if !ok {
		return
	}
	if e == nil {
		x.w.Set(0)
		return
	}
	s := setOf(e)
	x.w.Set(s.Len())
	s.ForEach(func(m []byte) bool {
		x.w.Bulk(m)
		return true
	})
}

func sismemberCommand(x *Ctx) {
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeSet)
	if !ok {
		return
	}
	if e != nil && setOf(e).Contains(x.args[2]) {
		x.w.Int(1)
		return
	}
	x.w.Int(0)
}

func smismemberCommand(x *Ctx) {
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeSet)
	if !ok {
		return
	}
	x.w.Array(len(x.args) - 2)
	for _, m := range x.args[2:] {
		if e != nil && setOf(e).Contains(m) {
			x.w.Int(1)
		} else {
			x.w.Int(0)
		}
	}
}

func scardCommand(x *Ctx) {
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeSet)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(int64(setOf(e).Len()))
}

func spopCommand(x *Ctx) {
	if len(x.args) > 3 {
		x.Err(errSyntax)
		return
	}
	key := x.args[1]
	if len(x.args) == 2 {
		e, ok := x.lookupTypeWrite(key, keyspace.TypeSet)
		if !ok {
			return
		}
		if e == nil {
			x.w.Null()
			return
		}
		s := setOf(e)
		m := s.Random(x.s.rand())
		s.Remove(m)
		x.w.Bulk(m)
		x.propagateAs(argv("SREM", key, m)...) // as Redis: SPOP propagates as SREM
		x.changed(key, keyspace.NotifySet, "spop")
		x.deleteIfEmpty(key, s.Len())
		return
	}
	count, ok := parseInt(x.args[2])
	if !ok || count < 0 {
		x.Err(errMustPositive)
		return
	}
	e, ok := x.lookupTypeWrite(key, keyspace.TypeSet)
	if !ok {
		return
	}
	if e == nil || count == 0 {
		x.w.Set(0)
		return
	}
	s := setOf(e)
	x.changed(key, keyspace.NotifySet, "spop")
	if count >= int64(s.Len()) {
		x.replySet(s.Members())
		x.propagateAs(argv("DEL", key)...) // as Redis: the whole set popped is a DEL
		x.db.Delete(key)
		x.changed(key, keyspace.NotifyGeneric, "del")
		return
	}
	r := x.s.rand()
	out := make([][]byte, 0, count)
	for int64(len(out)) < count {
		m := s.Random(r)
		s.Remove(m)
		out = append(out, m)
	}
	// Redis propagates one SREM per member; one SREM of them all has the
	// same effect and needs no MULTI around it.
	x.propagateAs(append([][]byte{[]byte("SREM"), key}, out...)...)
	x.replySet(out)
}

// srandmemberCommand follows Redis's cases: repetitions for a negative
// count, the whole set when the count covers it, distinct picks otherwise.
func srandmemberCommand(x *Ctx) {
	if len(x.args) > 3 {
		x.Err(errSyntax)
		return
	}
	if len(x.args) == 2 {
		e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeSet)
		if !ok {
			return
		}
		if e == nil {
			x.w.Null()
			return
		}
		x.w.Bulk(setOf(e).Random(x.s.rand()))
		return
	}
	n, ok := x.parseRandomCount(x.args[2], false)
	if !ok {
		return
	}
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeSet)
	if !ok {
		return
	}
	if e == nil || n == 0 {
		x.w.EmptyArray()
		return
	}
	s := setOf(e)
	r := x.s.rand()
	if n < 0 || n == 1 {
		count := n
		if count < 0 {
			count = -count
		}
		x.w.Array(int(count))
		for i := int64(0); i < count; i++ {
			if i%limitCheckEvery == 0 && x.replyOverLimit() {
				return
			}
			x.w.Bulk(s.Random(r))
		}
		return
	}
	if n >= int64(s.Len()) {
		x.w.Array(s.Len())
		s.ForEach(func(m []byte) bool {
			x.w.Bulk(m)
			return true
		})
		return
	}
	members := s.Members()
	r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	x.w.Array(int(n))
	for _, m := range members[:n] {
		x.w.Bulk(m)
	}
}

func smoveCommand(x *Ctx) {
	src, dst, m := x.args[1], x.args[2], x.args[3]
	se, ok := x.lookupTypeWrite(src, keyspace.TypeSet)
	if !ok {
		return
	}
	de, ok := x.lookupTypeWrite(dst, keyspace.TypeSet)
	if !ok {
		return
	}
	if se == nil {
		x.w.Int(0)
		return
	}
	ss := setOf(se)
	if string(src) == string(dst) {
		if ss.Contains(m) {
			x.w.Int(1)
		} else {
			x.w.Int(0)
		}
		return
	}
	if !ss.Remove(m) {
		x.w.Int(0)
		return
	}
	x.changed(src, keyspace.NotifySet, "srem")
	x.deleteIfEmpty(src, ss.Len())
	if de == nil {
		de = x.addCollection(dst, keyspace.TypeSet, types.NewSet())
	}
	if setOf(de).Add(m, x.maxIntset()) {
		x.changed(dst, keyspace.NotifySet, "sadd")
	}
	x.w.Int(1)
}

// Set algebra. Missing keys are empty sets.
const (
	setOpInter = iota
	setOpUnion
	setOpDiff
)

// loadSets looks the keys up; a key of another type replies WRONGTYPE.
func (x *Ctx) loadSets(keys [][]byte, write bool) ([]*types.Set, bool) {
	out := make([]*types.Set, len(keys))
	for i, k := range keys {
		var e *keyspace.Entry
		var ok bool
		if write {
			e, ok = x.lookupTypeWrite(k, keyspace.TypeSet)
		} else {
			e, ok = x.lookupTypeRead(k, keyspace.TypeSet)
		}
		if !ok {
			return nil, false
		}
		if e != nil {
			out[i] = setOf(e)
		}
	}
	return out, true
}

// setOp computes the intersection, union or difference of sets (nil =
// empty) into a new set; limit > 0 stops an intersection early.
func (x *Ctx) setOp(sets []*types.Set, op int, limit int) *types.Set {
	res := types.NewSet()
	max := x.maxIntset()
	switch op {
	case setOpInter:
		smallest := -1
		for i, s := range sets {
			if s == nil {
				return res
			}
			if smallest < 0 || s.Len() < sets[smallest].Len() {
				smallest = i
			}
		}
		sets[smallest].ForEach(func(m []byte) bool {
			for i, s := range sets {
				if i != smallest && !s.Contains(m) {
					return true
				}
			}
			res.Add(m, max)
			return limit == 0 || res.Len() < limit
		})
	case setOpUnion:
		for _, s := range sets {
			if s != nil {
				s.ForEach(func(m []byte) bool { res.Add(m, max); return true })
			}
		}
	case setOpDiff:
		if sets[0] == nil {
			return res
		}
		sets[0].ForEach(func(m []byte) bool {
			for _, s := range sets[1:] {
				if s != nil && s.Contains(m) {
					return true
				}
			}
			res.Add(m, max)
			return true
		})
	}
	return res
}

func (x *Ctx) setOpReply(op int) {
	sets, ok := x.loadSets(x.args[1:], false)
	if !ok {
		return
	}
	res := x.setOp(sets, op, 0)
	x.w.Set(res.Len())
	res.ForEach(func(m []byte) bool {
		x.w.Bulk(m)
		return true
	})
}

func (x *Ctx) setOpStore(op int, event string) {
	dst := x.args[1]
	sets, ok := x.loadSets(x.args[2:], true)
	if !ok {
		return
	}
	res := x.setOp(sets, op, 0)
	if res.Len() == 0 {
		if x.db.Delete(dst) {
			x.changed(dst, keyspace.NotifyGeneric, "del")
		}
		x.w.Int(0)
		return
	}
	x.db.Set(dst, keyspace.Entry{Type: keyspace.TypeSet, Obj: res, Access: x.newAccess()})
	x.changed(dst, keyspace.NotifySet, event)
	x.w.Int(int64(res.Len()))
}

func sinterCommand(x *Ctx)      { x.setOpReply(setOpInter) }
func sunionCommand(x *Ctx)      { x.setOpReply(setOpUnion) }
func sdiffCommand(x *Ctx)       { x.setOpReply(setOpDiff) }
func sinterstoreCommand(x *Ctx) { x.setOpStore(setOpInter, "sinterstore") }
func sunionstoreCommand(x *Ctx) { x.setOpStore(setOpUnion, "sunionstore") }
func sdiffstoreCommand(x *Ctx)  { x.setOpStore(setOpDiff, "sdiffstore") }

func sintercardCommand(x *Ctx) {
	n, ok := parseInt(x.args[1])
	if !ok || n <= 0 {
		x.Err(errNumkeysZero)
		return
	}
	if n > int64(len(x.args)-2) {
		x.Err(errNumkeysArgs)
		return
	}
	keys := x.args[2 : 2+n]
	limit := int64(0)
	for j := 2 + int(n); j < len(x.args); j++ {
		if eqFold(x.args[j], "limit") && j+1 < len(x.args) {
			j++
			l, ok := parseInt(x.args[j])
			if !ok || l < 0 {
				x.Err(errLimitNeg)
				return
			}
			limit = l
			continue
		}
		x.Err(errSyntax)
		return
	}
	sets, ok := x.loadSets(keys, false)
	if !ok {
		return
	}
	x.w.Int(int64(x.setOp(sets, setOpInter, int(limit)).Len()))
}

func sscanCommand(x *Ctx) {
	cursor, ok := parseCursor(x.args[2])
	if !ok {
		x.Err(errInvalidCursor)
		return
	}
	o, ok := x.parseScanOptions(3, false)
	if !ok {
		return
	}
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeSet)
	if !ok {
		return
	}
	var out [][]byte
	var next uint64
	if e != nil {
		next = setOf(e).Scan(cursor, o.count, func(m []byte) {
			if o.pattern == nil || glob.MatchBytes(o.pattern, m, false) {
				out = append(out, append([]byte(nil), m...))
			}
		})
	}
	x.w.Array(2)
	x.w.BulkString(strconv.FormatUint(next, 10))
	x.w.Array(len(out))
	for _, m := range out {
		x.w.Bulk(m)
	}
}
