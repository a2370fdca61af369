package rdb

import (
	"fmt"

	"github.com/peregrinedb/peregrine/internal/encoding"
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/resp"
	"github.com/peregrinedb/peregrine/internal/types"
)

// WriteOptions are the settings that shape what is written.
type WriteOptions struct {
	// Compress LZF-compresses strings longer than 20 bytes (rdbcompression).
	Compress bool
	// ListMaxListpackSize is list-max-listpack-size: the size (negative:
	// -1 is 4 KB ... -5 is 64 KB) or element count (positive) of each
	// quicklist node written.
	ListMaxListpackSize int
}

// AppendValue appends the type byte and the serialized value of e.
func AppendValue(b []byte, e *keyspace.Entry, o *WriteOptions) ([]byte, error) {
	typ, ok := valueType(e)
	if !ok {
		return b, fmt.Errorf("rdb: cannot serialize a value of type %s", e.Type)
	}
	return appendValueBody(append(b, typ), e, o), nil
}

// valueType is the RDB type byte e is written with.
func valueType(e *keyspace.Entry) (byte, bool) {
	switch e.Type {
	case keyspace.TypeString:
		return TypeString, true
	case keyspace.TypeList:
		return TypeListQuicklist2, true
	case keyspace.TypeSet:
		if e.Obj.(*types.Set).Encoding() == "intset" {
			return TypeSetIntset, true
		}
		return TypeSet, true
	case keyspace.TypeZSet:
		if e.Obj.(*types.ZSet).Encoding() == "listpack" {
			return TypeZSetListpack, true
		}
		return TypeZSet2, true
	case keyspace.TypeHash:
		if e.Obj.(*types.Hash).IsCompact() {
			return TypeHashListpack, true
		}
		return TypeHash, true
	case keyspace.TypeStream:
		return TypeStreamListpack2, true
	}
	return 0, false
}

// appendValueBody appends the value of e in the form valueType names.
func appendValueBody(b []byte, e *keyspace.Entry, o *WriteOptions) []byte {
	switch e.Type {
	case keyspace.TypeString:
		return AppendString(b, e.Str, o.Compress)
	case keyspace.TypeList:
		return appendList(b, e.Obj.(*types.List), o)
	case keyspace.TypeSet:
		return appendSet(b, e.Obj.(*types.Set), o)
	case keyspace.TypeZSet:
		return appendZSet(b, e.Obj.(*types.ZSet), o)
	case keyspace.TypeHash:
		return appendHash(b, e.Obj.(*types.Hash), o)
	case keyspace.TypeStream:
		return appendStream(b, e.Obj.(*types.Stream), o)
	}
	return b
}

// appendList writes a list as Redis 7 does: a quicklist of listpack nodes.
func appendList(b []byte, l *types.List, o *WriteOptions) []byte {
	maxBytes, maxCount := 8192, 0
	if n := o.ListMaxListpackSize; n < 0 {
		if n < -5 {
			n = -5
		}
		maxBytes = 4096 << (-n - 1)
	} else if n > 0 {
		maxCount = n
	}
	var nodes [][]byte
	lp := encoding.NewListpackBuilder(256)
	size := 0
	l.Range(0, l.Len()-1, func(v []byte) bool {
		// An entry costs at most its length plus 14 bytes of header
		// and back-length: close the node before it would overflow.
		cost := len(v) + 14
		if lp.Len() > 0 && (maxCount > 0 && lp.Len() >= maxCount || size+cost > maxBytes) {
			nodes = append(nodes, lp.Bytes())
			lp.Reset()
			size = 0
		}
		lp.Append(v)
		size += cost
		return true
	})
	if lp.Len() > 0 {
		nodes = append(nodes, lp.Bytes())
	}
	b = AppendLen(b, uint64(len(nodes)))
	for _, n := range nodes {
		b = AppendLen(b, containerPacked)
		b = AppendString(b, n, o.Compress)
	}
	return b
}

func appendSet(b []byte, s *types.Set, o *WriteOptions) []byte {
	if s.Encoding() == "intset" {
		ints := make([]int64, 0, s.Len())
		s.ForEach(func(m []byte) bool {
			n, _ := encoding.ParseInt64Strict(m)
			ints = append(ints, n)
			return true
		})
		return AppendString(b, encoding.IntsetEncode(ints), o.Compress)
	}
	b = AppendLen(b, uint64(s.Len()))
	s.ForEach(func(m []byte) bool {
		b = AppendString(b, m, o.Compress)
		return true
	})
	return b
}

func appendZSet(b []byte, z *types.ZSet, o *WriteOptions) []byte {
	if z.Encoding() == "listpack" {
		lp := encoding.NewListpackBuilder(z.Len() * 16)
		z.Iterate(0, false, func(m string, score float64) bool {
			lp.Append([]byte(m))
			if n, ok := scoreAsInt(score); ok {
				lp.AppendInt(n)
			} else {
				lp.Append(resp.AppendDouble(nil, score)) // Redis's "%.17g"
			}
			return true
		})
		return AppendString(b, lp.Bytes(), o.Compress)
	}
	b = AppendLen(b, uint64(z.Len()))
	// Highest first, as Redis writes it: loading then inserts at the head.
	z.Iterate(0, true, func(m string, score float64) bool {
		b = AppendString(b, []byte(m), o.Compress)
		b = AppendBinaryDouble(b, score)
		return true
	})
	return b
}

func appendHash(b []byte, h *types.Hash, o *WriteOptions) []byte {
	if h.IsCompact() {
		lp := encoding.NewListpackBuilder(h.Len() * 16)
		h.ForEach(func(f, v []byte) bool {
			lp.Append(f)
			lp.Append(v)
			return true
		})
		return AppendString(b, lp.Bytes(), o.Compress)
	}
	b = AppendLen(b, uint64(h.Len()))
	h.ForEach(func(f, v []byte) bool {
		b = AppendString(b, f, o.Compress)
		b = AppendString(b, v, o.Compress)
		return true
	})
	return b
}
