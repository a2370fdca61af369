package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/peregrinedb/peregrine/internal/encoding"
)

// maxPrealloc bounds what a length read from a file may make us allocate
// before the bytes have actually arrived: a corrupt or hostile length
// fails with a short read instead of exhausting memory.
const maxPrealloc = 1 << 20

// lzfInPlace is the largest compressed string decompressed straight from
// the read buffer (its initial capacity, so the buffer never grows for it).
const lzfInPlace = 64 << 10

// ErrShort reports input that ended in the middle of a value.
var ErrShort = errors.New("rdb: unexpected end of data")

// reader consumes RDB bytes from a stream, keeping a running CRC64 of
// everything consumed and the offset for error messages.
type reader struct {
	src  io.Reader
	buf  []byte
	pos  int    // next unread byte in buf
	crcd int    // bytes of buf already folded into crc
	crc  uint64 // CRC64 of consumed bytes up to buf[crcd]
	off  int64  // offset of buf[0] in the stream
	err  error  // sticky error of src
	// exact reads no byte past what is consumed, for an RDB followed by
	// other data in the same stream (the AOF's RDB preamble).
	exact bool
	// salvaged lists the damage a Shallow decode of the current value
	// worked around (Limits.Shallow).
	salvaged []string
}

func newReader(src io.Reader) *reader {
	return &reader{src: src, buf: make([]byte, 0, 64<<10)}
}

// Offset returns the number of bytes consumed.
func (r *reader) Offset() int64 { return r.off + int64(r.pos) }

// fill makes at least n unread bytes available, or fails.
func (r *reader) fill(n int) error {
	if len(r.buf)-r.pos >= n {
		return nil
	}
	// Fold consumed bytes into the checksum and slide the rest down.
	r.crc = encoding.CRC64(r.crc, r.buf[r.crcd:r.pos])
	rest := copy(r.buf, r.buf[r.pos:])
	r.off += int64(r.pos)
	r.buf = r.buf[:rest]
	r.pos, r.crcd = 0, 0
	if n > cap(r.buf) {
		nb := make([]byte, rest, n)
		copy(nb, r.buf)
		r.buf = nb
	}
	for len(r.buf) < n {
		if r.err != nil {
			if r.err == io.EOF {
				return ErrShort
			}
			return r.err
		}
		limit := cap(r.buf)
		if r.exact {
			limit = n
		}
		m, err := r.src.Read(r.buf[len(r.buf):limit])
		r.buf = r.buf[:len(r.buf)+m]
		r.err = err
	}
	return nil
}

// sum returns the CRC64 of every byte consumed so far.
func (r *reader) sum() uint64 {
	r.crc = encoding.CRC64(r.crc, r.buf[r.crcd:r.pos])
	r.crcd = r.pos
	return r.crc
}

func (r *reader) byte() (byte, error) {
	if err := r.fill(1); err != nil {
		return 0, err
	}
	c := r.buf[r.pos]
	r.pos++
	return c, nil
}

