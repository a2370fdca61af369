package server

import (
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/resp"
	"github.com/peregrinedb/peregrine/internal/types"
)

// Error replies of the list family.
const (
	errIndexRange    = "ERR index out of range"
	errMustPositive  = "ERR value is out of range, must be positive"
	errRankZero      = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errCountNegative = "ERR COUNT can't be negative"
	errMaxlenNeg     = "ERR MAXLEN can't be negative"
	errNumkeysZero   = "ERR numkeys should be greater than 0"
	errCountZero     = "ERR count should be greater than 0"
)

func listCommands() []*Command {
	return []*Command{
		spec("lpush", -3, "write denyoom fast", 1, 1, 1, "list", lpushCommand),
		spec("rpush", -3, "write denyoom fast", 1, 1, 1, "list", rpushCommand),
		spec("lpushx", -3, "write denyoom fast", 1, 1, 1, "list", lpushxCommand),
		spec("rpushx", -3, "write denyoom fast", 1, 1, 1, "list", rpushxCommand),
		spec("lpop", -2, "write fast", 1, 1, 1, "list", lpopCommand),
		spec("rpop", -2, "write fast", 1, 1, 1, "list", rpopCommand),
		spec("llen", 2, "readonly fast", 1, 1, 1, "list", llenCommand),
		spec("lrange", 4, "readonly", 1, 1, 1, "list", lrangeCommand),
		spec("lindex", 3, "readonly", 1, 1, 1, "list", lindexCommand),
		spec("lset", 4, "write denyoom", 1, 1, 1, "list", lsetCommand),
		spec("linsert", 5, "write denyoom", 1, 1, 1, "list", linsertCommand),
		spec("lrem", 4, "write", 1, 1, 1, "list", lremCommand),
		spec("ltrim", 4, "write", 1, 1, 1, "list", ltrimCommand),
		spec("lpos", -3, "readonly", 1, 1, 1, "list", lposCommand),
		spec("lmove", 5, "write denyoom", 1, 2, 1, "list", lmoveCommand),
		spec("rpoplpush", 3, "write denyoom", 1, 2, 1, "list", rpoplpushCommand),
		spec("lmpop", -4, "write", 0, 0, 0, "list", lmpopCommand).keys(numkeysAt(1)),
		spec("blpop", -3, "write noscript blocking", 1, -2, 1, "list", blpopCommand),
		spec("brpop", -3, "write noscript blocking", 1, -2, 1, "list", brpopCommand),
		spec("blmove", 6, "write denyoom noscript blocking", 1, 2, 1, "list", blmoveCommand),
		spec("brpoplpush", 4, "write denyoom noscript blocking", 1, 2, 1, "list", brpoplpushCommand),
		spec("blmpop", -5, "write blocking", 0, 0, 0, "list", blmpopCommand).keys(numkeysAt(2)),
	}
}

// numkeysAt extracts the keys of commands shaped "CMD ... numkeys key...":
// the count is at index i, the keys follow it.
func numkeysAt(i int) func(args [][]byte) []int {
	return func(args [][]byte) []int {
		if i >= len(args) {
			return nil
		}
		n, ok := parseInt(args[i])
		if !ok || n <= 0 || int64(len(args)-i-1) < n {
			return nil
		}
		out := make([]int, n)
		for j := range out {
			out[j] = i + 1 + j
		}
		return out
	}
}

// listOf returns the list stored in e.
func listOf(e *keyspace.Entry) *types.List { return e.Obj.(*types.List) }

// pushGeneric is LPUSH/RPUSH (create the key) and LPUSHX/RPUSHX (only if it exists).
func (x *Ctx) pushGeneric(left, onlyExisting bool) {
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeList)
	if !ok {
		return
	}
	if e == nil {
		if onlyExisting {
			x.w.Int(0)
			return
		}
		e = x.addCollection(key, keyspace.TypeList, types.NewList())
	}
	l := listOf(e)
	for _, v := range x.args[2:] {
		if left {
			l.PushLeft(v)
		} else {
			l.PushRight(v)
		}
	}
	x.w.Int(int64(l.Len()))
	if left {
		x.changed(key, keyspace.NotifyList, "lpush")
	} else {
		x.changed(key, keyspace.NotifyList, "rpush")
	}
}

