package rdb

import (
	"errors"
	"fmt"
	"strings"

	"github.com/peregrinedb/peregrine/internal/encoding"
	"github.com/peregrinedb/peregrine/internal/types"
)

// Shallow decoding (Limits.Shallow) mirrors what Redis accepts with
// sanitize-dump-payload no. Redis then checks only a listpack's header and
// terminator and stores the blob as it is; a corrupt entry further in is
// met by the first command that walks it, and Redis dies on an assertion.
// Peregrine has no blob to keep: it decodes the value into its own
// structures, so it keeps what decodes and drops the rest, and says so.

// lpEntry is one decoded listpack entry; s aliases the listpack.
type lpEntry struct {
	s     []byte
	n     int64
	isInt bool
}

func (e lpEntry) bytes() []byte { return entryBytes(e.s, e.n, e.isInt) }

// lpSalvage decodes the entries of lp up to the first damaged one. A bad
// header or terminator is an error (Redis refuses those unsanitized too);
// damage reports why the entries stopped early, or a header count that
// disagrees with the entries.
func lpSalvage(lp []byte) (items []lpEntry, damage error, err error) {
	if _, err := encoding.ListpackCheckHeader(lp); err != nil {
		return nil, nil, err
	}
	damage = encoding.ListpackEach(lp, func(s []byte, n int64, isInt bool) error {
		items = append(items, lpEntry{s: s, n: n, isInt: isInt})
		return nil
	})
	return items, damage, nil
}

// readHashListpackShallow decodes a hash listpack without deep
// sanitization. Redis stores such a listpack untouched unless it holds
// more pairs than hash-max-listpack-entries, in which case it converts it
// to a hash table at once, walking every entry: a duplicate field then
// makes it panic ("listpack with dup elements") and a corrupt entry fails
// an assertion. Peregrine refuses those payloads instead, and otherwise
// keeps the pairs that decode, the first value of a duplicated field.
// The returned hash is never nil.
func readHashListpackShallow(r *reader, blob []byte, lim *Limits) (*types.Hash, error) {
	h := types.NewHash()
	header, err := encoding.ListpackCheckHeader(blob)
	if err != nil {
		return h, err
	}
	if header == 0 {
		// Redis reads the length from the header: an empty hash.
		return h, ErrEmptyKey
	}
	items, damage, err := lpSalvage(blob)
	if err != nil {
		return h, err
	}
	pairs := header / 2
	if header == 65535 {
		pairs = len(items) / 2
	}
	converts := pairs > lim.HashMaxListpackEntries
	var notes []string
	if damage != nil {
		notes = append(notes, damage.Error())
	}
	if len(items)%2 == 1 {
		if damage == nil {
			damage = errors.New("rdb: hash listpack has a field without a value")
		}
		notes = append(notes, "a field without a value")
		items = items[:len(items)-1]
	}
	if converts && damage != nil {
		return h, damage
	}
	dups := 0
	for i := 0; i < len(items); i += 2 {
		f := items[i].bytes()
		if _, ok := h.Get(f); ok {
			if converts {
				return h, fmt.Errorf("rdb: hash listpack with dup elements (field %q) cannot become a hash table", f)
			}
			dups++
			continue
		}
		h.Set(f, items[i+1].bytes(), lim.HashMaxListpackEntries, lim.HashMaxListpackValue)
	}
	if dups > 0 {
		notes = append(notes, fmt.Sprintf("listpack with dup elements: kept the first value of %d duplicated fields", dups))
	}
	if h.Len() == 0 {
		if damage != nil {
			return h, damage
		}
		return h, ErrEmptyKey
	}
	if len(notes) > 0 {
		r.salvaged = append(r.salvaged, fmt.Sprintf("kept %d fields (%s)", h.Len(), strings.Join(notes, ", ")))
	}
	return h, nil
}
