package encoding

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// LZF stream format (as read by liblzf's lzf_decompress, which Redis uses):
// a sequence of chunks, each starting with a control byte c.
//
//   - c < 32: a literal run; the next c+1 bytes are copied to the output.
//   - c >= 32: a back reference. The length field is c>>5 (1..7); when it is
//     7 one more byte follows and is added to it. Then a byte b follows; the
//     match starts ((c&0x1f)<<8 | b) + 1 bytes before the current end of the
//     output and is (length field + 2) bytes long. Source and destination may
//     overlap, which repeats the last bytes.
const (
	lzfMaxLiteral = 32              // longest literal run one control byte announces
	lzfMaxOffset  = 1 << 13         // farthest back a reference can reach
	lzfMinMatch   = 3               // shortest match worth a reference
	lzfMaxMatch   = 2 + 7 + 255     // longest match one reference can encode
	lzfMaxRatio   = lzfMaxMatch / 3 // most output bytes per input byte (a 3-byte reference)
	lzfHashLog    = 14              // hash table size (log2) for inputs of 8 KB and more
	lzfSmallLog   = 9               // the smallest table, on the stack
)

// LZFCompress compresses in with the LZF format Redis uses for long strings
// in RDB files. It returns nil when the compressed form would be longer than
// maxOut bytes (Redis passes len(in)-4 and then stores the string
// uncompressed). An empty in compresses to an empty, non-nil slice.
// The output decompresses with Redis's lzf_decompress, though it is not
// necessarily byte-identical to what Redis's compressor produces.
func LZFCompress(in []byte, maxOut int) []byte {
	if maxOut < 0 {
		return nil
	}
	if len(in) == 0 {
		return []byte{}
	}
	// Worst case: everything is literal, one control byte per 32 bytes.
	bound := len(in) + (len(in)+lzfMaxLiteral-1)/lzfMaxLiteral
	out := make([]byte, 0, min(bound, maxOut))

	// table maps a hash of 3 bytes to 1 + the last position they were seen at
	// (0 means never). Windows are loaded 4 bytes at a time, so matching
	// stops 4 bytes before the end; the tail is emitted as literals.
	// The table is sized to the input (about two slots per byte, 512 to
	// 16,384 slots): zeroing a full table for each short value cost far
	// more than compressing it (RDB strings of a few dozen bytes).
	hlog := min(max(bits.Len(uint(len(in)))+1, lzfSmallLog), lzfHashLog)
	var small [1 << lzfSmallLog]int32
	var table []int32
	if hlog == lzfSmallLog {
		table = small[:]
	} else {
		table = make([]int32, 1<<hlog)
	}
	shift := 32 - hlog
	lit := 0 // start of the pending literal run
	ip := 0
	for ip+4 <= len(in) {
		v := binary.LittleEndian.Uint32(in[ip:]) & 0xffffff
		h := (v * 2654435761) >> shift
		cand := int(table[h]) - 1
		table[h] = int32(ip + 1)
		dist := ip - cand
		if cand < 0 || dist > lzfMaxOffset || binary.LittleEndian.Uint32(in[cand:])&0xffffff != v {
			// The longer the search has gone without a match, the
			// larger the step, so incompressible data is skipped
			// quickly (one more byte per 64 bytes without a match).
			ip += 1 + (ip-lit)>>6
			continue
		}
		n := lzfMinMatch + matchLen(in[cand+lzfMinMatch:], in[ip+lzfMinMatch:min(len(in), ip+lzfMaxMatch)])
		if out = lzfLiterals(out, in[lit:ip], maxOut); out == nil {
			return nil
		}
		if out = lzfReference(out, dist-1, n, maxOut); out == nil {
			return nil
		}
		// Index the positions inside the match so later data can refer
		// to them.
		end := ip + n
		for p := ip + 1; p < end && p+4 <= len(in); p++ {
			w := binary.LittleEndian.Uint32(in[p:]) & 0xffffff
			table[(w*2654435761)>>shift] = int32(p + 1)
		}
		ip = end
		lit = ip
	}
	return lzfLiterals(out, in[lit:], maxOut)
}

