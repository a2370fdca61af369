package types

import "math/rand/v2"

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

// slNode keeps its two lowest links inline (94% of nodes have no other:
// one allocation per node, and the hops at the busiest levels touch only
// the node itself); higher links live in over.
type slNode struct {
	member   string
	score    float64
	backward *slNode
	low      [2]slLink
	over     []slLink
	levels   int32
}

// link returns the node's link at level i (i < n.levels).
func (n *slNode) link(i int) *slLink {
	if i < 2 {
		return &n.low[i]
	}
	return &n.over[i-2]
}

// Taller nodes are allocated together with their extra links, so a hop
// at a high level reads one contiguous block instead of chasing a second
// allocation.
type (
	slNode4 struct {
		n slNode
		l [2]slLink
	}
	slNode8 struct {
		n slNode
		l [6]slLink
	}
	slNodeMax struct {
		n slNode
		l [slMaxLevel - 2]slLink
	}
)

func newSlNode(member string, score float64, levels int) *slNode {
	var n *slNode
	switch {
	case levels <= 2:
		n = &slNode{}
	case levels <= 4:
		w := &slNode4{}
		n = &w.n
		n.over = w.l[:levels-2]
	case levels <= 8:
		w := &slNode8{}
		n = &w.n
		n.over = w.l[:levels-2]
	default:
		w := &slNodeMax{}
		n = &w.n
		n.over = w.l[:levels-2]
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
	var update [slMaxLevel]*slNode
	var rank [slMaxLevel]int
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
	lvl := sl.randomLevel()
	if lvl > sl.level {
		for i := sl.level; i < lvl; i++ {
			rank[i] = 0
			update[i] = sl.head
			update[i].link(i).span = sl.length
		}
		sl.level = lvl
	}
	n := newSlNode(member, score, lvl)
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
	if update[0] != sl.head {
		n.backward = update[0]
	}
	if n.low[0].forward != nil {
		n.low[0].forward.backward = n
	} else {
		sl.tail = n
	}
	sl.length++
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
	x = x.low[0].forward
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
	if x.low[0].forward != nil {
		x.low[0].forward.backward = x.backward
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
