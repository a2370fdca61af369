package server

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/peregrinedb/peregrine/internal/glob"
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

// Error replies of the hash family.
const (
	errHashNotInt   = "ERR hash value is not an integer"
	errHashNotFloat = "ERR hash value is not a float"
	errOutOfRange   = "ERR value is out of range"
)

func hashCommands() []*Command {
	return []*Command{
		spec("hset", -4, "write denyoom fast", 1, 1, 1, "hash", hsetCommand),
		spec("hmset", -4, "write denyoom fast", 1, 1, 1, "hash", hsetCommand),
		spec("hsetnx", 4, "write denyoom fast", 1, 1, 1, "hash", hsetnxCommand),
		spec("hget", 3, "readonly fast", 1, 1, 1, "hash", hgetCommand),
		spec("hmget", -3, "readonly fast", 1, 1, 1, "hash", hmgetCommand),
		spec("hgetall", 2, "readonly", 1, 1, 1, "hash", hgetallCommand),
		spec("hkeys", 2, "readonly", 1, 1, 1, "hash", hkeysCommand),
		spec("hvals", 2, "readonly", 1, 1, 1, "hash", hvalsCommand),
		spec("hdel", -3, "write fast", 1, 1, 1, "hash", hdelCommand),
		spec("hlen", 2, "readonly fast", 1, 1, 1, "hash", hlenCommand),
		spec("hexists", 3, "readonly fast", 1, 1, 1, "hash", hexistsCommand),
		spec("hstrlen", 3, "readonly fast", 1, 1, 1, "hash", hstrlenCommand),
		spec("hincrby", 4, "write denyoom fast", 1, 1, 1, "hash", hincrbyCommand),
		spec("hincrbyfloat", 4, "write denyoom fast", 1, 1, 1, "hash", hincrbyfloatCommand),
		spec("hrandfield", -2, "readonly", 1, 1, 1, "hash", hrandfieldCommand),
		spec("hscan", -3, "readonly", 1, 1, 1, "hash", hscanCommand),
		// Redis 7.4 hash-field expiration.
		spec("hexpire", -6, "write denyoom fast", 1, 1, 1, "hash", hexpireCommand),
		spec("hpexpire", -6, "write denyoom fast", 1, 1, 1, "hash", hexpireCommand),
		spec("hexpireat", -6, "write denyoom fast", 1, 1, 1, "hash", hexpireCommand),
		spec("hpexpireat", -6, "write denyoom fast", 1, 1, 1, "hash", hexpireCommand),
		spec("httl", -5, "readonly fast", 1, 1, 1, "hash", httlCommand),
		spec("hpttl", -5, "readonly fast", 1, 1, 1, "hash", httlCommand),
		spec("hexpiretime", -5, "readonly fast", 1, 1, 1, "hash", httlCommand),
		spec("hpexpiretime", -5, "readonly fast", 1, 1, 1, "hash", httlCommand),
		spec("hpersist", -5, "write fast", 1, 1, 1, "hash", hpersistCommand),
	}
}

// hashOf returns the hash stored in e.
func hashOf(e *keyspace.Entry) *types.Hash { return e.Obj.(*types.Hash) }

// lookupHash finds key's hash for a command, first dropping fields whose
// expiry has passed (deleting the key if none is left). Missing: (nil,
// true); wrong type: WRONGTYPE replied, (nil, false).
func (x *Ctx) lookupHash(key []byte, write bool) (*types.Hash, bool) {
	var e *keyspace.Entry
	var ok bool
	if write {
		e, ok = x.lookupTypeWrite(key, keyspace.TypeHash)
	} else {
		e, ok = x.lookupTypeRead(key, keyspace.TypeHash)
	}
	if !ok || e == nil {
		return nil, ok
	}
	h := hashOf(e)
	if h.HasTTLs() && x.expireHashFields(key, h) {
		return nil, true
	}
	return h, true
}

// expireHashFields removes key's expired fields, reporting "hexpired" and
// the key's deletion; it returns true when the key is gone.
func (x *Ctx) expireHashFields(key []byte, h *types.Hash) bool {
	if h.ExpireFields(x.now) > 0 {
		x.changed(key, keyspace.NotifyHash, "hexpired")
		return x.deleteIfEmpty(key, h.Len())
	}
	return false
}

func (x *Ctx) hashLimits() (int, int) {
	return int(x.s.live.hashMaxEntries.Load()), int(x.s.live.hashMaxValue.Load())
}

// hashForWrite returns key's hash, creating it if missing.
func (x *Ctx) hashForWrite(key []byte) (*types.Hash, bool) {
	h, ok := x.lookupHash(key, true)
	if !ok || h != nil {
		return h, ok
	}
	h = types.NewHash()
	x.addCollection(key, keyspace.TypeHash, h)
	return h, true
}

