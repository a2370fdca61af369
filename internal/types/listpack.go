package types

// Listpack is a flat, pointer-free sequence of strings and integers in
// Redis 7's listpack byte format, so a small collection can be written to
// and read from RDB files as is.
//
// Layout: a 6-byte header (total bytes as uint32 LE, element count as
// uint16 LE, 65535 meaning "count by walking"), the entries, and a 0xFF
// terminator. Each entry is an encoding byte with its data followed by a
// back-length so the list can be walked in both directions. Strings that
// look like integers (string2ll rules) are stored as integers.
//
// Positions are byte offsets of entries inside the listpack; -1 means
// "none". A position stays valid until the listpack is modified.
type Listpack []byte

// NewListpack returns an empty listpack.
func NewListpack() Listpack { panic("unimplemented") }

// ListpackFromBytes validates b (from an RDB file or a DUMP payload) and
// returns it as a listpack; it never panics on bad input.
func ListpackFromBytes(b []byte) (Listpack, error) { panic("unimplemented") }

// Len returns the number of entries.
func (lp Listpack) Len() int { panic("unimplemented") }

// Size returns the total size in bytes.
func (lp Listpack) Size() int { return len(lp) }

// First returns the position of the first entry, or -1 if empty.
func (lp Listpack) First() int { panic("unimplemented") }

// Last returns the position of the last entry, or -1 if empty.
func (lp Listpack) Last() int { panic("unimplemented") }

// Next returns the position after p, or -1 at the end.
func (lp Listpack) Next(p int) int { panic("unimplemented") }

// Prev returns the position before p, or -1 at the start.
func (lp Listpack) Prev(p int) int { panic("unimplemented") }

// Seek returns the position of the entry at index i (negative counts from
// the tail: -1 is the last), or -1 if out of range.
func (lp Listpack) Seek(i int) int { panic("unimplemented") }

// Get returns the entry at p: a string (aliasing the listpack's memory:
// copy it before modifying the listpack) or an integer.
func (lp Listpack) Get(p int) (s []byte, n int64, isInt bool) { panic("unimplemented") }

// GetBytes returns the entry at p as a string, formatting integers into buf.
func (lp Listpack) GetBytes(p int, buf []byte) []byte { panic("unimplemented") }

// Equal reports whether the entry at p equals v byte for byte.
func (lp Listpack) Equal(p int, v []byte) bool { panic("unimplemented") }

// Find returns the position of the first entry equal to v starting at p
// and comparing only every (skip+1)-th entry (skip 1 searches the fields of
// a field/value listpack), or -1.
func (lp Listpack) Find(p int, v []byte, skip int) int { panic("unimplemented") }

// Append adds v at the tail.
func (lp *Listpack) Append(v []byte) { panic("unimplemented") }

// AppendInt adds the integer n at the tail.
func (lp *Listpack) AppendInt(n int64) { panic("unimplemented") }

// Prepend adds v at the head.
func (lp *Listpack) Prepend(v []byte) { panic("unimplemented") }

// Insert adds v before the entry at p; p == -1 appends.
func (lp *Listpack) Insert(p int, v []byte) { panic("unimplemented") }

// Replace overwrites the entry at p with v and returns its (unchanged) position.
func (lp *Listpack) Replace(p int, v []byte) int { panic("unimplemented") }

// Delete removes the entry at p and returns the position of the entry that
// followed it, or -1 if it was the last.
func (lp *Listpack) Delete(p int) int { panic("unimplemented") }

// DeleteRange removes count entries starting at p.
func (lp *Listpack) DeleteRange(p, count int) { panic("unimplemented") }
