package rdb

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/peregrinedb/peregrine/internal/encoding"
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

// Limits are the encoding thresholds applied while loading, so a value
// gets the encoding Redis would give it under the current configuration
// (a listpack past hash-max-listpack-entries loads as a hash table, and
// so on).
type Limits struct {
	HashMaxListpackEntries, HashMaxListpackValue int
	SetMaxIntsetEntries                          int
	ZSetMaxListpackEntries, ZSetMaxListpackValue int

	// Shallow decodes as Redis loads a value it does not deep-sanitize
	// (sanitize-dump-payload no): of a hash listpack or a stream's
	// listpacks only what Redis checks before storing the value is fatal
	// (the listpack header and terminator, and for a hash the duplicates
	// and damage Redis trips over when it converts the listpack to a hash
	// table). Damage Redis would only meet later, when a command walks the
	// value, is worked around instead: the entries before a corrupt one are
	// kept, a duplicate field keeps its first value, stream metadata that
	// disagrees with the entries kept is corrected. What was dropped or
	// fixed is reported to Warn. The stored value is always a consistent
	// one that DUMP writes and a deep-sanitizing RESTORE accepts back.
	Shallow bool
	// Warn receives one message per value a Shallow decode repaired.
	Warn func(msg string)
}

// ErrEmptyKey reports a collection with no elements, which Redis skips
// when loading (a key never holds an empty collection).
var ErrEmptyKey = errors.New("rdb: empty collection")

// errDuplicate reports an element present twice in one collection.
func errDuplicate(what string, elem []byte) error {
	return fmt.Errorf("rdb: duplicate %s %q in one value", what, elem)
}

// readValue decodes a value of type typ into an entry.
func readValue(r *reader, typ byte, lim *Limits) (keyspace.Entry, error) {
	r.salvaged = r.salvaged[:0]
	e, err := readValueOf(r, typ, lim)
	if err != nil {
		return e, integrityError(typ, err)
	}
	if len(r.salvaged) > 0 && lim.Warn != nil {
		lim.Warn(fmt.Sprintf("%s value damaged, stored what could be decoded (sanitize-dump-payload is no): %s",
			typeName(typ), strings.Join(r.salvaged, "; ")))
	}
	return e, nil
}

// typeName names a value type in messages.
func typeName(typ byte) string {
	switch typ {
	case TypeHashListpack:
		return "hash listpack"
	case TypeStreamListpacks, TypeStreamListpack2, TypeStreamListpack3:
		return "stream"
	}
	return fmt.Sprintf("type %d", typ)
}

// integrityError names the damage in a value encoded as one blob
// (ziplist, listpack, zipmap, intset) the way Redis's loader reports it
// ("hash ziplist integrity check failed: ..."): operators and Redis's
// corruption tests look for those words in the log. Truncated input and
// empty collections keep their own errors.
func integrityError(typ byte, err error) error {
	if errors.Is(err, ErrEmptyKey) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return err
	}
	var what string
	switch typ {
	case TypeListZiplist:
		what = "list ziplist"
	case TypeListQuicklist:
		what = "ziplist"
	case TypeListQuicklist2:
		what = "listpack"
	case TypeSetIntset:
		what = "intset"
	case TypeSetListpack:
		what = "set listpack"
	case TypeZSetZiplist:
		what = "zset ziplist"
	case TypeZSetListpack:
		what = "zset listpack"
	case TypeHashZipmap:
		what = "zipmap"
	case TypeHashZiplist:
		what = "hash ziplist"
	case TypeHashListpack:
		what = "hash listpack"
	case TypeStreamListpacks, TypeStreamListpack2, TypeStreamListpack3:
		if strings.Contains(err.Error(), "duplicate consumer ") {
			return fmt.Errorf("duplicate stream consumer detected: %w", err)
		}
		if !strings.Contains(err.Error(), "listpack") {
			return err
		}
		what = "stream listpack"
	default:
		return err
	}
	return fmt.Errorf("%s integrity check failed: %w", what, err)
}