func lpushCommand(x *Ctx)  { x.pushGeneric(true, false) }
func rpushCommand(x *Ctx)  { x.pushGeneric(false, false) }
func lpushxCommand(x *Ctx) { x.pushGeneric(true, true) }
func rpushxCommand(x *Ctx) { x.pushGeneric(false, true) }

// listPopped reports removed elements: the pop event, and the key's
// deletion when the list is left empty.
func (x *Ctx) listPopped(key []byte, l *types.List, left bool) {
	if left {
		x.changed(key, keyspace.NotifyList, "lpop")
	} else {
		x.changed(key, keyspace.NotifyList, "rpop")
	}
	x.deleteIfEmpty(key, l.Len())
}

func (x *Ctx) popGeneric(left bool) {
	if len(x.args) > 3 {
		x.ErrArity()
		return
	}
	hasCount := len(x.args) == 3
	var count int64
	if hasCount {
		n, ok := parseInt(x.args[2])
		if !ok || n < 0 {
			x.Err(errMustPositive)
			return
		}
		count = n
	}
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeList)
	if !ok {
		return
	}
	if e == nil {
		if hasCount {
			x.w.NullArray()
		} else {
			x.w.Null()
		}
		return
	}
	if hasCount && count == 0 {
		x.w.EmptyArray()
		return
	}
	l := listOf(e)
	if !hasCount {
		x.w.Bulk(popOne(l, left))
		x.listPopped(key, l, left)
		return
	}
	n := min(int(min(count, int64(l.Len()))), l.Len())
	x.w.Array(n)
	for i := 0; i < n; i++ {
		x.w.Bulk(popOne(l, left))
	}
	x.listPopped(key, l, left)
}

func popOne(l *types.List, left bool) []byte {
	var v []byte
	if left {
		v, _ = l.PopLeft()
	} else {
		v, _ = l.PopRight()
	}
	return v
}

func lpopCommand(x *Ctx) { x.popGeneric(true) }
func rpopCommand(x *Ctx) { x.popGeneric(false) }

func llenCommand(x *Ctx) {
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeList)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(int64(listOf(e).Len()))
}

// listRange normalizes Redis start/stop indexes over a length; ok is false
// for an empty range.
func listRange(start, stop int64, n int) (int, int, bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0, false
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop), true
}

func lrangeCommand(x *Ctx) {
	start, ok1 := parseInt(x.args[2])
	stop, ok2 := parseInt(x.args[3])
	if !ok1 || !ok2 {
		x.Err(errNotInt)
		return
	}
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeList)
	if !ok {
		return
	}
	if e == nil {
		x.w.EmptyArray()
		return
	}
	l := listOf(e)
	s, t, ok := listRange(start, stop, l.Len())
	if !ok {
		x.w.EmptyArray()
		return
	}
	x.w.Array(t - s + 1)
	l.Range(s, t, func(v []byte) bool {
		x.w.Bulk(v)
		return true
	})
}

// listIndex maps a Redis index (negative from the tail) to a position.
func listIndex(idx int64, n int) (int, bool) {
	if idx < 0 {
		idx += int64(n)
	}
	if idx < 0 || idx >= int64(n) {
		return 0, false
	}
	return int(idx), true
}

func lindexCommand(x *Ctx) {
	idx, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeList)
	if !ok {
		return
	}
	if e == nil {
		x.w.Null()
		return
	}
	l := listOf(e)
	i, ok := listIndex(idx, l.Len())
	if !ok {
		x.w.Null()
		return
	}
	x.w.Bulk(l.Index(i))
}

func lsetCommand(x *Ctx) {
	idx, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeList)
	if !ok {
		return
	}
	if e == nil {
		x.Err(errNoSuchKey)
		return
	}
	l := listOf(e)
	i, ok := listIndex(idx, l.Len())
	if !ok {
		x.Err(errIndexRange)
		return
	}
	l.Set(i, x.args[3])
	x.w.OK()
	x.changed(key, keyspace.NotifyList, "lset")
}

