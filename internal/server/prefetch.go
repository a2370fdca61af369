package server

import (
	"bytes"

	"github.com/peregrinedb/peregrine/internal/keyspace"
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
// ZADD, HSET and SADD requests on one collection get the same for their
// member or field inside the collection's own table: on a big sorted set,
// hash or set that lookup is where their misses are.

// prefetchState is a client's lookahead.
type prefetchState struct {
	ahead int      // buffered requests whose keys were already prefetched
	keys  [][]byte // scratch for the keys found
	elems [][]byte // scratch for the members/fields of innerKey
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
	if c.pf.elems == nil {
		c.pf.elems = make([][]byte, 0, types.PrefetchMax)
	}
	keys, elems := c.pf.keys[:0], c.pf.elems[:0]
	var innerKey []byte
	n := c.rd.PeekKeys(types.PrefetchMax, func(req [][]byte) {
		if len(req) < 2 {
			return
		}
		if !bytes.Equal(req[1], last) {
			keys = append(keys, req[1])
			last = req[1]
		}
		// Members of one collection: the requests' key must be the same.
		if e := innerElement(req); e != nil && (innerKey == nil || bytes.Equal(innerKey, req[1])) {
			innerKey = req[1]
			elems = append(elems, e)
		}
	})
	c.pf.ahead = n
	db := s.ks.DB(c.db)
	if len(keys) >= 2 {
		c.pf.sink += db.Prefetch(keys)
	}
	if len(elems) >= 2 {
		c.pf.sink += prefetchElems(db, innerKey, elems)
	}
	if len(keys) < 2 && len(elems) < 2 {
		// One key over and over, and no collection elements: stop
		// looking ahead for a while, so such a pipeline pays the peeking
		// once in a few groups.
		c.pf.ahead += prefetchBackoff
	}
	clear(keys) // drop the references into the query buffer
	clear(elems)
}

// innerElement returns the member or field of ZADD key score member, HSET
// key field value and SADD key member (their first one), else nil.
func innerElement(req [][]byte) []byte {
	name := req[0]
	switch {
	case len(req) >= 4 && len(name) == 4 && bytes.EqualFold(name, []byte("zadd")):
		return req[3]
	case len(req) >= 3 && len(name) == 4 && (bytes.EqualFold(name, []byte("hset")) || bytes.EqualFold(name, []byte("sadd"))):
		return req[2]
	}
	return nil
}

// prefetchElems loads the table memory of elems in key's collection.
func prefetchElems(db *keyspace.DB, key []byte, elems [][]byte) uintptr {
	e := db.Peek(key)
	if e == nil {
		return 0
	}
	switch o := e.Obj.(type) {
	case *types.ZSet:
		return o.PrefetchMembers(elems)
	case *types.Hash:
		return o.PrefetchFields(elems)
	case *types.Set:
		return o.PrefetchMembers(elems)
	}
	return 0
}

// prefetchBackoff is how many commands run without looking ahead after a
// lookahead found nothing to prefetch.
const prefetchBackoff = 3 * types.PrefetchMax
