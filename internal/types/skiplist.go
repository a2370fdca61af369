package types

import (
	"math/rand/v2"
	"unsafe"
)

// skiplist is an order-statistic skip list over (score, member) pairs,
// sorted by score then member, with per-link spans so that ranks are
// computed in O(log n) (the structure Redis uses for large sorted sets,
// written anew here).
type skiplist struct {
	head   *slNode
	tail   *slNode
	length int
	level  int
	rnd    *rand.Rand
}

const slMaxLevel = 32

// slNode is one element. Its links live in the same allocation: level 0
// inline (l0), higher levels right after the struct (slNodeN), so a hop
// reads the next node's score and link from one place, and the 75% of
// nodes with one level fit Go's 64-byte size class. The score comes first:
// it is what every hop compares; the member is read only on score ties.
type slNode struct {
	score    float64
	backward *slNode
	member   string
	levels   int32
	l0       slLink
}

// slNodeN is a node with len(A) more links after l0. The array is never
// named: link reaches it by address arithmetic.
type slNodeN[A any] struct {
	n slNode
	_ A
}

// link returns the node's link at level i (i < n.levels). Links above 0
// are addressed past l0 inside the node's own allocation (slNodeN places
// them contiguously: slLink's alignment equals slNode's, so no padding).
func (n *slNode) link(i int) *slLink {
	return (*slLink)(unsafe.Add(unsafe.Pointer(&n.l0), uintptr(i)*unsafe.Sizeof(slLink{})))
}

// next returns the level-0 successor.
func (n *slNode) next() *slNode { return n.l0.forward }

func newSlNode(member string, score float64, levels int) *slNode {
	var n *slNode
	switch {
	case levels == 1:
		n = &slNode{}
	case levels == 2:
		n = &new(slNodeN[[1]slLink]).n
	case levels <= 4:
		n = &new(slNodeN[[3]slLink]).n
	case levels <= 8:
		n = &new(slNodeN[[7]slLink]).n
	default:
		n = &new(slNodeN[[slMaxLevel - 1]slLink]).n
	}
	n.member, n.score, n.levels = member, score, int32(levels)
	return n
}

type slLink struct {
	forward *slNode
	span    int
}

func newSkiplist() *skiplist {
	return &skiplist{head: newSlNode("", 0, slMaxLevel), level: 1,
		rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

// randomLevel draws a level with P(level > k) = 1/4^k.
func (sl *skiplist) randomLevel() int {
	l := 1
	for l < slMaxLevel && sl.rnd.Uint32()&3 == 0 {
		l++
	}
	return l
}

// before reports whether (s1, m1) sorts before (s2, m2).
func before(s1 float64, m1 string, s2 float64, m2 string) bool {
	return s1 < s2 || s1 == s2 && m1 < m2
}

func (sl *skiplist) insert(score float64, member string) {
	sl.insertNode(newSlNode(member, score, sl.randomLevel()))
}

// insertNode links n (score, member and levels set; links unset) at its
// place in the order.
func (sl *skiplist) insertNode(n *slNode) {
	var update [slMaxLevel]*slNode
	var rank [slMaxLevel]int
	score, member := n.score, n.member
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		if i < sl.level-1 {
			rank[i] = rank[i+1]
		}
		for f := x.link(i).forward; f != nil && before(f.score, f.member, score, member); f = x.link(i).forward {
			rank[i] += x.link(i).span
			x = f
		}
		update[i] = x
	}
	lvl := int(n.levels)
	if lvl > sl.level {
		for i := sl.level; i < lvl; i++ {
			rank[i] = 0
			update[i] = sl.head
			update[i].link(i).span = sl.length
		}
		sl.level = lvl
	}
	for i := 0; i < lvl; i++ {
		l, u := n.link(i), update[i].link(i)
		l.forward = u.forward
		u.forward = n
		l.span = u.span - (rank[0] - rank[i])
		u.span = rank[0] - rank[i] + 1
	}
	for i := lvl; i < sl.level; i++ {
		update[i].link(i).span++
	}
	n.backward = nil
	if update[0] != sl.head {
		n.backward = update[0]
	}
	if n.l0.forward != nil {
		n.l0.forward.backward = n
	} else {
		sl.tail = n
	}
	sl.length++
}

// updateScore moves member from score cur (where it must be) to score. As
// in Redis, the node stays in place when its neighbours still bracket the
// new score, and is otherwise unlinked and relinked (not reallocated).
func (sl *skiplist) updateScore(cur float64, member string, score float64) {
	var update [slMaxLevel]*slNode
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		for f := x.link(i).forward; f != nil && before(f.score, f.member, cur, member); f = x.link(i).forward {
			x = f
		}
		update[i] = x
	}
	x = x.l0.forward
	if x == nil || x.score != cur || x.member != member {
		panic("types: skiplist updateScore of an absent element")
	}
	if (x.backward == nil || x.backward.score < score) && (x.l0.forward == nil || x.l0.forward.score > score) {
		x.score = score
		return
	}
	sl.unlink(x, &update)
	x.score = score
	sl.insertNode(x)
}

// delete removes (score, member) and reports whether it was there.
func (sl *skiplist) delete(score float64, member string) bool {
	var update [slMaxLevel]*slNode
	x := sl.head
	for i := sl.level - 1; i >= 0; i-- {
		for f := x.link(i).forward; f != nil && before(f.score, f.member, score, member); f = x.link(i).forward {
			x = f
		}
		update[i] = x
	}
	x = x.l0.forward
	if x == nil || x.score != score || x.member != member {
		return false
	}
	sl.unlink(x, &update)
	return true
}

func (sl *skiplist) unlink(x *slNode, update *[slMaxLevel]*slNode) {
	for i := 0; i < sl.level; i++ {
		if update[i].link(i).forward == x {
			update[i].link(i).span += x.link(i).span - 1
			update[i].link(i).forward = x.link(i).forward
		} else {
			update[i].link(i).span--
		}
	}
	if x.l0.forward != nil {
		x.l0.forward.backward = x.backward
	} else {
		sl.tail = x.backward
	}
	for sl.level > 1 && sl.head.link(sl.level-1).forward == nil {
		sl.level--
	}
	sl.length--
}

// countBefore returns how many elements satisfy less (a predicate that
// holds for a prefix of the order: "sorts before the bound").
func (sl *skiplist) countBefore(less func(score float64, member string) bool) int {
	x := sl.head
	n := 0
	for i := sl.level - 1; i >= 0; i-- {
		for f := x.link(i).forward; f != nil && less(f.score, f.member); f = x.link(i).forward {
			n += x.link(i).span
			x = f
		}
	}
	return n
}

// at returns the element at 0-based rank r (0 <= r < length).
func (sl *skiplist) at(r int) *slNode {
	target := r + 1
	x := sl.head
	traversed := 0
	for i := sl.level - 1; i >= 0; i-- {
		for x.link(i).forward != nil && traversed+x.link(i).span <= target {
			traversed += x.link(i).span
			x = x.link(i).forward
		}
		if traversed == target {
			return x
		}
	}
	return nil
}
