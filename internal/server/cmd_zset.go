package server

import (
	"math"
	"strconv"

	"github.com/peregrinedb/peregrine/internal/glob"
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/resp"
	"github.com/peregrinedb/peregrine/internal/types"
)

// Error replies of the sorted-set family.
const (
	errMinMaxFloat  = "ERR min or max is not a float"
	errMinMaxLex    = "ERR min or max not valid string range item"
	errZaddXXNX     = "ERR XX and NX options at the same time are not compatible"
	errZaddGTLTNX   = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZaddIncrPair = "ERR INCR option supports a single increment-element pair"
	errZNaN         = "ERR resulting score is not a number (NaN)"
	errZLimitRank   = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZScoresLex   = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errWeightFloat  = "ERR weight value is not a float"
)

func zsetCommands() []*Command {
	return []*Command{
		spec("zadd", -4, "write denyoom fast", 1, 1, 1, "sorted_set", zaddCommand),
		spec("zincrby", 4, "write denyoom fast", 1, 1, 1, "sorted_set", zincrbyCommand),
		spec("zrem", -3, "write fast", 1, 1, 1, "sorted_set", zremCommand),
		spec("zcard", 2, "readonly fast", 1, 1, 1, "sorted_set", zcardCommand),
		spec("zcount", 4, "readonly fast", 1, 1, 1, "sorted_set", zcountCommand),
		spec("zlexcount", 4, "readonly fast", 1, 1, 1, "sorted_set", zlexcountCommand),
		spec("zscore", 3, "readonly fast", 1, 1, 1, "sorted_set", zscoreCommand),
		spec("zmscore", -3, "readonly fast", 1, 1, 1, "sorted_set", zmscoreCommand),
		spec("zrank", 3, "readonly fast", 1, 1, 1, "sorted_set", zrankCommand),
		spec("zrevrank", 3, "readonly fast", 1, 1, 1, "sorted_set", zrankCommand),
		spec("zrange", -4, "readonly", 1, 1, 1, "sorted_set", zrangeCommand),
		spec("zrangestore", -5, "write denyoom", 1, 2, 1, "sorted_set", zrangestoreCommand),
		spec("zrevrange", -4, "readonly", 1, 1, 1, "sorted_set", zrangeCommand),
		spec("zrangebyscore", -4, "readonly", 1, 1, 1, "sorted_set", zrangeCommand),
		spec("zrevrangebyscore", -4, "readonly", 1, 1, 1, "sorted_set", zrangeCommand),
		spec("zrangebylex", -4, "readonly", 1, 1, 1, "sorted_set", zrangeCommand),
		spec("zrevrangebylex", -4, "readonly", 1, 1, 1, "sorted_set", zrangeCommand),
		spec("zremrangebyrank", 4, "write", 1, 1, 1, "sorted_set", zremrangeCommand),
		spec("zremrangebyscore", 4, "write", 1, 1, 1, "sorted_set", zremrangeCommand),
		spec("zremrangebylex", 4, "write", 1, 1, 1, "sorted_set", zremrangeCommand),
		spec("zpopmin", -2, "write fast", 1, 1, 1, "sorted_set", zpopCommand),
		spec("zpopmax", -2, "write fast", 1, 1, 1, "sorted_set", zpopCommand),
		spec("zmpop", -4, "write", 0, 0, 0, "sorted_set", zmpopCommand).keys(numkeysAt(1)),
		spec("bzpopmin", -3, "write noscript blocking fast", 1, -2, 1, "sorted_set", bzpopCommand),
		spec("bzpopmax", -3, "write noscript blocking fast", 1, -2, 1, "sorted_set", bzpopCommand),
		spec("bzmpop", -5, "write blocking", 0, 0, 0, "sorted_set", bzmpopCommand).keys(numkeysAt(2)),
		spec("zrandmember", -2, "readonly", 1, 1, 1, "sorted_set", zrandmemberCommand),
		spec("zunion", -3, "readonly", 0, 0, 0, "sorted_set", zsetopCommand).keys(numkeysAt(1)),
		spec("zinter", -3, "readonly", 0, 0, 0, "sorted_set", zsetopCommand).keys(numkeysAt(1)),
		spec("zdiff", -3, "readonly", 0, 0, 0, "sorted_set", zsetopCommand).keys(numkeysAt(1)),
		spec("zintercard", -3, "readonly", 0, 0, 0, "sorted_set", zsetopCommand).keys(numkeysAt(1)),
		spec("zunionstore", -4, "write denyoom", 1, 1, 1, "sorted_set", zsetopCommand).keys(storeNumkeys),
		spec("zinterstore", -4, "write denyoom", 1, 1, 1, "sorted_set", zsetopCommand).keys(storeNumkeys),
		spec("zdiffstore", -4, "write denyoom", 1, 1, 1, "sorted_set", zsetopCommand).keys(storeNumkeys),
		spec("zscan", -3, "readonly", 1, 1, 1, "sorted_set", zscanCommand),
	}
}