func linsertCommand(x *Ctx) {
	var after bool
	switch {
	case eqFold(x.args[2], "after"):
		after = true
	case eqFold(x.args[2], "before"):
	default:
		x.Err(errSyntax)
		return
	}
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeList)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	l := listOf(e)
	pivot := x.args[3]
	for i := 0; i < l.Len(); i++ {
		if string(l.Index(i)) == string(pivot) {
			if after {
				i++
			}
			l.Insert(i, x.args[4])
			x.w.Int(int64(l.Len()))
			x.changed(key, keyspace.NotifyList, "linsert")
			return
		}
	}
	x.w.Int(-1)
}

func lremCommand(x *Ctx) {
	count, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeList)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	l := listOf(e)
	elem := string(x.args[3])
	removed := 0
	switch {
	case count >= 0:
		removed = l.RemoveIf(func(_ int, v []byte) bool {
			if (count == 0 || int64(removed) < count) && string(v) == elem {
				removed++
				return true
			}
			return false
		})
	default:
		// From the tail: find the indexes first, then drop them.
		var drop []int
		for i := l.Len() - 1; i >= 0 && int64(len(drop)) < -count; i-- {
			if string(l.Index(i)) == elem {
				drop = append(drop, i)
			}
		}
		set := map[int]bool{}
		for _, i := range drop {
			set[i] = true
		}
		removed = l.RemoveIf(func(i int, _ []byte) bool { return set[i] })
	}
	x.w.Int(int64(removed))
	if removed > 0 {
		x.changed(key, keyspace.NotifyList, "lrem")
		x.deleteIfEmpty(key, l.Len())
	}
}

func ltrimCommand(x *Ctx) {
	start, ok1 := parseInt(x.args[2])
	stop, ok2 := parseInt(x.args[3])
	if !ok1 || !ok2 {
		x.Err(errNotInt)
		return
	}
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeList)
	if !ok {
		return
	}
	if e == nil {
		x.w.OK()
		return
	}
	l := listOf(e)
	s, t, ok := listRange(start, stop, l.Len())
	if !ok {
		l.Trim(1, 0)
	} else {
		l.Trim(s, t)
	}
	x.w.OK()
	x.changed(key, keyspace.NotifyList, "ltrim")
	x.deleteIfEmpty(key, l.Len())
}

func lposCommand(x *Ctx) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(x.args); j++ {
		more := len(x.args) - 1 - j
		a := x.args[j]
		switch {
		case eqFold(a, "rank") && more > 0:
			j++
			n, ok := parseInt(x.args[j])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if n == 0 {
				x.Err(errRankZero)
				return
			}
			rank = n
		case eqFold(a, "count") && more > 0:
			j++
			n, ok := parseInt(x.args[j])
			if !ok || n < 0 {
				x.Err(errCountNegative)
				return
			}
			count = n
		case eqFold(a, "maxlen") && more > 0:
			j++
			n, ok := parseInt(x.args[j])
			if !ok || n < 0 {
				x.Err(errMaxlenNeg)
				return
			}
			maxlen = n
		default:
			x.Err(errSyntax)
			return
		}
	}
	fromTail := rank < 0
	if fromTail {
		rank = -rank
	}
	e, ok := x.lookupTypeRead(x.args[1], keyspace.TypeList)
	if !ok {
		return
	}
	if e == nil {
		if count != -1 {
			x.w.EmptyArray()
		} else {
			x.w.Null()
		}
		return
	}
	l := listOf(e)
	elem := string(x.args[2])
	var found []int64
	matches := int64(0)
	n := l.Len()
	for k := 0; k < n && (maxlen == 0 || int64(k) < maxlen); k++ {
		i := k
		if fromTail {
			i = n - 1 - k
		}
		if string(l.Index(i)) != elem {
			continue
		}
		matches++
		if matches < rank {
			continue
		}
		found = append(found, int64(i))
		if count == -1 || count != 0 && int64(len(found)) >= count {
			break
		}
	}
	if count == -1 {
		if len(found) == 0 {
			x.w.Null()
		} else {
			x.w.Int(found[0])
		}
		return
	}
	x.w.Array(len(found))
	for _, i := range found {
		x.w.Int(i)
	}
}