// matchLen returns how many leading bytes of b equal those of a; a is at
// least as long as b.
func matchLen(a, b []byte) int {
	n := 0
	for len(b)-n >= 8 {
		x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:])
		if x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// lzfLiterals appends lits as literal runs, or returns nil if the output
// would exceed maxOut.
func lzfLiterals(out, lits []byte, maxOut int) []byte {
	for len(lits) > 0 {
		n := min(len(lits), lzfMaxLiteral)
		if len(out)+1+n > maxOut {
			return nil
		}
		out = append(out, byte(n-1))
		out = append(out, lits[:n]...)
		lits = lits[n:]
	}
	return out
}

// lzfReference appends a back reference to a match of n bytes (3..264)
// starting off+1 bytes back, or returns nil if the output would exceed
// maxOut.
func lzfReference(out []byte, off, n, maxOut int) []byte {
	l := n - 2
	if l < 7 {
		if len(out)+2 > maxOut {
			return nil
		}
		return append(out, byte(l<<5|off>>8), byte(off))
	}
	if len(out)+3 > maxOut {
		return nil
	}
	return append(out, byte(7<<5|off>>8), byte(l-7), byte(off))
}

// errLZFShort is returned when the input ends in the middle of a chunk.
var errLZFShort = errors.New("lzf: compressed data is truncated")

// LZFDecompress expands LZF-compressed data that must produce exactly outLen
// bytes. It returns an error, never panics, on corrupt input, on output that
// would be longer or shorter than outLen, and on an outLen that in cannot
// possibly expand to; it allocates at most outLen bytes.
func LZFDecompress(in []byte, outLen int) ([]byte, error) {
	return LZFDecompressTo(nil, in, outLen)
}

// LZFDecompressTo is LZFDecompress writing into dst's memory when its
// capacity holds outLen bytes (a reused buffer), else into a new slice.
func LZFDecompressTo(dst, in []byte, outLen int) ([]byte, error) {
	if outLen < 0 {
		return nil, fmt.Errorf("lzf: negative output length %d", outLen)
	}
	if outLen/lzfMaxRatio > len(in) {
		return nil, fmt.Errorf("lzf: %d compressed bytes cannot expand to %d bytes", len(in), outLen)
	}
	var out []byte
	if cap(dst) >= outLen {
		out = dst[:outLen]
	} else {
		out = make([]byte, outLen)
	}
	op := 0
	ip := 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < lzfMaxLiteral {
			n := ctrl + 1
			if ip+n > len(in) {
				return nil, errLZFShort
			}
			if op+n > outLen {
				return nil, fmt.Errorf("lzf: output exceeds the expected %d bytes", outLen)
			}
			copy(out[op:], in[ip:ip+n])
			ip += n
			op += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if ip >= len(in) {
				return nil, errLZFShort
			}
			n += int(in[ip])
			ip++
		}
		n += 2
		if ip >= len(in) {
			return nil, errLZFShort
		}
		dist := ((ctrl&0x1f)<<8 | int(in[ip])) + 1
		ip++
		if dist > op {
			return nil, fmt.Errorf("lzf: back reference at input offset %d points %d bytes before the start of the output", ip-1, dist-op)
		}
		if op+n > outLen {
			return nil, fmt.Errorf("lzf: output exceeds the expected %d bytes", outLen)
		}
		// The source may overlap the destination, which repeats the last
		// dist bytes: copy at most what is already written, each round
		// doubling the available pattern.
		src := op - dist
		for end := op + n; op < end; {
			op += copy(out[op:end], out[src:op])
		}
	}
	if op != outLen {
		return nil, fmt.Errorf("lzf: data expands to %d bytes, expected %d", op, outLen)
	}
	return out, nil
}