// storeNumkeys extracts "CMD dst numkeys key..." keys.
func storeNumkeys(args [][]byte) []int { return append([]int{1}, numkeysAt(2)(args)...) }

func zsetOf(e *keyspace.Entry) *types.ZSet { return e.Obj.(*types.ZSet) }

func (x *Ctx) zsetLimits() (int, int) {
	return int(x.s.live.zsetMaxEntries.Load()), int(x.s.live.zsetMaxValue.Load())
}

// parseScore parses a score as Redis's getDoubleFromObject does: strtod
// rules, NaN rejected, and a value that overflows (or underflows to zero)
// rejected rather than rounded.
func parseScore(b []byte) (float64, bool) {
	f, ok := parseFloat(b)
	if !ok {
		return 0, false
	}
	if math.IsInf(f, 0) || f == 0 {
		// An explicit infinity or zero parses cleanly; one produced by
		// overflow or underflow is a range error.
		if _, err := strconv.ParseFloat(string(b), 64); err != nil {
			return 0, false
		}
	}
	return f, true
}

func zaddCommand(x *Ctx) { x.zaddGeneric(false) }

func zincrbyCommand(x *Ctx) { x.zaddGeneric(true) }

func (x *Ctx) zaddGeneric(incrCmd bool) {
	var nx, xx, gt, lt, ch, incr bool
	i := 2
	if !incrCmd {
		for ; i < len(x.args); i++ {
			a := x.args[i]
			switch {
			case eqFold(a, "nx"):
				nx = true
			case eqFold(a, "xx"):
				xx = true
			case eqFold(a, "gt"):
				gt = true
			case eqFold(a, "lt"):
				lt = true
			case eqFold(a, "ch"):
				ch = true
			case eqFold(a, "incr"):
				incr = true
			default:
				goto done
			}
		}
	} else {
		incr = true
	}
done:
	pairs := x.args[i:]
	if len(pairs)%2 != 0 || len(pairs) == 0 {
		x.Err(errSyntax)
		return
	}
	switch {
	case nx && xx:
		x.Err(errZaddXXNX)
		return
	case gt && nx || lt && nx || gt && lt:
		x.Err(errZaddGTLTNX)
		return
	case incr && len(pairs) > 2:
		x.Err(errZaddIncrPair)
		return
	}
	scores := make([]float64, len(pairs)/2)
	for j := range scores {
		s, ok := parseScore(pairs[2*j])
		if !ok {
			x.Err(errNotFloat)
			return
		}
		scores[j] = s
	}
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		if xx {
			if incr {
				x.w.Null()
			} else {
				x.w.Int(0)
			}
			return
		}
		e = x.addCollection(key, keyspace.TypeZSet, types.NewZSet())
	}
	z := zsetOf(e)
	maxN, maxV := x.zsetLimits()
	added, updated, processed := 0, 0, 0
	var lastScore float64
	aborted := false
	for j, s := range scores {
		m := pairs[2*j+1]
		cur, exists := z.Score(m)
		if exists {
			if nx {
				aborted = true
				continue
			}
			ns := s
			if incr {
				ns = cur + s
				if math.IsNaN(ns) {
					x.Err(errZNaN)
					x.deleteIfEmpty(key, z.Len())
					return
				}
			}
			if gt && ns <= cur || lt && ns >= cur {
				aborted = true
				continue
			}
			lastScore = ns
			processed++
			if ns != cur {
				z.Update(m, cur, ns)
				updated++
			}
			continue
		}
		if xx {
			aborted = true
			continue
		}
		z.Insert(m, s, maxN, maxV)
		lastScore = s
		added++
		processed++
	}
	if incr {
		if aborted && processed == 0 {
			x.w.Null()
		} else {
			x.w.Double(lastScore)
		}
	} else if ch {
		x.w.Int(int64(added + updated))
	} else {
		x.w.Int(int64(added))
	}
	if added+updated > 0 {
		ev := "zadd"
		if incr {
			ev = "zincr"
		}
		x.changed(key, keyspace.NotifyZSet, ev)
	}
	x.deleteIfEmpty(key, z.Len())
}

