package server

import (
	"math/rand/v2"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

// HyperLogLog commands. The values are plain strings in Redis's HLL layout
// (internal/types/hll.go), so GET, SET, APPEND and RDB files see exactly
// the bytes Redis would have.

// HyperLogLog error replies, worded as Redis words them.
const (
	errHLLWrongType = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errHLLInvalid   = "INVALIDOBJ Corrupted HLL object detected"
	errHLLNoKey     = "ERR The specified key does not exist"
	errHLLNotSparse = "ERR HLL encoding is not sparse"
)

func hllCommands() []*Command {
	return []*Command{
		spec("pfadd", -2, "write denyoom fast", 1, 1, 1, "hyperloglog", pfaddCommand),
		spec("pfcount", -2, "readonly may_replicate", 1, -1, 1, "hyperloglog", pfcountCommand),
		spec("pfmerge", -2, "write denyoom", 1, -1, 1, "hyperloglog", pfmergeCommand),
		spec("pfdebug", 3, "write denyoom admin", 2, 2, 1, "hyperloglog", pfdebugCommand),
		spec("pfselftest", 1, "admin", 0, 0, 0, "hyperloglog", pfselftestCommand),
	}
}

// hllEntry checks that an existing entry holds a HyperLogLog, replying
// the error Redis gives when it does not.
func (x *Ctx) hllEntry(e *keyspace.Entry) bool {
	if e.Type != keyspace.TypeString {
		x.Err(errWrongType)
		return false
	}
	if e.Enc == keyspace.EncInt || !types.IsHLL(e.Str) {
		x.Err(errHLLWrongType)
		return false
	}
	return true
}

// hllSparseMax is hll-sparse-max-bytes.
func (x *Ctx) hllSparseMax() int { return int(x.s.cfg.Int("hll-sparse-max-bytes")) }

// newHLL stores an empty HyperLogLog under key, which the caller knows
// is absent.
func (x *Ctx) newHLL(key []byte) *keyspace.Entry {
	return x.db.Set(key, keyspace.Entry{Type: keyspace.TypeString, Str: types.NewHLL(), Enc: keyspace.EncRaw, Access: x.newAccess()})
}

func pfaddCommand(x *Ctx) {
	key := x.args[1]
	e := x.lookupWrite(key)
	updated := 0
	if e == nil {
		e = x.newHLL(key)
		updated++
	} else {
		if !x.hllEntry(e) {
			return
		}
		e.Enc = keyspace.EncRaw // Redis unshares the value: never embstr afterwards
	}
	sparseMax := x.hllSparseMax()
	for _, ele := range x.args[2:] {
		v, changed, err := types.HLLAdd(e.Str, ele, sparseMax)
		oldCap := cap(e.Str)
		e.Str = v
		x.db.Resized(e, oldCap)
		if err != nil {
			x.Err(errHLLInvalid)
			return
		}
		if changed {
			updated++
		}
	}
	if updated == 0 {
		x.w.Int(0)
		return
	}
	types.HLLInvalidateCache(e.Str)
	x.changed(key, keyspace.NotifyString, "pfadd")
	x.s.ks.Dirty += int64(updated - 1) // Redis counts every changed register
	x.w.Int(1)
}

func pfcountCommand(x *Ctx) {
	if len(x.args) > 2 {
		// The union of several HyperLogLogs, computed without storing it.
		var max [types.HLLRegisters]uint8
		for _, key := range x.args[1:] {
			e := x.lookupRead(key)
			if e == nil {
				continue
			}
			if !x.hllEntry(e) {
				return
			}
			if types.HLLMergeMax(&max, e.Str) != nil {
				x.Err(errHLLInvalid)
				return
			}
		}
		x.w.Int(int64(types.HLLCountRegisters(&max)))
		return
	}
	key := x.args[1]
	e := x.lookupRead(key)
	if e == nil {
		x.w.Int(0)
		return
	}
	if !x.hllEntry(e) {
		return
	}
	e.Enc = keyspace.EncRaw
	if card, ok := types.HLLCachedCount(e.Str); ok {
		x.w.Int(int64(card))
		return
	}
	card, err := types.HLLCount(e.Str)
	if err != nil {
		x.Err(errHLLInvalid)
		return
	}
	// Storing the estimate changes the string: a running snapshot keeps
	// the old bytes, and the change counts as a write (WATCH, tracking,
	// propagation of PFCOUNT itself), without a keyspace event, as in
	// Redis.
	x.db.Preserve(key)
	types.HLLSetCachedCount(e.Str, card)
	x.changed(key, 0, "")
	x.w.Int(int64(card))
}

func pfmergeCommand(x *Ctx) {
	var max [types.HLLRegisters]uint8
	dense := false
	for _, key := range x.args[1:] {
		e := x.lookupRead(key)
		if e == nil {
			continue
		}
		if !x.hllEntry(e) {
			return
		}
		if e.Str[4] == types.HLLDense {
			dense = true
		}
		if types.HLLMergeMax(&max, e.Str) != nil {
			x.Err(errHLLInvalid)
			return
		}
	}
	dest := x.args[1]
	e := x.lookupWrite(dest)
	if e == nil {
		e = x.newHLL(dest)
	}
	e.Enc = keyspace.EncRaw
	if dense {
		d, err := types.HLLToDense(e.Str)
		if err != nil {
			x.Err(errHLLInvalid)
			return
		}
		oldCap := cap(e.Str)
		e.Str = d
		x.db.Resized(e, oldCap)
	}
	sparseMax := x.hllSparseMax()
	for i, v := range max {
		if v != 0 {
			// The destination took part in the merge, so it decodes:
			// like Redis, an error here is not possible and not checked.
			oldCap := cap(e.Str)
			e.Str, _, _ = types.HLLRaise(e.Str, i, v, sparseMax)
			x.db.Resized(e, oldCap)
		}
	}
	types.HLLInvalidateCache(e.Str)
	x.changed(dest, keyspace.NotifyString, "pfadd")
	x.w.OK()
}

func pfdebugCommand(x *Ctx) {
	sub, key := x.args[1], x.args[2]
	e := x.lookupWrite(key)
	if e == nil {
		x.Err(errHLLNoKey)
		return
	}
	if !x.hllEntry(e) {
		return
	}
	e.Enc = keyspace.EncRaw
	switch {
	case eqFold(sub, "getreg"):
		if e.Str[4] == types.HLLSparse {
			if !x.hllToDense(e) {
				return
			}
		}
		regs := e.Str[types.HLLHeaderSize:]
		x.w.Array(types.HLLRegisters)
		for i := 0; i < types.HLLRegisters; i++ {
			x.w.Int(int64(types.HLLDenseGet(regs, i)))
		}
	case eqFold(sub, "decode"):
		if e.Str[4] != types.HLLSparse {
			x.Err(errHLLNotSparse)
			return
		}
		x.w.BulkString(types.HLLDecode(e.Str))
	case eqFold(sub, "encoding"):
		if e.Str[4] == types.HLLDense {
			x.w.Simple("dense")
		} else {
			x.w.Simple("sparse")
		}
	case eqFold(sub, "todense"):
		if e.Str[4] != types.HLLSparse {
			x.w.Int(0)
			return
		}
		if x.hllToDense(e) {
			x.w.Int(1)
		}
	default:
		x.Err("ERR Unknown PFDEBUG subcommand '" + string(sub) + "'")
	}
}

// hllToDense converts a sparse entry to dense for PFDEBUG, replying the
// error when its registers do not decode. The conversion counts as a
// change (it propagates) but, as in Redis, touches no WATCH and sends no
// event.
func (x *Ctx) hllToDense(e *keyspace.Entry) bool {
	d, err := types.HLLToDense(e.Str)
	if err != nil {
		x.Err(errHLLInvalid)
		return false
	}
	oldCap := cap(e.Str)
	e.Str = d
	x.db.Resized(e, oldCap)
	x.s.ks.Dirty++
	return true
}

func pfselftestCommand(x *Ctx) {
	rnd := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	if err := types.HLLSelfTest(rnd.Uint64, x.hllSparseMax()); err != nil {
		x.Err(err.Error())
		return
	}
	x.w.OK()
}
