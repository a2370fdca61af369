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

// inlineCaps are the key capacities of the node shapes, in bytes.
var inlineCaps = [...]int{8, 16, 24, 32, 48, 64, 96, 128}

// newNode allocates the node for key. The key is copied into the
// node when it fits one of the inline shapes and the node's size class is no
// larger than a separate node plus a separate key would be; otherwise the
// node refers to key, which is cloned first unless owned (an immutable
// string the caller hands over).
func newNode[V any](key string, owned bool) *node[V] {
	n := allocNode[V](key)
	if n == nil {
		n = &node[V]{key: key}
		if !owned {
			n.key = string([]byte(key))
		}
	}
	return n
}

// allocNode returns a node whose key is key copied inline, or nil when an
// inline node would not save memory.
func allocNode[V any](key string) *node[V] {
	l := len(key)
	if l == 0 || l > inlineCaps[len(inlineCaps)-1] {
		return nil
	}
	c := 0
	for _, c = range inlineCaps {
		if l <= c {
			break
		}
	}
	base := int(unsafe.Sizeof(node[V]{}))
	if allocSize(base+c) > allocSize(base)+allocSize(l) {
		return nil
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
	case 48:
		w := new(nodeK[V, [48]byte])
		n, buf = &w.n, w.k[:]
	case 64:
		w := new(nodeK[V, [64]byte])
		n, buf = &w.n, w.k[:]
	case 96:
		w := new(nodeK[V, [96]byte])
		n, buf = &w.n, w.k[:]
	default:
		w := new(nodeK[V, [128]byte])
		n, buf = &w.n, w.k[:]
	}
	copy(buf, key)
	n.key = unsafe.String(&buf[0], l)
	return n
}