func zremCommand(x *Ctx) {
	key := x.args[1]
	e, ok := x.lookupTypeWrite(key, keyspace.TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	z := zsetOf(e)
	n := 0
	for _, m := range x.args[2:] {
		if z.Remove(m) {
			n++
			if z.Len() == 0 {
				break
			}
		}
	}
	x.w.Int(int64(n))
	if n > 0 {
		x.changed(key, keyspace.NotifyZSet, "zrem")
		x.deleteIfEmpty(key, z.Len())
	}
}

func (x *Ctx) zsetRead(key []byte) (*types.ZSet, bool) {
	e, ok := x.lookupTypeRead(key, keyspace.TypeZSet)
	if !ok || e == nil {
		return nil, ok
	}
	return zsetOf(e), true
}

func zcardCommand(x *Ctx) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(int64(z.Len()))
}

func zscoreCommand(x *Ctx) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z != nil {
		if s, ok := z.Score(x.args[2]); ok {
			x.w.Double(s)
			return
		}
	}
	x.w.Null()
}

func zmscoreCommand(x *Ctx) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	x.w.Array(len(x.args) - 2)
	for _, m := range x.args[2:] {
		if z != nil {
			if s, ok := z.Score(m); ok {
				x.w.Double(s)
				continue
			}
		}
		x.w.Null()
	}
}

func zrankCommand(x *Ctx) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z != nil {
		if r, ok := z.Rank(x.args[2]); ok {
			if x.cmd.Name == "zrevrank" {
				r = z.Len() - 1 - r
			}
			x.w.Int(int64(r))
			return
		}
	}
	x.w.Null()
}

// scoreBound is one end of a score range.
type scoreBound struct {
	v    float64
	excl bool
}

func parseScoreBound(b []byte) (scoreBound, bool) {
	var sb scoreBound
	if len(b) > 0 && b[0] == '(' {
		sb.excl = true
		b = b[1:]
	}
	v, ok := parseScore(b)
	if !ok || math.IsNaN(v) {
		return sb, false
	}
	sb.v = v
	return sb, true
}

// lexBound is one end of a lex range: "-"/"+" are the extremes.
type lexBound struct {
	s         string
	excl      bool
	neg, plus bool
}

func parseLexBound(b []byte) (lexBound, bool) {
	if len(b) == 0 {
		return lexBound{}, false
	}
	switch b[0] {
	case '-':
		if len(b) == 1 {
			return lexBound{neg: true}, true
		}
	case '+':
		if len(b) == 1 {
			return lexBound{plus: true}, true
		}
	case '(':
		return lexBound{s: string(b[1:]), excl: true}, true
	case '[':
		return lexBound{s: string(b[1:])}, true
	}
	return lexBound{}, false
}

// Range predicates, as prefixes of the order: "sorts before min" and
// "sorts at or before max".
func belowMinScore(min scoreBound) func(float64, string) bool {
	return func(s float64, _ string) bool { return s < min.v || min.excl && s == min.v }
}

func withinMaxScore(max scoreBound) func(float64, string) bool {
	return func(s float64, _ string) bool { return s < max.v || !max.excl && s == max.v }
}

func belowMinLex(min lexBound) func(float64, string) bool {
	return func(_ float64, m string) bool {
		switch {
		case min.neg:
			return false
		case min.plus:
			return true
		}
		return m < min.s || min.excl && m == min.s
	}
}

func withinMaxLex(max lexBound) func(float64, string) bool {
	return func(_ float64, m string) bool {
		switch {
		case max.plus:
			return true
		case max.neg:
			return false
		}
		return m < max.s || !max.excl && m == max.s
	}
}