// parseListEnd parses LEFT/RIGHT.
func parseListEnd(b []byte) (left, ok bool) {
	switch {
	case eqFold(b, "left"):
		return true, true
	case eqFold(b, "right"):
		return false, true
	}
	return false, false
}

// listMove pops from src's end and pushes to dst's end, replying the moved
// element; with nothing to move it replies null (or, when blocking is
// allowed, it is the caller that blocks). It reports whether an element moved.
func (x *Ctx) listMove(src, dst []byte, fromLeft, toLeft bool) (moved, failed bool) {
	se, ok := x.lookupTypeWrite(src, keyspace.TypeList)
	if !ok {
		return false, true
	}
	if se == nil {
		return false, false
	}
	de, ok := x.lookupTypeWrite(dst, keyspace.TypeList)
	if !ok {
		return false, true
	}
	// Push before reporting the pop, as Redis does: with src == dst a
	// one-element list rotates instead of being deleted.
	sl := listOf(se)
	v := popOne(sl, fromLeft)
	if de == nil {
		de = x.addCollection(dst, keyspace.TypeList, types.NewList())
	}
	dl := listOf(de)
	if toLeft {
		dl.PushLeft(v)
		x.changed(dst, keyspace.NotifyList, "lpush")
	} else {
		dl.PushRight(v)
		x.changed(dst, keyspace.NotifyList, "rpush")
	}
	x.listPopped(src, sl, fromLeft)
	x.w.Bulk(v)
	return true, false
}

func lmoveCommand(x *Ctx) {
	from, ok1 := parseListEnd(x.args[3])
	to, ok2 := parseListEnd(x.args[4])
	if !ok1 || !ok2 {
		x.Err(errSyntax)
		return
	}
	if moved, failed := x.listMove(x.args[1], x.args[2], from, to); !moved && !failed {
		x.w.Null()
	}
}

func rpoplpushCommand(x *Ctx) {
	if moved, failed := x.listMove(x.args[1], x.args[2], false, true); !moved && !failed {
		x.w.Null()
	}
}

// mpopArgs are the parsed arguments of LMPOP/BLMPOP (and ZMPOP/BZMPOP).
type mpopArgs struct {
	keys  [][]byte
	left  bool // LEFT (lists) or MIN (sorted sets)
	count int64
}

// parseMpop parses "numkeys key... where [COUNT n]" starting at index i,
// with where parsed by end (LEFT/RIGHT or MIN/MAX).
func (x *Ctx) parseMpop(i int, end func([]byte) (bool, bool)) (mpopArgs, bool) {
	var a mpopArgs
	n, ok := parseInt(x.args[i])
	if !ok || n <= 0 {
		x.Err(errNumkeysZero)
		return a, false
	}
	whereIdx := int64(i) + n + 1
	if whereIdx >= int64(len(x.args)) {
		x.Err(errSyntax)
		return a, false
	}
	a.keys = x.args[i+1 : whereIdx]
	a.left, ok = end(x.args[whereIdx])
	if !ok {
		x.Err(errSyntax)
		return a, false
	}
	a.count = -1
	for j := int(whereIdx) + 1; j < len(x.args); j++ {
		if a.count == -1 && eqFold(x.args[j], "count") && j+1 < len(x.args) {
			j++
			c, ok := parseInt(x.args[j])
			if !ok || c <= 0 {
				x.Err(errCountZero)
				return a, false
			}
			a.count = c
			continue
		}
		x.Err(errSyntax)
		return a, false
	}
	if a.count == -1 {
		a.count = 1
	}
	return a, true
}

// listMpop pops up to count elements from the first non-empty list among
// keys, replying [key, [elements]]. It reports whether it served (false:
// nothing to pop, nothing replied) and whether it failed (error replied).
func (x *Ctx) listMpop(keys [][]byte, left bool, count int64) (served, failed bool) {
	for _, key := range keys {
		e, ok := x.lookupTypeWrite(key, keyspace.TypeList)
		if !ok {
			return false, true
		}
		if e == nil {
			continue
		}
		l := listOf(e)
		n := int(min(count, int64(l.Len())))
		x.w.Array(2)
		x.w.Bulk(key)
		x.w.Array(n)
		for i := 0; i < n; i++ {
			x.w.Bulk(popOne(l, left))
		}
		x.listPopped(key, l, left)
		// As Redis: [B]LMPOP propagates as [LR]POP key count.
		x.propagateAs(popName(left, "LPOP", "RPOP"), key, msArg(int64(n)))
		return true, false
	}
	return false, false
}