func hsetCommand(x *Ctx) {
	if len(x.args)%2 != 0 {
		x.ErrArity()
		return
	}
	key := x.args[1]
	h, ok := x.hashForWrite(key)
	if !ok {
		return
	}
	maxN, maxV := x.hashLimits()
	if pairs := (len(x.args) - 2) / 2; pairs > 1 && h.IsCompact() && h.Len()+pairs <= maxN {
		extra := 0
		for i := 2; i < len(x.args); i += 2 {
			extra += types.HashPairSize(x.args[i], x.args[i+1])
		}
		h.Grow(extra)
	}
	added := 0
	for i := 2; i < len(x.args); i += 2 {
		if h.Set(x.args[i], x.args[i+1], maxN, maxV) {
			added++
		}
	}
	if x.cmd.Name == "hmset" {
		x.w.OK()
	} else {
		x.w.Int(int64(added))
	}
	x.changed(key, keyspace.NotifyHash, "hset")
}

func hsetnxCommand(x *Ctx) {
	key := x.args[1]
	h, ok := x.hashForWrite(key)
	if !ok {
		return
	}
	if _, exists := h.Get(x.args[2]); exists {
		x.w.Int(0)
		return
	}
	maxN, maxV := x.hashLimits()
	h.Set(x.args[2], x.args[3], maxN, maxV)
	x.w.Int(1)
	x.changed(key, keyspace.NotifyHash, "hset")
}

func hgetCommand(x *Ctx) {
	h, ok := x.lookupHash(x.args[1], false)
	if !ok {
		return
	}
	if h == nil {
		x.w.Null()
		return
	}
	if v, ok := h.Get(x.args[2]); ok {
		x.w.Bulk(v)
		return
	}
	x.w.Null()
}

func hmgetCommand(x *Ctx) {
	h, ok := x.lookupHash(x.args[1], false)
	if !ok {
		return
	}
	x.w.Array(len(x.args) - 2)
	for _, f := range x.args[2:] {
		if h != nil {
			if v, ok := h.Get(f); ok {
				x.w.Bulk(v)
				continue
			}
		}
		x.w.Null()
	}
}

// hashReply writes a hash's fields, values or both (a map for both).
func (x *Ctx) hashReply(fields, values bool) {
	h, ok := x.lookupHash(x.args[1], false)
	if !ok {
		return
	}
	if h == nil {
		if fields && values {
			x.w.Map(0)
		} else {
			x.w.EmptyArray()
		}
		return
	}
	if fields && values {
		x.w.Map(h.Len())
	} else {
		x.w.Array(h.Len())
	}
	h.ForEach(func(f, v []byte) bool {
		if fields {
			x.w.Bulk(f)
		}
		if values {
			x.w.Bulk(v)
		}
		return true
	})
}

func hgetallCommand(x *Ctx) { x.hashReply(true, true) }
func hkeysCommand(x *Ctx)   { x.hashReply(true, false) }
func hvalsCommand(x *Ctx)   { x.hashReply(false, true) }

func hdelCommand(x *Ctx) {
	key := x.args[1]
	h, ok := x.lookupHash(key, true)
	if !ok {
		return
	}
	if h == nil {
		x.w.Int(0)
		return
	}
	n := 0
	for _, f := range x.args[2:] {
		if h.Delete(f) {
			n++
			if h.Len() == 0 {
				break
			}
		}
	}
	x.w.Int(int64(n))
	if n > 0 {
		x.changed(key, keyspace.NotifyHash, "hdel")
		x.deleteIfEmpty(key, h.Len())
	}
}

func hlenCommand(x *Ctx) {
	h, ok := x.lookupHash(x.args[1], false)
	if !ok {
		return
	}
	if h == nil {
		x.w.Int(0)
		return
	}
	x.w.Int(int64(h.Len()))
}

func hexistsCommand(x *Ctx) {
	h, ok := x.lookupHash(x.args[1], false)
	if !ok {
		return
	}
	if h != nil {
		if _, ok := h.Get(x.args[2]); ok {
			x.w.Int(1)
			return
		}
	}
	x.w.Int(0)
}

func hstrlenCommand(x *Ctx) {
	h, ok := x.lookupHash(x.args[1], false)
	if !ok {
		return
	}
	if h != nil {
		if v, ok := h.Get(x.args[2]); ok {
			x.w.Int(int64(len(v)))
			return
		}
	}
	x.w.Int(0)
}