// zrangeSpan returns the ascending ranks [lo, hi) a score or lex range covers.
func zrangeSpan(z *types.ZSet, below, within func(float64, string) bool) (int, int) {
	lo := z.CountBefore(below)
	hi := z.CountBefore(within)
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

func zcountCommand(x *Ctx) {
	min, ok1 := parseScoreBound(x.args[2])
	max, ok2 := parseScoreBound(x.args[3])
	if !ok1 || !ok2 {
		x.Err(errMinMaxFloat)
		return
	}
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		x.w.Int(0)
		return
	}
	lo, hi := zrangeSpan(z, belowMinScore(min), withinMaxScore(max))
	x.w.Int(int64(hi - lo))
}

func zlexcountCommand(x *Ctx) {
	min, ok1 := parseLexBound(x.args[2])
	max, ok2 := parseLexBound(x.args[3])
	if !ok1 || !ok2 {
		x.Err(errMinMaxLex)
		return
	}
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		x.w.Int(0)
		return
	}
	lo, hi := zrangeSpan(z, belowMinLex(min), withinMaxLex(max))
	x.w.Int(int64(hi - lo))
}

// Range kinds of ZRANGE and its legacy forms.
const (
	zrAuto = iota
	zrRank
	zrScore
	zrLex
)

// zrangeResult is a computed range: members and scores in reply order.
type zrangeResult struct {
	members []string
	scores  []float64
}

// zrangeQuery parses and runs a ZRANGE-style query whose key is args[k]
// and bounds args[k+1], args[k+2]; options start at args[k+3].
func (x *Ctx) zrangeQuery(k int, kind int, rev, store bool) (res zrangeResult, withScores bool, ok bool) {
	dirAuto := kind == zrAuto
	minIdx, maxIdx := k+1, k+2
	offset, limit := int64(0), int64(-1)
	limitGiven := false
	for j := k + 3; j < len(x.args); j++ {
		left := len(x.args) - j - 1
		a := x.args[j]
		switch {
		case !store && eqFold(a, "withscores"):
			withScores = true
		case eqFold(a, "limit") && left >= 2:
			o, ok1 := parseInt(x.args[j+1])
			l, ok2 := parseInt(x.args[j+2])
			if !ok1 || !ok2 {
				x.Err(errNotInt)
				return res, false, false
			}
			offset, limit, limitGiven = o, l, true
			j += 2
		case dirAuto && eqFold(a, "rev"):
			rev = true
			dirAuto = false
		case kind == zrAuto && eqFold(a, "bylex"):
			kind = zrLex
		case kind == zrAuto && eqFold(a, "byscore"):
			kind = zrScore
		default:
			x.Err(errSyntax)
			return res, false, false
		}
	}
	if kind == zrAuto {
		kind = zrRank
	}
	if limitGiven && limit != -1 && kind == zrRank {
		x.Err(errZLimitRank)
		return res, false, false
	}
	if withScores && kind == zrLex {
		x.Err(errZScoresLex)
		return res, false, false
	}
	if rev && kind != zrRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var start, end int64
	var smin, smax scoreBound
	var lmin, lmax lexBound
	switch kind {
	case zrRank:
		var ok1, ok2 bool
		start, ok1 = parseInt(x.args[minIdx])
		end, ok2 = parseInt(x.args[maxIdx])
		if !ok1 || !ok2 {
			x.Err(errNotInt)
			return res, false, false
		}
	case zrScore:
		var ok1, ok2 bool
		smin, ok1 = parseScoreBound(x.args[minIdx])
		smax, ok2 = parseScoreBound(x.args[maxIdx])
		if !ok1 || !ok2 {
			x.Err(errMinMaxFloat)
			return res, false, false
		}
	case zrLex:
		var ok1, ok2 bool
		lmin, ok1 = parseLexBound(x.args[minIdx])
		lmax, ok2 = parseLexBound(x.args[maxIdx])
		if !ok1 || !ok2 {
			x.Err(errMinMaxLex)
			return res, false, false
		}
	}
	z, ok := x.zsetRead(x.args[k])
	if !ok {
		return res, false, false
	}
	if z == nil {
		return res, withScores, true
	}
	n := z.Len()
	collect := func(from, count int) {
		if count <= 0 {
			return
		}
		z.Iterate(from, rev, func(m string, s float64) bool {
			res.members = append(res.members, m)
			res.scores = append(res.scores, s)
			return len(res.members) < count
		})
	}
	switch kind {
	case zrRank:
		s, e, ok := listRange(start, end, n)
		if ok {
			collect(s, e-s+1)
		}
	default:
		var lo, hi int
		if kind == zrScore {
			lo, hi = zrangeSpan(z, belowMinScore(smin), withinMaxScore(smax))
		} else {
			lo, hi = zrangeSpan(z, belowMinLex(lmin), withinMaxLex(lmax))
		}
		if offset < 0 {
			return res, withScores, true
		}
		count := hi - lo
		if offset >= int64(count) {
			return res, withScores, true
		}
		count -= int(offset)
		if limit >= 0 && limit < int64(count) {
			count = int(limit)
		}
		from := lo + int(offset)
		if rev {
			from = n - hi + int(offset)
		}
		collect(from, count)
	}
	return res, withScores, true
}

