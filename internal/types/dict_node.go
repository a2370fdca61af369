package types

import "unsafe"

// Keys are stored inside their node when that costs no memory: the node is
// allocated together with a small byte array holding the key, so a lookup
// that finds the hash confirms the key in the same (or the adjacent) cache
// line instead of chasing a second allocation, and an insert allocates once.
// On the keyspace's 1M-key GET/SET benchmark the key comparison was ~8% of
// the server's CPU, nearly all of it the cache miss on the key's bytes.

// nodeK is a node with room for a key of up to len(K) bytes after it.
type nodeK[V any, K any] struct {
	n node[V]
	k K
}

// inlineCaps are the key (plus inline value) capacities of the node shapes,
// in bytes: steps of 8 or 16, so that some shape ends on a Go size class for
// the common node sizes.
var inlineCaps = [...]int{8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128}

// newNode allocates the node for key. The key is copied into the
// node when it fits one of the inline shapes and the node's size class is no
// larger than a separate node plus a separate key would be; otherwise the
// node refers to key, which is cloned first unless owned (an immutable
// string the caller hands over).
func newNode[V any](key string, owned bool) *node[V] {
	n, _ := allocNode[V](key, 0)
	if n == nil {
		n = &node[V]{key: key}
		if !owned {
			n.key = string([]byte(key))
		}
	}
	return n
}

// newNodeSpare is newNode with room for spare more bytes after the key in
// the same allocation, for a small value the caller stores there (the
// keyspace's short strings: one allocation per key, and a read of the
// value touches the node's own cache lines). room is nil, and the node a
// plain one, when the combined node would take more memory than the node
// and a separate value allocation.
func newNodeSpare[V any](key string, spare int) (n *node[V], room []byte) {
	if spare > 0 {
		if n, room = allocNode[V](key, spare); n != nil {
			return n, room
		}
	}
	return newNode[V](key, false), nil
}

// allocNode returns a node whose key is key copied inline followed by room
// for spare bytes (returned as room, its capacity what the shape leaves),
// or nil when such a node would not save memory over separate allocations.
func allocNode[V any](key string, spare int) (*node[V], []byte) {
	l := len(key)
	need := l + spare
	if l == 0 || need > inlineCaps[len(inlineCaps)-1] {
		return nil, nil
	}
	c := 0
	for _, c = range inlineCaps {
		if need <= c {
			break
		}
	}
	base := int(unsafe.Sizeof(node[V]{}))
	separate := allocSize(base) + allocSize(l)
	if spare > 0 {
		// The alternative: the plain node (key inline when that pays)
		// plus the value's own allocation.
		separate = plainNodeSize(base, l) + allocSize(spare)
	}
	if allocSize(base+c) > separate {
		return nil, nil
	}
	var n *node[V]
	var buf []byte
	switch c {
	case 8:
		w := new(nodeK[V, [8]byte])
		n, buf = &w.n, w.k[:]
	case 16:
		w := new(nodeK[V, [16]byte])
		n, buf = &w.n, w.k[:]
	case 24:
		w := new(nodeK[V, [24]byte])
		n, buf = &w.n, w.k[:]
	case 32:
		w := new(nodeK[V, [32]byte])
		n, buf = &w.n, w.k[:]
	case 40:
		w := new(nodeK[V, [40]byte])
		n, buf = &w.n, w.k[:]
	case 48:
		w := new(nodeK[V, [48]byte])
		n, buf = &w.n, w.k[:]
	case 56:
		w := new(nodeK[V, [56]byte])
		n, buf = &w.n, w.k[:]
	case 64:
		w := new(nodeK[V, [64]byte])
		n, buf = &w.n, w.k[:]
	case 80:
		w := new(nodeK[V, [80]byte])
		n, buf = &w.n, w.k[:]
	case 96:
		w := new(nodeK[V, [96]byte])
		n, buf = &w.n, w.k[:]
	case 112:
		w := new(nodeK[V, [112]byte])
		n, buf = &w.n, w.k[:]
	default:
		w := new(nodeK[V, [128]byte])
		n, buf = &w.n, w.k[:]
	}
	copy(buf, key)
	n.key = unsafe.String(&buf[0], l)
	if spare > 0 {
		return n, buf[l:l:c]
	}
	return n, nil
}

// plainNodeSize is the memory newNode takes for a key of l bytes: one
// inline node when that pays, else a node and a separate key.
func plainNodeSize(base, l int) int {
	separate := allocSize(base) + allocSize(l)
	for _, c := range inlineCaps {
		if l <= c {
			return min(allocSize(base+c), separate)
		}
	}
	return separate
}