func lmpopCommand(x *Ctx) {
	a, ok := x.parseMpop(1, parseListEnd)
	if !ok {
		return
	}
	if served, failed := x.listMpop(a.keys, a.left, a.count); !served && !failed {
		x.w.NullArray()
	}
}

// Blocking variants: serve at once when a list has elements, else park
// the client (block) until a push makes one of its keys ready; the server
// then re-runs the command (x.reblocking), preferring the key that became
// ready (x.readyKey) as Redis serves it.

func nullArrayReply(w *resp.Writer) { w.NullArray() }

// orderKeys puts the ready key first when the command is re-run for a
// parked client.
func (x *Ctx) orderKeys(keys [][]byte) [][]byte {
	if x.readyKey == nil {
		return keys
	}
	for _, k := range keys {
		if string(k) == string(x.readyKey) {
			return append([][]byte{x.readyKey}, keys...)
		}
	}
	return keys
}

func (x *Ctx) blockingPop(left bool) {
	keys := x.args[1 : len(x.args)-1]
	deadline, ok := x.parseBlockTimeout(x.args[len(x.args)-1])
	if !ok {
		return
	}
	// WRONGTYPE is checked for every key in order, as Redis does.
	for _, key := range x.orderKeys(keys) {
		e, ok := x.lookupTypeWrite(key, keyspace.TypeList)
		if !ok {
			return
		}
		if e == nil {
			continue
		}
		l := listOf(e)
		x.w.Array(2)
		x.w.Bulk(key)
		x.w.Bulk(popOne(l, left))
		x.listPopped(key, l, left)
		x.propagateAs(popName(left, "LPOP", "RPOP"), key) // as Redis: BLPOP propagates as LPOP
		return
	}
	x.block(keys, keyspace.TypeList, deadline, nullArrayReply)
}

func blpopCommand(x *Ctx) { x.blockingPop(true) }
func brpopCommand(x *Ctx) { x.blockingPop(false) }

func (x *Ctx) blockingMove(src, dst []byte, from, to bool, timeoutArg []byte) {
	deadline, ok := x.parseBlockTimeout(timeoutArg)
	if !ok {
		return
	}
	moved, failed := x.listMove(src, dst, from, to)
	if moved || failed {
		return
	}
	if x.noBlock {
		x.w.Null() // inside MULTI/scripts BLMOVE answers a null bulk...
		return
	}
	x.block([][]byte{src}, keyspace.TypeList, deadline, nullArrayReply) // ...but times out with a null array
}

func blmoveCommand(x *Ctx) {
	from, ok1 := parseListEnd(x.args[3])
	to, ok2 := parseListEnd(x.args[4])
	if !ok1 || !ok2 {
		x.Err(errSyntax)
		return
	}
	x.propagateAs(argv("LMOVE", x.args[1:5]...)...) // as Redis: BLMOVE propagates as LMOVE
	x.blockingMove(x.args[1], x.args[2], from, to, x.args[5])
}

func brpoplpushCommand(x *Ctx) {
	x.propagateAs(argv("RPOPLPUSH", x.args[1], x.args[2])...) // as Redis
	x.blockingMove(x.args[1], x.args[2], false, true, x.args[3])
}

func blmpopCommand(x *Ctx) {
	deadline, ok := x.parseBlockTimeout(x.args[1])
	if !ok {
		return
	}
	a, ok := x.parseMpop(2, parseListEnd)
	if !ok {
		return
	}
	if served, failed := x.listMpop(x.orderKeys(a.keys), a.left, a.count); served || failed {
		return
	}
	x.block(a.keys, keyspace.TypeList, deadline, nullArrayReply)
}