// replyMembers writes a member list, with scores as RESP3 pairs or a flat
// RESP2 list when withScores.
func replyMembers(w *resp.Writer, members []string, scores []float64, withScores bool) {
	if !withScores {
		w.Array(len(members))
		for _, m := range members {
			w.BulkString(m)
		}
		return
	}
	if w.Proto >= 3 {
		w.Array(len(members))
	} else {
		w.Array(2 * len(members))
	}
	for i, m := range members {
		if w.Proto >= 3 {
			w.Array(2)
		}
		w.BulkString(m)
		w.Double(scores[i])
	}
}

func zrangeCommand(x *Ctx) {
	var kind int
	rev := false
	switch x.cmd.Name {
	case "zrange":
		kind = zrAuto
	case "zrevrange":
		kind, rev = zrRank, true
	case "zrangebyscore":
		kind = zrScore
	case "zrevrangebyscore":
		kind, rev = zrScore, true
	case "zrangebylex":
		kind = zrLex
	case "zrevrangebylex":
		kind, rev = zrLex, true
	}
	// The legacy forms fix kind and direction, so zrangeQuery refuses
	// BYSCORE/BYLEX/REV for them.
	res, ws, ok := x.zrangeQuery(1, kind, rev, false)
	if ok {
		replyMembers(x.w, res.members, res.scores, ws)
	}
}

func zrangestoreCommand(x *Ctx) {
	res, _, ok := x.zrangeQuery(2, zrAuto, false, true)
	if !ok {
		return
	}
	dst := x.args[1]
	x.storeZset(dst, res.members, res.scores, "zrangestore")
	x.w.Int(int64(len(res.members)))
}

// storeZset replaces dst with the given members (deleting it when empty).
func (x *Ctx) storeZset(dst []byte, members []string, scores []float64, event string) {
	if len(members) == 0 {
		if x.db.Delete(dst) {
			x.changed(dst, keyspace.NotifyGeneric, "del")
		}
		return
	}
	z := types.NewZSet()
	maxN, maxV := x.zsetLimits()
	for i, m := range members {
		z.Add([]byte(m), scores[i], maxN, maxV)
	}
	x.db.Set(dst, keyspace.Entry{Type: keyspace.TypeZSet, Obj: z, Access: x.newAccess()})
	x.changed(dst, keyspace.NotifyZSet, event)
}

func zremrangeCommand(x *Ctx) {
	key := x.args[1]
	var below, within func(float64, string) bool
	var start, end int64
	switch x.cmd.Name {
	case "zremrangebyrank":
		var ok1, ok2 bool
		start, ok1 = parseInt(x.args[2])
		end, ok2 = parseInt(x.args[3])
		if !ok1 || !ok2 {
			x.Err(errNotInt)
			return
		}
	case "zremrangebyscore":
		min, ok1 := parseScoreBound(x.args[2])
		max, ok2 := parseScoreBound(x.args[3])
		if !ok1 || !ok2 {
			x.Err(errMinMaxFloat)
			return
		}
		below, within = belowMinScore(min), withinMaxScore(max)
	default:
		min, ok1 := parseLexBound(x.args[2])
		max, ok2 := parseLexBound(x.args[3])
		if !ok1 || !ok2 {
			x.Err(errMinMaxLex)
			return
		}
		below, within = belowMinLex(min), withinMaxLex(max)
	}
	e, ok := x.lookupTypeWrite(key, keyspace.TypeZSet)
	if !ok {
		return
	}
	if e == nil {
		x.w.Int(0)
		return
	}
	z := zsetOf(e)
	var lo, hi int
	if below == nil {
		s, t, ok := listRange(start, end, z.Len())
		if !ok {
			x.w.Int(0)
			return
		}
		lo, hi = s, t+1
	} else {
		lo, hi = zrangeSpan(z, below, within)
	}
	if hi <= lo {
		x.w.Int(0)
		return
	}
	removed := z.RemoveRank(lo, hi-1)
	x.w.Int(int64(len(removed)))
	x.changed(key, keyspace.NotifyZSet, x.cmd.Name)
	x.deleteIfEmpty(key, z.Len())
}