func hincrbyCommand(x *Ctx) {
	incr, ok := parseInt(x.args[3])
	if !ok {
		x.Err(errNotInt)
		return
	}
	key := x.args[1]
	h, ok := x.hashForWrite(key)
	if !ok {
		return
	}
	var cur int64
	if v, exists := h.Get(x.args[2]); exists {
		if cur, ok = parseInt(v); !ok {
			x.Err(errHashNotInt)
			x.deleteIfEmpty(key, h.Len())
			return
		}
	}
	if incr < 0 && cur < 0 && incr < math.MinInt64-cur || incr > 0 && cur > 0 && incr > math.MaxInt64-cur {
		x.Err(errOverflow)
		x.deleteIfEmpty(key, h.Len())
		return
	}
	cur += incr
	maxN, maxV := x.hashLimits()
	h.Set(x.args[2], strconv.AppendInt(nil, cur, 10), maxN, maxV)
	x.w.Int(cur)
	x.changed(key, keyspace.NotifyHash, "hincrby")
}

func hincrbyfloatCommand(x *Ctx) {
	in, ok := parseLongDouble(x.args[3])
	if !ok {
		x.Err(errNotFloat)
		return
	}
	if in.IsInf() {
		x.Err("ERR value is NaN or Infinity")
		return
	}
	key := x.args[1]
	h, ok := x.hashForWrite(key)
	if !ok {
		return
	}
	cur, exists := h.Get(x.args[2])
	if exists && cur == nil {
		cur = []byte{} // an empty value is present, not missing (nil means 0)
	}
	s, errMsg := longDoubleAdd(cur, x.args[3], errHashNotFloat)
	if errMsg != "" {
		x.Err(errMsg)
		x.deleteIfEmpty(key, h.Len())
		return
	}
	maxN, maxV := x.hashLimits()
	h.Set(x.args[2], []byte(s), maxN, maxV)
	x.w.BulkString(s)
	x.changed(key, keyspace.NotifyHash, "hincrbyfloat")
}

// hrandfieldCommand follows Redis's cases: no count (one field), a
// negative count (repetitions allowed), a count covering the hash (all of
// it), and distinct random fields otherwise.
func hrandfieldCommand(x *Ctx) {
	if len(x.args) > 4 || len(x.args) == 4 && !eqFold(x.args[3], "withvalues") {
		x.Err(errSyntax)
		return
	}
	withValues := len(x.args) == 4
	if len(x.args) == 2 {
		h, ok := x.lookupHash(x.args[1], false)
		if !ok {
			return
		}
		if h == nil {
			x.w.Null()
			return
		}
		fs, _ := h.RandomPairs(1, x.s.rand())
		x.w.Bulk(fs[0])
		return
	}
	count, ok := x.parseRandomCount(x.args[2], withValues)
	if !ok {
		return
	}
	h, ok := x.lookupHash(x.args[1], false)
	if !ok {
		return
	}
	if h == nil || count == 0 {
		x.w.EmptyArray()
		return
	}
	r := x.s.rand()
	pairHeader := func() {
		if withValues && x.w.Proto >= 3 {
			x.w.Array(2)
		}
	}
	arrayLen := func(n int) {
		if withValues && x.w.Proto < 3 {
			x.w.Array(2 * n)
		} else {
			x.w.Array(n)
		}
	}
	fs, vs := h.Pairs()
	if count < 0 {
		n := int(-count)
		arrayLen(n)
		for i := 0; i < n; i++ {
			if i%limitCheckEvery == 0 && x.replyOverLimit() {
				return
			}
			j := r.IntN(len(fs))
			pairHeader()
			x.w.Bulk(fs[j])
			if withValues {
				x.w.Bulk(vs[j])
			}
		}
		return
	}
	if count >= int64(len(fs)) {
		arrayLen(len(fs))
		for i := range fs {
			pairHeader()
			x.w.Bulk(fs[i])
			if withValues {
				x.w.Bulk(vs[i])
			}
		}
		return
	}
	pf, pv := h.RandomPairs(int(count), r)
	arrayLen(len(pf))
	for i := range pf {
		pairHeader()
		x.w.Bulk(pf[i])
		if withValues {
			x.w.Bulk(pv[i])
		}
	}
}

func hscanCommand(x *Ctx) {
	cursor, ok := parseCursor(x.args[2])
	if !ok {
		x.Err(errInvalidCursor)
		return
	}
	o, ok := x.parseScanOptions(3, false)
	if !ok {
		return
	}
	h, ok := x.lookupHash(x.args[1], false)
	if !ok {
		return
	}
	var out [][]byte
	var next uint64
	if h != nil {
		next = h.Scan(cursor, o.count, func(f, v []byte) {
			if o.pattern != nil && !glob.MatchBytes(o.pattern, f, false) {
				return
			}
			out = append(out, f, v)
		})
	}
	x.w.Array(2)
	x.w.BulkString(strconv.FormatUint(next, 10))
	x.w.Array(len(out))
	for _, b := range out {
		x.w.Bulk(b)
	}
}

// rand returns the server's random source for sampling commands.
func (s *Server) rand() *rand.Rand {
	if s.rnd == nil {
		s.rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return s.rnd
}