// readValueOf decodes one value of type typ.
func readValueOf(r *reader, typ byte, lim *Limits) (keyspace.Entry, error) {
	switch typ {
	case TypeString:
		s, err := r.str()
		if err != nil {
			return keyspace.Entry{}, err
		}
		return keyspace.Entry{Type: keyspace.TypeString, Str: s, Enc: keyspace.StringEncoding(s)}, nil
	case TypeList, TypeListZiplist, TypeListQuicklist, TypeListQuicklist2:
		l, err := readList(r, typ)
		return collection(keyspace.TypeList, l, l.Len(), err)
	case TypeSet, TypeSetIntset, TypeSetListpack:
		s, err := readSet(r, typ, lim)
		return collection(keyspace.TypeSet, s, s.Len(), err)
	case TypeZSet, TypeZSet2, TypeZSetZiplist, TypeZSetListpack:
		z, err := readZSet(r, typ, lim)
		return collection(keyspace.TypeZSet, z, z.Len(), err)
	case TypeHash, TypeHashZipmap, TypeHashZiplist, TypeHashListpack:
		h, err := readHash(r, typ, lim)
		return collection(keyspace.TypeHash, h, h.Len(), err)
	case TypeModule, TypeModule2:
		return keyspace.Entry{}, errors.New("rdb: module values are not supported")
	case TypeStreamListpacks, TypeStreamListpack2, TypeStreamListpack3:
		return readStream(r, typ, lim)
	}
	return keyspace.Entry{}, fmt.Errorf("rdb: unknown value type %d at offset %d", typ, r.Offset()-1)
}

func collection(t keyspace.Type, obj any, n int, err error) (keyspace.Entry, error) {
	if err != nil {
		return keyspace.Entry{}, err
	}
	if n == 0 {
		return keyspace.Entry{}, ErrEmptyKey
	}
	return keyspace.Entry{Type: t, Obj: obj}, nil
}

// entryBytes turns a listpack/ziplist entry into bytes (integers in decimal).
func entryBytes(s []byte, n int64, isInt bool) []byte {
	if isInt {
		return strconv.AppendInt(nil, n, 10)
	}
	return append([]byte(nil), s...)
}

func readList(r *reader, typ byte) (*types.List, error) {
	l := types.NewList()
	push := func(s []byte, n int64, isInt bool) error {
		l.PushRight(entryBytes(s, n, isInt))
		return nil
	}
	switch typ {
	case TypeList:
		n, err := r.plainLen()
		if err != nil {
			return l, err
		}
		for i := uint64(0); i < n; i++ {
			v, err := r.str()
			if err != nil {
				return l, err
			}
			l.PushRight(v)
		}
	case TypeListZiplist:
		zl, err := r.str()
		if err != nil {
			return l, err
		}
		return l, encoding.ZiplistEach(zl, push)
	case TypeListQuicklist, TypeListQuicklist2:
		nodes, err := r.plainLen()
		if err != nil {
			return l, err
		}
		for i := uint64(0); i < nodes; i++ {
			container := uint64(containerPacked)
			if typ == TypeListQuicklist2 {
				if container, err = r.plainLen(); err != nil {
					return l, err
				}
			}
			blob, err := r.str()
			if err != nil {
				return l, err
			}
			if len(blob) == 0 {
				// Neither a plain nor a packed node can be empty (Redis
				// refuses a zero encoded length too).
				return l, errors.New("rdb: quicklist node of 0 bytes")
			}
			switch {
			case container == containerPlain:
				l.PushRight(blob)
			case container != containerPacked:
				return l, fmt.Errorf("rdb: unknown quicklist container %d", container)
			case typ == TypeListQuicklist:
				err = encoding.ZiplistEach(blob, push)
			default:
				var cnt int
				if cnt, err = encoding.ListpackLen(blob); err == nil && cnt == 0 {
					return l, errors.New("rdb: empty quicklist node")
				}
				if err == nil {
					err = encoding.ListpackEach(blob, push)
				}
			}
			if err != nil {
				return l, err
			}
		}
	}
	return l, nil
}

