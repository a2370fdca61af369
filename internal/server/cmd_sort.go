package server

import (
	"bytes"
	"math"
	"sort"
	"strconv"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

// SORT and SORT_RO over lists, sets and sorted sets, with BY (string keys
// or hash fields, "nosort" when the pattern has no '*'), LIMIT, GET (# and
// patterns), ASC/DESC, ALPHA and STORE, following Redis's sort.c semantics.

// sortMembers is implemented by sets and sorted sets: their members, for
// sorted sets in score order.
type sortMembers interface {
	SortMembers() [][]byte
}

const errSortScore = "ERR One or more scores can't be converted into double"

func sortCommands() []*Command {
	return []*Command{
		spec("sort", -2, "write denyoom", 1, 1, 1, "generic", sortCommand).keys(sortKeys).onlyACL("@set", "@sortedset", "@list", "@dangerous"),
		spec("sort_ro", -2, "readonly", 1, 1, 1, "generic", sortROCommand).keys(func([][]byte) []int { return []int{1} }).onlyACL("@set", "@sortedset", "@list", "@dangerous"),
	}
}

// sortKeys finds SORT's keys: the sorted key and the (last) STORE
// destination.
func sortKeys(args [][]byte) []int {
	store := 0
	for i := 2; i < len(args); i++ {
		switch {
		case eqFold(args[i], "limit"):
			i += 2
		case eqFold(args[i], "get"), eqFold(args[i], "by"):
			i++
		case eqFold(args[i], "store") && i+1 < len(args):
			store = i + 1
			i++
		}
	}
	if store > 0 {
		return []int{1, store}
	}
	return []int{1}
}

func sortCommand(x *Ctx)   { x.sortGeneric(false) }
func sortROCommand(x *Ctx) { x.sortGeneric(true) }

type sortItem struct {
	elem  []byte
	score float64
	cmp   []byte // ALPHA with BY: the BY value (nil if missing)
}

func (x *Ctx) sortGeneric(readonly bool) {
	desc, alpha, dontsort := false, false, false
	limitStart, limitCount := int64(0), int64(-1)
	var sortBy, storeKey []byte
	var gets [][]byte
	for j := 2; j < len(x.args); j++ {
		left := len(x.args) - j - 1
		a := x.args[j]
		switch {
		case eqFold(a, "asc"):
			desc = false
		case eqFold(a, "desc"):
			desc = true
		case eqFold(a, "alpha"):
			alpha = true
		case eqFold(a, "limit") && left >= 2:
			s, ok1 := parseInt(x.args[j+1])
			c, ok2 := parseInt(x.args[j+2])
			if !ok1 || !ok2 {
				x.Err(errNotInt)
				return
			}
			limitStart, limitCount = s, c
			j += 2
		case !readonly && eqFold(a, "store") && left >= 1:
			storeKey = x.args[j+1]
			j++
		case eqFold(a, "by") && left >= 1:
			sortBy = x.args[j+1]
			if bytes.IndexByte(sortBy, '*') < 0 {
				dontsort = true
			} else if !x.sortPatternsAllowed() {
				x.Err("ERR BY option of SORT denied due to insufficient ACL permissions.")
				return
			}
			j++
		case eqFold(a, "get") && left >= 1:
			if !x.sortPatternsAllowed() {
				x.Err("ERR GET option of SORT denied due to insufficient ACL permissions.")
				return
			}
			gets = append(gets, x.args[j+1])
			j++
		default:
			x.Err(errSyntax)
			return
		}
	}
	e := x.lookupRead(x.args[1])
	if e != nil && e.Type != keyspace.TypeList && e.Type != keyspace.TypeSet && e.Type != keyspace.TypeZSet {
		x.Err(errWrongType)
		return
	}
	if dontsort && e != nil && e.Type == keyspace.TypeSet && (storeKey != nil || x.fromScript()) {
		// A set has no order to keep: sort it so the stored result is
		// deterministic, as Redis does for STORE (and scripts).
		dontsort, alpha, sortBy = false, true, nil
	}
	var elems [][]byte
	if e != nil {
		switch e.Type {
		case keyspace.TypeList:
			l := e.Obj.(*types.List)
			elems = make([][]byte, 0, l.Len())
			l.Range(0, l.Len()-1, func(v []byte) bool {
				elems = append(elems, v)
				return true
			})
		default:
			if m, ok := e.Obj.(sortMembers); ok {
				elems = m.SortMembers()
			}
		}
	}
	n := int64(len(elems))
	start := min(max(limitStart, 0), n)
	limitCount = min(max(limitCount, -1), n)
	end := n - 1
	if limitCount >= 0 {
		end = start + limitCount - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}
	items := make([]sortItem, len(elems))
	for i, el := range elems {
		items[i].elem = el
	}
	if dontsort {
		// Natural order; DESC walks lists and sorted sets from the tail.
		if desc && e != nil && e.Type != keyspace.TypeSet {
			for i, k := 0, len(items)-1; i < k; i, k = i+1, k-1 {
				items[i], items[k] = items[k], items[i]
			}
		}
	} else {
		byPattern := sortBy != nil
		for i := range items {
			var by []byte
			if byPattern {
				v, ok := x.lookupByPattern(sortBy, items[i].elem)
				if !ok {
					continue
				}
				by = v
			} else {
				by = items[i].elem
			}
			if alpha {
				if byPattern {
					items[i].cmp = by
				}
				continue
			}
			f, ok := parseSortScore(by)
			if !ok {
				x.Err(errSortScore)
				return
			}
			items[i].score = f
		}
		sort.SliceStable(items, func(i, j int) bool {
			c := sortCompare(&items[i], &items[j], alpha, byPattern)
			if desc {
				return c > 0
			}
			return c < 0
		})
	}
	var out [][]byte // with GET, nil entries are missing values
	missing := []bool{}
	for i := start; i <= end && i >= 0; i++ {
		it := items[i]
		if len(gets) == 0 {
			out = append(out, it.elem)
			missing = append(missing, false)
			continue
		}
		for _, g := range gets {
			v, ok := x.lookupByPattern(g, it.elem)
			out = append(out, v)
			missing = append(missing, !ok)
		}
	}
	if storeKey == nil {
		x.w.Array(len(out))
		for i, v := range out {
			if missing[i] {
				x.w.Null()
			} else {
				x.w.Bulk(v)
			}
		}
		return
	}
	if len(out) > 0 {
		l := types.NewList()
		for _, v := range out {
			l.PushRight(v)
		}
		x.db.Set(storeKey, keyspace.Entry{Type: keyspace.TypeList, Obj: l, Access: x.newAccess()})
		x.changed(storeKey, keyspace.NotifyList, "sortstore")
	} else if x.db.Delete(storeKey) {
		x.changed(storeKey, keyspace.NotifyGeneric, "del")
	}
	x.w.Int(int64(len(out)))
}

// sortCompare orders two items as Redis's sortCompare does.
func sortCompare(a, b *sortItem, alpha, byPattern bool) int {
	if !alpha {
		switch {
		case a.score > b.score:
			return 1
		case a.score < b.score:
			return -1
		}
		return bytes.Compare(a.elem, b.elem)
	}
	if byPattern {
		switch {
		case a.cmp == nil && b.cmp == nil:
			return 0
		case a.cmp == nil:
			return -1
		case b.cmp == nil:
			return 1
		}
		return bytes.Compare(a.cmp, b.cmp)
	}
	return bytes.Compare(a.elem, b.elem)
}

// parseSortScore parses a sort weight as strtod does (whole string, no
// NaN, no overflow).
func parseSortScore(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, true // strtod of "" consumes nothing and leaves "" behind
	}
	if isSpaceByte(b[0]) {
		b = bytes.TrimLeft(b, " \t\n\r\v\f")
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		switch string(bytes.ToLower(b)) {
		case "inf", "+inf", "infinity", "+infinity":
			return math.Inf(1), true
		case "-inf", "-infinity":
			return math.Inf(-1), true
		}
		return 0, false
	}
	return f, !math.IsNaN(f)
}

// lookupByPattern resolves a SORT BY/GET pattern for an element: "#" is the
// element itself; "*" is replaced by it; "key->field" reads a hash field.
func (x *Ctx) lookupByPattern(pattern, elem []byte) ([]byte, bool) {
	if len(pattern) == 1 && pattern[0] == '#' {
		return elem, true
	}
	star := bytes.IndexByte(pattern, '*')
	if star < 0 {
		return nil, false
	}
	keyPat, field := pattern, []byte(nil)
	if f := bytes.Index(pattern[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(pattern) {
		keyPat = pattern[:star+1+f]
		field = pattern[star+1+f+2:]
	}
	key := make([]byte, 0, len(keyPat)+len(elem))
	key = append(key, keyPat[:star]...)
	key = append(key, elem...)
	key = append(key, keyPat[star+1:]...)
	e := x.lookupRead(key)
	if e == nil {
		return nil, false
	}
	if field != nil {
		h, ok := e.Obj.(interface {
			Get(field []byte) ([]byte, bool)
		})
		if e.Type != keyspace.TypeHash || !ok {
			return nil, false
		}
		return h.Get(field)
	}
	if e.Type != keyspace.TypeString {
		return nil, false
	}
	return e.Str, true
}