// peek returns the next n bytes without consuming them; they stay valid
// until the next read.
func (r *reader) next(n int) ([]byte, error) {
	if err := r.fill(n); err != nil {
		return nil, err
	}
	b := r.buf[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

// bytes reads n bytes into a new slice, growing it as data arrives so a
// bogus length cannot allocate more than the data that exists.
func (r *reader) bytes(n uint64) ([]byte, error) {
	if n <= maxPrealloc {
		b, err := r.next(int(n))
		if err != nil {
			return nil, err
		}
		return append(make([]byte, 0, n), b...), nil
	}
	out := make([]byte, 0, maxPrealloc)
	for uint64(len(out)) < n {
		chunk := n - uint64(len(out))
		if chunk > maxPrealloc {
			chunk = maxPrealloc
		}
		b, err := r.next(int(chunk))
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// length reads an RDB length. encoded reports the special string
// encodings (top bits 11), whose kind is then returned as the value.
func (r *reader) length() (n uint64, encoded bool, err error) {
	c, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	switch c >> 6 {
	case 0:
		return uint64(c & 0x3f), false, nil
	case 1:
		c2, err := r.byte()
		return uint64(c&0x3f)<<8 | uint64(c2), false, err
	case 3:
		return uint64(c & 0x3f), true, nil
	}
	switch c {
	case 0x80:
		b, err := r.next(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(b)), false, nil
	case 0x81:
		b, err := r.next(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(b), false, nil
	}
	return 0, false, fmt.Errorf("rdb: unknown length encoding 0x%02x at offset %d", c, r.Offset()-1)
}

// plainLen reads a length that must not be a string encoding.
func (r *reader) plainLen() (uint64, error) {
	n, enc, err := r.length()
	if err == nil && enc {
		err = fmt.Errorf("rdb: unexpected string encoding where a length belongs at offset %d", r.Offset()-1)
	}
	return n, err
}

// str reads an RDB string (raw, integer-encoded or LZF-compressed) into
// a newly allocated slice.
func (r *reader) str() ([]byte, error) { return r.strInto(nil, 0) }

// strInto is str that writes a string of up to max bytes into scratch's
// memory instead of a new slice (a nil scratch always allocates): for keys
// and short values the keyspace copies into its own nodes, so loading makes
// no garbage for them.
func (r *reader) strInto(scratch []byte, max int) ([]byte, error) {
	n, enc, err := r.length()
	if err != nil {
		return nil, err
	}
	// fits says whether a string of l bytes goes into scratch.
	fits := func(l uint64) bool { return scratch != nil && l <= uint64(max) }
	if !enc {
		if fits(n) {
			b, err := r.next(int(n))
			if err != nil {
				return nil, err
			}
			return append(scratch[:0], b...), nil
		}
		return r.bytes(n)
	}
	switch n {
	case encInt8:
		b, err := r.next(1)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(scratch[:0], int64(int8(b[0])), 10), nil
	case encInt16:
		b, err := r.next(2)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(scratch[:0], int64(int16(binary.LittleEndian.Uint16(b))), 10), nil
	case encInt32:
		b, err := r.next(4)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(scratch[:0], int64(int32(binary.LittleEndian.Uint32(b))), 10), nil
	case encLZF:
		clen, err := r.plainLen()
		if err != nil {
			return nil, err
		}
		ulen, err := r.plainLen()
		if err != nil {
			return nil, err
		}
		// A compressed string that fits the read buffer is decompressed
		// from it, not from a copy.
		var comp []byte
		if clen <= lzfInPlace {
			comp, err = r.next(int(clen))
		} else {
			comp, err = r.bytes(clen)
		}
		if err != nil {
			return nil, err
		}
		// LZF expands at most about 256x (a 3-byte back reference yields
		// 264 bytes): a larger claimed length is corrupt, and checking
		// first keeps a hostile header from allocating it.
		if ulen > uint64(len(comp))*264+64 || ulen > math.MaxInt32*2 {
			return nil, fmt.Errorf("rdb: LZF string claims %d bytes from %d compressed", ulen, clen)
		}
		var dst []byte
		if fits(ulen) {
			dst = scratch
		}
		out, err := encoding.LZFDecompressTo(dst, comp, int(ulen))
		if err != nil {
			return nil, fmt.Errorf("rdb: invalid LZF-compressed string: %w", err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("rdb: unknown string encoding %d at offset %d", n, r.Offset()-1)
}

// binaryDouble reads a ZSET_2 score.
func (r *reader) binaryDouble() (float64, error) {
	b, err := r.next(8)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
}

// textDouble reads an old-style ZSET score: a length byte (253 nan, 254
// +inf, 255 -inf) then that many ASCII characters.
func (r *reader) textDouble() (float64, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch c {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	b, err := r.next(int(c))
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, fmt.Errorf("rdb: invalid score %q", b)
	}
	return f, nil
}