// zpopFrom pops up to count members from the first existing sorted set
// among keys and writes the reply in one of Redis's shapes: emitKey adds
// the key in front; nested puts each pair in its own array. It reports
// whether it popped (false with nothing replied when no key exists) and
// whether it failed (WRONGTYPE replied).
func (x *Ctx) zpopFrom(keys [][]byte, max bool, count int64, emitKey, nested bool) (served, failed bool) {
	for _, key := range keys {
		e, ok := x.lookupTypeWrite(key, keyspace.TypeZSet)
		if !ok {
			return false, true
		}
		if e == nil {
			continue
		}
		z := zsetOf(e)
		n := int(min(count, int64(z.Len())))
		switch {
		case !nested && !emitKey:
			x.w.Array(2 * n)
		case nested && !emitKey:
			x.w.Array(n)
		case !nested && emitKey:
			x.w.Array(2*n + 1)
			x.w.Bulk(key)
		default:
			x.w.Array(2)
			x.w.Bulk(key)
			x.w.Array(n)
		}
		for i := 0; i < n; i++ {
			var m string
			var s float64
			z.Iterate(0, max, func(mm string, ss float64) bool { m, s = mm, ss; return false })
			z.Remove([]byte(m))
			if nested {
				x.w.Array(2)
			}
			x.w.BulkString(m)
			x.w.Double(s)
		}
		if max {
			x.changed(key, keyspace.NotifyZSet, "zpopmax")
		} else {
			x.changed(key, keyspace.NotifyZSet, "zpopmin")
		}
		if emitKey {
			// As Redis: BZPOP* propagates as ZPOP* key, [B]ZMPOP as
			// ZPOP* key count.
			if nested {
				x.propagateAs(popName(!max, "ZPOPMIN", "ZPOPMAX"), key, msArg(int64(n)))
			} else {
				x.propagateAs(popName(!max, "ZPOPMIN", "ZPOPMAX"), key)
			}
		}
		x.deleteIfEmpty(key, z.Len())
		return true, false
	}
	return false, false
}

func zpopCommand(x *Ctx) {
	if len(x.args) > 3 {
		x.Err(errSyntax)
		return
	}
	count := int64(-1)
	if len(x.args) == 3 {
		n, ok := parseInt(x.args[2])
		if !ok || n < 0 {
			x.Err(errMustPositive)
			return
		}
		count = n
	}
	max := x.cmd.Name == "zpopmax"
	nested := x.w.Proto > 2 && count != -1
	if count == 0 {
		if _, ok := x.lookupTypeWrite(x.args[1], keyspace.TypeZSet); ok {
			x.w.EmptyArray()
		}
		return
	}
	if count == -1 {
		count = 1
	}
	served, failed := x.zpopFrom(x.args[1:2], max, count, false, nested)
	if !served && !failed {
		x.w.EmptyArray()
	}
}

func parseMinMax(b []byte) (bool, bool) {
	switch {
	case eqFold(b, "min"):
		return true, true
	case eqFold(b, "max"):
		return false, true
	}
	return false, false
}

func zmpopCommand(x *Ctx) {
	a, ok := x.parseMpop(1, parseMinMax)
	if !ok {
		return
	}
	served, failed := x.zpopFrom(a.keys, !a.left, a.count, true, true)
	if !served && !failed {
		x.w.NullArray()
	}
}

func bzpopCommand(x *Ctx) {
	keys := x.args[1 : len(x.args)-1]
	deadline, ok := x.parseBlockTimeout(x.args[len(x.args)-1])
	if !ok {
		return
	}
	max := x.cmd.Name == "bzpopmax"
	served, failed := x.zpopFrom(x.orderKeys(keys), max, 1, true, false)
	if served || failed {
		return
	}
	x.block(keys, keyspace.TypeZSet, deadline, nullArrayReply)
}