func readSet(r *reader, typ byte, lim *Limits) (*types.Set, error) {
	s := types.NewSet()
	add := func(m []byte) error {
		if !s.Add(m, lim.SetMaxIntsetEntries) {
			return errDuplicate("set member", m)
		}
		return nil
	}
	switch typ {
	case TypeSet:
		n, err := r.plainLen()
		if err != nil {
			return s, err
		}
		for i := uint64(0); i < n; i++ {
			m, err := r.str()
			if err != nil {
				return s, err
			}
			if err := add(m); err != nil {
				return s, err
			}
		}
	case TypeSetIntset:
		blob, err := r.str()
		if err != nil {
			return s, err
		}
		return s, encoding.IntsetEach(blob, func(n int64) error {
			return add(strconv.AppendInt(nil, n, 10))
		})
	case TypeSetListpack:
		blob, err := r.str()
		if err != nil {
			return s, err
		}
		return s, encoding.ListpackEach(blob, func(b []byte, n int64, isInt bool) error {
			return add(entryBytes(b, n, isInt))
		})
	}
	return s, nil
}

func readZSet(r *reader, typ byte, lim *Limits) (*types.ZSet, error) {
	z := types.NewZSet()
	add := func(m []byte, score float64) error {
		if math.IsNaN(score) {
			return fmt.Errorf("rdb: NaN score for sorted set member %q", m)
		}
		if !z.Add(m, score, lim.ZSetMaxListpackEntries, lim.ZSetMaxListpackValue) {
			return errDuplicate("sorted set member", m)
		}
		return nil
	}
	switch typ {
	case TypeZSet, TypeZSet2:
		n, err := r.plainLen()
		if err != nil {
			return z, err
		}
		for i := uint64(0); i < n; i++ {
			m, err := r.str()
			if err != nil {
				return z, err
			}
			var score float64
			if typ == TypeZSet2 {
				score, err = r.binaryDouble()
			} else {
				score, err = r.textDouble()
			}
			if err != nil {
				return z, err
			}
			if err := add(m, score); err != nil {
				return z, err
			}
		}
	case TypeZSetZiplist, TypeZSetListpack:
		blob, err := r.str()
		if err != nil {
			return z, err
		}
		// Entries alternate member, score. pending marks a member waiting
		// for its score (the member may be empty, so not member != nil).
		var member []byte
		pending := false
		each := encoding.ListpackEach
		if typ == TypeZSetZiplist {
			each = encoding.ZiplistEach
		}
		err = each(blob, func(b []byte, n int64, isInt bool) error {
			if !pending {
				member, pending = entryBytes(b, n, isInt), true
				return nil
			}
			score := float64(n)
			if !isInt {
				f, err := strconv.ParseFloat(string(b), 64)
				if err != nil {
					return fmt.Errorf("rdb: invalid score %q in a sorted set", b)
				}
				score = f
			}
			pending = false
			return add(member, score)
		})
		if err == nil && pending {
			err = errors.New("rdb: sorted set listpack has a member without a score")
		}
		return z, err
	}
	return z, nil
}

func readHash(r *reader, typ byte, lim *Limits) (*types.Hash, error) {
	h := types.NewHash()
	set := func(f, v []byte) error {
		if !h.Set(f, v, lim.HashMaxListpackEntries, lim.HashMaxListpackValue) {
			return errDuplicate("hash field", f)
		}
		return nil
	}
	switch typ {
	case TypeHash:
		n, err := r.plainLen()
		if err != nil {
			return h, err
		}
		for i := uint64(0); i < n; i++ {
			f, err := r.str()
			if err != nil {
				return h, err
			}
			v, err := r.str()
			if err != nil {
				return h, err
			}
			if err := set(f, v); err != nil {
				return h, err
			}
		}
	case TypeHashZipmap:
		blob, err := r.str()
		if err != nil {
			return h, err
		}
		return h, encoding.ZipmapEach(blob, func(k, v []byte) error {
			return set(append([]byte(nil), k...), append([]byte(nil), v...))
		})
	case TypeHashZiplist, TypeHashListpack:
		blob, err := r.str()
		if err != nil {
			return h, err
		}
		if typ == TypeHashListpack && lim.Shallow {
			return readHashListpackShallow(r, blob, lim)
		}
		// Entries alternate field, value; the field may be empty.
		var field []byte
		pending := false
		each := encoding.ListpackEach
		if typ == TypeHashZiplist {
			each = encoding.ZiplistEach
		}
		err = each(blob, func(b []byte, n int64, isInt bool) error {
			if !pending {
				field, pending = entryBytes(b, n, isInt), true
				return nil
			}
			pending = false
			return set(field, entryBytes(b, n, isInt))
		})
		if err == nil && pending {
			err = errors.New("rdb: hash listpack has a field without a value")
		}
		return h, err
	}
	return h, nil
}
