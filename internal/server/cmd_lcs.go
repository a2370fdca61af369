package server

import "github.com/peregrinedb/peregrine/internal/keyspace"

// lcsCommand implements LCS with the classic dynamic-programming table;
// the reply walks the table back from the end, so ranges are reported from
// the last match to the first, as Redis reports them.
func lcsCommand(x *Ctx) {
	ea, eb := x.lookupRead(x.args[1]), x.lookupRead(x.args[2])
	if ea != nil && ea.Type != keyspace.TypeString || eb != nil && eb.Type != keyspace.TypeString {
		x.Err("ERR The specified keys must contain string values")
		return
	}
	var a, b []byte
	if ea != nil {
		a = ea.Str
	}
	if eb != nil {
		b = eb.Str
	}
	var getLen, getIdx, withLen bool
	var minLen int64
	for j := 3; j < len(x.args); j++ {
		opt := x.args[j]
		switch {
		case eqFold(opt, "idx"):
			getIdx = true
		case eqFold(opt, "len"):
			getLen = true
		case eqFold(opt, "withmatchlen"):
			withLen = true
		case eqFold(opt, "minmatchlen") && j+1 < len(x.args):
			n, ok := parseInt(x.args[j+1])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if n < 0 {
				n = 0
			}
			minLen = n
			j++
		default:
			x.Err(errSyntax)
			return
		}
	}
	if getLen && getIdx {
		x.Err("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	alen, blen := len(a), len(b)
	if int64(alen+1)*int64(blen+1)*4 > x.s.live.maxBulk.Load() {
		x.Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	w := blen + 1
	tab := make([]uint32, (alen+1)*w)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				tab[i*w+j] = tab[(i-1)*w+j-1] + 1
			} else if l1, l2 := tab[(i-1)*w+j], tab[i*w+j-1]; l1 > l2 {
				tab[i*w+j] = l1
			} else {
				tab[i*w+j] = l2
			}
		}
	}
	total := tab[alen*w+blen]
	if getLen {
		x.w.Int(int64(total))
		return
	}
	result := make([]byte, total)
	type match struct{ a0, a1, b0, b1 int }
	var matches []match
	idx := int(total)
	i, j := alen, blen
	cur := match{a0: -1}
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if cur.a0 < 0 {
				cur = match{i - 1, i - 1, j - 1, j - 1}
			} else if cur.a0 == i && cur.b0 == j {
				cur.a0--
				cur.b0--
			} else {
				emit = true
			}
			if cur.a0 == 0 || cur.b0 == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if tab[(i-1)*w+j] > tab[i*w+j-1] {
				i--
			} else {
				j--
			}
			if cur.a0 >= 0 {
				emit = true
			}
		}
		if emit {
			if l := int64(cur.a1 - cur.a0 + 1); minLen == 0 || l >= minLen {
				matches = append(matches, cur)
			}
			cur.a0 = -1
		}
	}
	if !getIdx {
		x.w.Bulk(result)
		return
	}
	x.w.Map(2)
	x.w.BulkString("matches")
	x.w.Array(len(matches))
	for _, m := range matches {
		if withLen {
			x.w.Array(3)
		} else {
			x.w.Array(2)
		}
		x.w.Array(2)
		x.w.Int(int64(m.a0))
		x.w.Int(int64(m.a1))
		x.w.Array(2)
		x.w.Int(int64(m.b0))
		x.w.Int(int64(m.b1))
		if withLen {
			x.w.Int(int64(m.a1 - m.a0 + 1))
		}
	}
	x.w.BulkString("len")
	x.w.Int(int64(total))
}