func bzmpopCommand(x *Ctx) {
	deadline, ok := x.parseBlockTimeout(x.args[1])
	if !ok {
		return
	}
	a, ok := x.parseMpop(2, parseMinMax)
	if !ok {
		return
	}
	served, failed := x.zpopFrom(x.orderKeys(a.keys), !a.left, a.count, true, true)
	if served || failed {
		return
	}
	x.block(a.keys, keyspace.TypeZSet, deadline, nullArrayReply)
}

func zrandmemberCommand(x *Ctx) {
	if len(x.args) > 4 || len(x.args) == 4 && !eqFold(x.args[3], "withscores") {
		x.Err(errSyntax)
		return
	}
	withScores := len(x.args) == 4
	if len(x.args) == 2 {
		z, ok := x.zsetRead(x.args[1])
		if !ok {
			return
		}
		if z == nil {
			x.w.Null()
			return
		}
		var m string
		z.Iterate(x.s.rand().IntN(z.Len()), false, func(mm string, _ float64) bool { m = mm; return false })
		x.w.BulkString(m)
		return
	}
	count, ok := x.parseRandomCount(x.args[2], withScores)
	if !ok {
		return
	}
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil || count == 0 {
		x.w.EmptyArray()
		return
	}
	var members []string
	var scores []float64
	z.Iterate(0, false, func(m string, s float64) bool {
		members = append(members, m)
		scores = append(scores, s)
		return true
	})
	r := x.s.rand()
	var pm []string
	var ps []float64
	switch {
	case count < 0:
		size := int64(0)
		for i := int64(0); i < -count; i++ {
			if i%limitCheckEvery == 0 && x.outputOverLimit(size) {
				return
			}
			j := r.IntN(len(members))
			size += int64(len(members[j])) + 8
			pm = append(pm, members[j])
			ps = append(ps, scores[j])
		}
	case count >= int64(len(members)):
		pm, ps = members, scores
	default:
		for _, j := range r.Perm(len(members))[:count] {
			pm = append(pm, members[j])
			ps = append(ps, scores[j])
		}
	}
	replyMembers(x.w, pm, ps, withScores)
}

// zsetSource is an input of ZUNION/ZINTER/ZDIFF: a sorted set or a set
// (members scored 1), nil when the key is missing.
type zsetSource struct {
	z      *types.ZSet
	s      *types.Set
	weight float64
}

func (src *zsetSource) len() int {
	switch {
	case src.z != nil:
		return src.z.Len()
	case src.s != nil:
		return src.s.Len()
	}
	return 0
}

func (src *zsetSource) score(m []byte) (float64, bool) {
	switch {
	case src.z != nil:
		return src.z.Score(m)
	case src.s != nil:
		return 1, src.s.Contains(m)
	}
	return 0, false
}

func (src *zsetSource) each(fn func(m []byte, s float64) bool) {
	switch {
	case src.z != nil:
		src.z.ForEach(fn)
	case src.s != nil:
		src.s.ForEach(func(m []byte) bool { return fn(m, 1) })
	}
}

func aggregate(cur, v float64, how string) float64 {
	switch how {
	case "min":
		return math.Min(cur, v)
	case "max":
		return math.Max(cur, v)
	}
	s := cur + v
	if math.IsNaN(s) {
		return 0
	}
	return s
}

