package server

import (
	"bytes"

	"github.com/peregrinedb/peregrine/internal/types"
)

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

// prefetchAhead runs before each command (its arguments args) with the
// keyspace lock held. Keys equal to the current command's or to the one
// before them are left out: a pipeline on one hot key (LPUSH on a queue,
// HSET on one hash) has nothing to gain and would only pay the hashing.
func (s *Server) prefetchAhead(c *Client, args [][]byte) {
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
	var last []byte
	if len(args) >= 2 {
		last = args[1]
	}
	keys := c.pf.keys[:0]
	n := c.rd.PeekKeys(types.PrefetchMax, func(req [][]byte) {
		if len(req) >= 2 && !bytes.Equal(req[1], last) {
			keys = append(keys, req[1])
			last = req[1]
		}
	})
	c.pf.ahead = n
	if len(keys) >= 2 {
		c.pf.sink += s.ks.DB(c.db).Prefetch(keys)
	} else {
		// One key over and over: stop looking ahead for a while, so a
		// single-key pipeline pays the peeking once in a few groups.
		c.pf.ahead += prefetchBackoff
	}
	clear(keys) // drop the references into the query buffer
}

// prefetchBackoff is how many commands run without looking ahead after a
// lookahead found nothing to prefetch.
const prefetchBackoff = 3 * types.PrefetchMax
