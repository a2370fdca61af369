package server

import (
	"time"

	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// Hash-field expiration as in Redis 7.4: HEXPIRE/HPEXPIRE/HEXPIREAT/
// HPEXPIREAT set a field's expiry (NX/XX/GT/LT), HTTL/HPTTL/HEXPIRETIME/
// HPEXPIRETIME read it, HPERSIST removes it. Expired fields are never
// returned (every hash command drops them first) and the server cron
// reclaims them from hashes nobody reads.

const (
	errHFieldsMissing = "ERR Mandatory argument FIELDS is missing or not at the right position"
	errHNumFields     = "ERR Parameter `numFields` should be greater than 0"
	errHNumMismatch   = "ERR The `numfields` parameter must match the number of arguments"
)

// parseHashFields parses "FIELDS numfields field..." at args[i:].
func (x *Ctx) parseHashFields(i int) ([][]byte, bool) {
	if i >= len(x.args) || !eqFold(x.args[i], "fields") || i+1 >= len(x.args) {
		x.Err(errHFieldsMissing)
		return nil, false
	}
	n, ok := parseInt(x.args[i+1])
	if !ok || n <= 0 {
		x.Err(errHNumFields)
		return nil, false
	}
	if n != int64(len(x.args)-i-2) {
		x.Err(errHNumMismatch)
		return nil, false
	}
	return x.args[i+2:], true
}

func hexpireCommand(x *Ctx) {
	name := x.cmd.Name
	t, ok := parseInt(x.args[2])
	if !ok {
		x.Err(errNotInt)
		return
	}
	if t < 0 || t > 1<<48 {
		x.Err("ERR invalid expire time, must be >= 0 and <= 2^48")
		return
	}
	var at int64
	switch name {
	case "hexpire":
		at = x.now + t*1000
	case "hpexpire":
		at = x.now + t
	case "hexpireat":
		at = t * 1000
	default:
		at = t
	}
	i := 3
	cond := ""
	if i < len(x.args) {
		for _, c := range []string{"nx", "xx", "gt", "lt"} {
			if eqFold(x.args[i], c) {
				cond = c
				i++
				break
			}
		}
	}
	fields, ok := x.parseHashFields(i)
	if !ok {
		return
	}
	key := x.args[1]
	h, ok := x.lookupHash(key, true)
	if !ok {
		return
	}
	x.w.Array(len(fields))
	if h == nil {
		for range fields {
			x.w.Int(-2)
		}
		return
	}
	set, deleted := 0, 0
	for _, f := range fields {
		if _, exists := h.Get(f); !exists {
			x.w.Int(-2)
			continue
		}
		cur := h.TTL(f)
		okCond := true
		switch cond {
		case "nx":
			okCond = cur == 0
		case "xx":
			okCond = cur != 0
		case "gt":
			okCond = cur != 0 && at > cur
		case "lt":
			okCond = cur == 0 || at < cur
		}
		if !okCond {
			x.w.Int(0)
			continue
		}
		if at <= x.now {
			h.Delete(f)
			deleted++
			x.w.Int(2)
			continue
		}
		h.SetTTL(f, at)
		set++
		x.w.Int(1)
	}
	if set > 0 {
		x.changed(key, keyspace.NotifyHash, "hexpire")
		if x.s.hfe == nil {
			x.s.hfe = map[blockKey]struct{}{}
		}
		x.s.hfe[blockKey{x.db.ID, string(key)}] = struct{}{}
	}
	if deleted > 0 {
		x.changed(key, keyspace.NotifyHash, "hdel")
		x.deleteIfEmpty(key, h.Len())
	}
}

func httlCommand(x *Ctx) {
	fields, ok := x.parseHashFields(2)
	if !ok {
		return
	}
	h, ok := x.lookupHash(x.args[1], false)
	if !ok {
		return
	}
	x.w.Array(len(fields))
	for _, f := range fields {
		if h == nil {
			x.w.Int(-2)
			continue
		}
		if _, exists := h.Get(f); !exists {
			x.w.Int(-2)
			continue
		}
		at := h.TTL(f)
		if at == 0 {
			x.w.Int(-1)
			continue
		}
		switch x.cmd.Name {
		case "httl":
			x.w.Int((at - x.now + 500) / 1000)
		case "hpttl":
			x.w.Int(at - x.now)
		case "hexpiretime":
			x.w.Int(at / 1000)
		default:
			x.w.Int(at)
		}
	}
}

func hpersistCommand(x *Ctx) {
	fields, ok := x.parseHashFields(2)
	if !ok {
		return
	}
	key := x.args[1]
	h, ok := x.lookupHash(key, true)
	if !ok {
		return
	}
	x.w.Array(len(fields))
	n := 0
	for _, f := range fields {
		if h == nil {
			x.w.Int(-2)
			continue
		}
		if _, exists := h.Get(f); !exists {
			x.w.Int(-2)
			continue
		}
		if h.TTL(f) == 0 {
			x.w.Int(-1)
			continue
		}
		h.SetTTL(f, 0)
		n++
		x.w.Int(1)
	}
	if n > 0 {
		x.changed(key, keyspace.NotifyHash, "hpersist")
	}
}

// expireHashFieldsCycle reclaims expired hash fields nobody reads, within
// budget (the cron calls it with the keyspace lock held).
func (s *Server) expireHashFieldsCycle(budget time.Duration) {
	if len(s.hfe) == 0 {
		return
	}
	start := time.Now()
	now := start.UnixMilli()
	for bk := range s.hfe {
		if time.Since(start) > budget {
			return
		}
		db := s.ks.DB(bk.db)
		key := []byte(bk.key)
		e := db.Peek(key)
		if e == nil || e.Type != keyspace.TypeHash || !hashOf(e).HasTTLs() {
			delete(s.hfe, bk)
			continue
		}
		h := hashOf(e)
		if s.ks.Snapshotting() && h.MinTTL() <= now {
			db.Preserve(key) // the snapshot keeps the fields as they were
		}
		if h.ExpireFields(now) > 0 {
			db.Changed(key, keyspace.NotifyHash, "hexpired")
			if h.Len() == 0 {
				db.Delete(key)
				db.Changed(key, keyspace.NotifyGeneric, "del")
				delete(s.hfe, bk)
			}
		}
	}
}