// zsetopCommand serves ZUNION, ZINTER, ZDIFF, ZINTERCARD and their STORE forms.
func zsetopCommand(x *Ctx) {
	name := x.cmd.Name
	store := name == "zunionstore" || name == "zinterstore" || name == "zdiffstore"
	card := name == "zintercard"
	op := name[1:5] // "unio", "inte", "diff"
	numIdx := 1
	if store {
		numIdx = 2
	}
	n, ok := parseInt(x.args[numIdx])
	if !ok {
		x.Err(errNotInt)
		return
	}
	if n < 1 {
		x.Err("ERR at least 1 input key is needed for '" + name + "' command")
		return
	}
	if n > int64(len(x.args)-numIdx-1) {
		x.Err(errSyntax)
		return
	}
	srcs := make([]zsetSource, n)
	j := numIdx + 1
	for i := range srcs {
		k := x.args[j]
		j++
		srcs[i].weight = 1
		e := x.lookupRead(k)
		if e == nil {
			continue
		}
		switch e.Type {
		case keyspace.TypeZSet:
			srcs[i].z = zsetOf(e)
		case keyspace.TypeSet:
			srcs[i].s = setOf(e)
		default:
			x.Err(errWrongType)
			return
		}
	}
	how := "sum"
	withScores := false
	limit := int64(0)
	for j < len(x.args) {
		left := len(x.args) - j
		a := x.args[j]
		switch {
		case op != "diff" && !card && left >= int(n)+1 && eqFold(a, "weights"):
			j++
			for i := range srcs {
				w, ok := parseScore(x.args[j])
				if !ok {
					x.Err(errWeightFloat)
					return
				}
				srcs[i].weight = w
				j++
			}
		case op != "diff" && !card && left >= 2 && eqFold(a, "aggregate"):
			switch {
			case eqFold(x.args[j+1], "sum"):
				how = "sum"
			case eqFold(x.args[j+1], "min"):
				how = "min"
			case eqFold(x.args[j+1], "max"):
				how = "max"
			default:
				x.Err(errSyntax)
				return
			}
			j += 2
		case !store && !card && eqFold(a, "withscores"):
			withScores = true
			j++
		case card && left >= 2 && eqFold(a, "limit"):
			l, ok := parseInt(x.args[j+1])
			if !ok || l < 0 {
				x.Err(errLimitNeg)
				return
			}
			limit = l
			j += 2
		default:
			x.Err(errSyntax)
			return
		}
	}
	res := types.NewZSet()
	const noLimit = 1 << 30
	add := func(m []byte, s float64) { res.Add(m, s, noLimit, noLimit) }
	switch op {
	case "unio":
		acc := map[string]float64{}
		var order []string
		for i := range srcs {
			w := srcs[i].weight
			srcs[i].each(func(m []byte, s float64) bool {
				v := w * s
				if math.IsNaN(v) {
					v = 0
				}
				if cur, ok := acc[string(m)]; ok {
					acc[string(m)] = aggregate(cur, v, how)
				} else {
					acc[string(m)] = v
					order = append(order, string(m))
				}
				return true
			})
		}
		for _, m := range order {
			add([]byte(m), acc[m])
		}
	case "inte":
		small := 0
		for i := range srcs {
			if srcs[i].len() < srcs[small].len() {
				small = i
			}
		}
		if srcs[small].len() > 0 {
			srcs[small].each(func(m []byte, s float64) bool {
				v := srcs[small].weight * s
				if math.IsNaN(v) {
					v = 0
				}
				for i := range srcs {
					if i == small {
						continue
					}
					o, ok := srcs[i].score(m)
					if !ok {
						return true
					}
					v = aggregate(v, srcs[i].weight*o, how)
				}
				add(m, v)
				return !card || limit == 0 || int64(res.Len()) < limit
			})
		}
	case "diff":
		srcs[0].each(func(m []byte, s float64) bool {
			for i := 1; i < len(srcs); i++ {
				if _, ok := srcs[i].score(m); ok {
					return true
				}
			}
			add(m, s)
			return true
		})
	}
	if card {
		x.w.Int(int64(res.Len()))
		return
	}
	var members []string
	var scores []float64
	res.ForEach(func(m []byte, s float64) bool {
		members = append(members, string(m))
		scores = append(scores, s)
		return true
	})
	if store {
		x.storeZset(x.args[1], members, scores, name)
		x.w.Int(int64(len(members)))
		return
	}
	replyMembers(x.w, members, scores, withScores)
}

func zscanCommand(x *Ctx) {
	cursor, ok := parseCursor(x.args[2])
	if !ok {
		x.Err(errInvalidCursor)
		return
	}
	o, ok := x.parseScanOptions(3, false)
	if !ok {
		return
	}
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	var out [][]byte
	var next uint64
	if z != nil {
		next = z.Scan(cursor, o.count, func(m []byte, s float64) {
			if o.pattern == nil || glob.MatchBytes(o.pattern, m, false) {
				out = append(out, append([]byte(nil), m...), resp.AppendDouble(nil, s))
			}
		})
	}
	x.w.Array(2)
	x.w.BulkString(strconv.FormatUint(next, 10))
	x.w.Array(len(out))
	for _, b := range out {
		x.w.Bulk(b)
	}
}
