package encoding

import (
	"encoding/binary"
	"fmt"
)

// Zipmap layout (hashes in Redis before 2.6, read only): <zmlen: 1 byte,
// the pair count, or 254+ when unknown> then pairs <len>key<len><free>value
// <free bytes>, then a 0xFF terminator. A <len> is one byte when below 254,
// otherwise 0xFE and a uint32 LE (Redis wrote it in host order, which is
// little-endian on every platform it ships RDB files from); 0xFF in key
// position ends the map. <free> is one byte: unused bytes after the value.
const (
	zmBigLen  = 254
	zmEnd     = 0xff
	zmHdrSize = 1
)

// ZipmapEach calls fn for every key/value pair of the zipmap zm, in order,
// after validating it like Redis does when loading a dump: every length and
// free count stays inside the buffer, the map ends with the terminator
// exactly at the end of zm, it is not empty (Redis never writes an empty
// zipmap and rejects one), and zmlen matches the pair count unless it is
// 254 (unknown). key and val alias zm (their capacity ends
// with them). It stops at and returns the first error, including one
// returned by fn.
func ZipmapEach(zm []byte, fn func(key, val []byte) error) error {
	if len(zm) < zmHdrSize+1 {
		return fmt.Errorf("zipmap: %d bytes is shorter than the header and terminator", len(zm))
	}
	end := len(zm) - 1
	if zm[end] != zmEnd {
		return fmt.Errorf("zipmap: last byte is %#x, not the 0xff terminator", zm[end])
	}
	count := 0
	off := zmHdrSize
	for zm[off] != zmEnd {
		key, next, err := zipmapString(zm, off, end)
		if err != nil {
			return err
		}
		if next >= end {
			return fmt.Errorf("zipmap: value of the pair at offset %d is missing", off)
		}
		if zm[next] == zmEnd {
			return fmt.Errorf("zipmap: value length at offset %d is the 0xff terminator", next)
		}
		vlen, hdr, err := zipmapLen(zm, next, end)
		if err != nil {
			return err
		}
		free := next + hdr
		if free >= end {
			return fmt.Errorf("zipmap: free byte of the value at offset %d overruns the buffer", next)
		}
		start := uint64(free) + 1
		stop := start + vlen + uint64(zm[free])
		if start+vlen > uint64(end) || stop > uint64(end) {
			return fmt.Errorf("zipmap: value at offset %d overruns the buffer", next)
		}
		val := zm[start : start+vlen : start+vlen]
		if fn != nil {
			if err := fn(key, val); err != nil {
				return err
			}
		}
		count++
		off = int(stop)
	}
	if off != end {
		return fmt.Errorf("zipmap: terminator at offset %d before the end of the buffer", off)
	}
	if count == 0 {
		return fmt.Errorf("zipmap: empty map")
	}
	if zm[0] != zmBigLen && int(zm[0]) != count {
		return fmt.Errorf("zipmap: header says %d pairs, found %d", zm[0], count)
	}
	return nil
}

// zipmapLen decodes the length field at off and returns the length and the
// field's size; the field and the data must end before the terminator.
func zipmapLen(zm []byte, off, end int) (uint64, int, error) {
	if zm[off] < zmBigLen {
		return uint64(zm[off]), 1, nil
	}
	if off+5 > end {
		return 0, 0, fmt.Errorf("zipmap: length at offset %d overruns the buffer", off)
	}
	return uint64(binary.LittleEndian.Uint32(zm[off+1:])), 5, nil
}

// zipmapString decodes the length-prefixed key at off and returns it and
// the offset just after it.
func zipmapString(zm []byte, off, end int) ([]byte, int, error) {
	l, hdr, err := zipmapLen(zm, off, end)
	if err != nil {
		return nil, 0, err
	}
	start := uint64(off + hdr)
	if start+l > uint64(end) {
		return nil, 0, fmt.Errorf("zipmap: key at offset %d overruns the buffer", off)
	}
	return zm[start : start+l : start+l], int(start + l), nil
}
