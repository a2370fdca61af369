package server

import "github.com/peregrinedb/peregrine/internal/types"

// Key prefetching for pipelines. At pipeline 16 most of a simple command's
// CPU time is two cache misses: the table's bucket slot and the key's node
// (perf: 44% of INCR's server CPU in the lookup). When a read brings
// several requests, the first command of each group of up to
// types.PrefetchMax looks ahead in the query buffer and touches the bucket
// slots and nodes of the following requests' keys in two passes of
// independent loads, so the misses overlap (the CPU keeps several loads in
// flight) instead of each command waiting for its own in turn. It runs
// under the keyspace lock, reads only, and guesses that a request's key is
// its second argument: a wrong guess costs a wasted load, nothing else.

// prefetchState is a client's lookahead.
type prefetchState struct {
	ahead int      // buffered requests whose keys were already prefetched
	keys  [][]byte // scratch for the keys found
	sink  uintptr  // keeps the loads from being optimised away
}

// prefetchAhead runs before each command with the keyspace lock held.
func (s *Server) prefetchAhead(c *Client) {
	if c.pf.ahead > 0 {
		c.pf.ahead--
		return
	}
	if c.rd == nil || c.rd.Buffered() == 0 {
		return
	}
	if c.pf.keys == nil {
		c.pf.keys = make([][]byte, 0, types.PrefetchMax)
	}
	keys := c.pf.keys[:0]
	n := c.rd.PeekKeys(types.PrefetchMax, func(k []byte) { keys = append(keys, k) })
	if len(keys) >= 2 {
		c.pf.sink += s.ks.DB(c.db).Prefetch(keys)
	}
	clear(keys) // drop the references into the query buffer
	c.pf.ahead = n
}
