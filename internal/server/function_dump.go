package server

import (
	"encoding/binary"
	"errors"
	"hash/crc64"
)

// FUNCTION DUMP / RESTORE payloads, in Redis's format: the libraries as
// the RDB stores them (opcode RDB_OPCODE_FUNCTION2 then the library code
// as an RDB string), then the RDB version (2 bytes, little-endian) and a
// CRC64 (Jones polynomial, little-endian) of everything before it.
//
// Strings are written uncompressed (valid for Redis, which reads both);
// LZF-compressed strings from Redis's dumps are read. When the RDB
// package lands, its string codec and CRC64 should replace these.

const (
	rdbVersion           = 10
	rdbOpcodeFunction    = 246 // 7.0 release candidates: name, engine, description, code
	rdbOpcodeFunction2   = 245 // the code, shebang included
	rdbEncInt8, rdbEnc16 = 0, 1
	rdbEncInt32, rdbLZF  = 2, 3
)

// crc64Jones is Redis's CRC64 (reflected Jones polynomial, no final
// xor). Go's crc64 pre- and post-inverts, which the wrapper undoes.
func crc64Jones(b []byte) uint64 {
	return ^crc64.Update(^uint64(0), jonesTable, b)
}

// jonesTable is the CRC64 lookup table (immutable after initialization).
var jonesTable = crc64.MakeTable(0x95AC9329AC4BC9B5)

// appendRDBLen appends an RDB length.
func appendRDBLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|0x40, byte(n))
	case n <= 0xffffffff:
		b = append(b, 0x80)
		return binary.BigEndian.AppendUint32(b, uint32(n))
	default:
		b = append(b, 0x81)
		return binary.BigEndian.AppendUint64(b, n)
	}
}

// functionDumpPayload serializes library codes.
func functionDumpPayload(codes [][]byte) []byte {
	var b []byte
	for _, code := range codes {
		b = append(b, rdbOpcodeFunction2)
		b = appendRDBLen(b, uint64(len(code)))
		b = append(b, code...)
	}
	b = binary.LittleEndian.AppendUint16(b, rdbVersion)
	return binary.LittleEndian.AppendUint64(b, crc64Jones(b))
}

// verifyDumpPayload checks the footer of a DUMP payload.
func verifyDumpPayload(p []byte, skipChecksum bool) bool {
	if len(p) < 10 {
		return false
	}
	footer := p[len(p)-10:]
	if binary.LittleEndian.Uint16(footer) > rdbVersion {
		return false
	}
	return skipChecksum || binary.LittleEndian.Uint64(footer[2:]) == crc64Jones(p[:len(p)-8])
}

// rdbReader reads RDB values from a payload.
type rdbReader struct {
	b   []byte
	pos int
}

var errRDBShort = errors.New("short read")

func (r *rdbReader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errRDBShort
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *rdbReader) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)-r.pos) {
		return nil, errRDBShort
	}
	out := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return out, nil
}

// length reads an RDB length; encoded reports a special string encoding
// (then the value is the encoding type).
func (r *rdbReader) length() (n uint64, encoded bool, err error) {
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
		b, err := r.bytes(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(b)), false, nil
	case 0x81:
		b, err := r.bytes(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(b), false, nil
	}
	return 0, false, errors.New("bad length")
}

// str reads an RDB string (plain, integer-encoded or LZF-compressed).
func (r *rdbReader) str() ([]byte, error) {
	n, enc, err := r.length()
	if err != nil {
		return nil, err
	}
	if !enc {
		b, err := r.bytes(n)
		return append([]byte(nil), b...), err
	}
	switch n {
	case rdbEncInt8:
		b, err := r.bytes(1)
		if err != nil {
			return nil, err
		}
		return []byte(itoa(int64(int8(b[0])))), nil
	case rdbEnc16:
		b, err := r.bytes(2)
		if err != nil {
			return nil, err
		}
		return []byte(itoa(int64(int16(binary.LittleEndian.Uint16(b))))), nil
	case rdbEncInt32:
		b, err := r.bytes(4)
		if err != nil {
			return nil, err
		}
		return []byte(itoa(int64(int32(binary.LittleEndian.Uint32(b))))), nil
	case rdbLZF:
		clen, _, err := r.length()
		if err != nil {
			return nil, err
		}
		ulen, _, err := r.length()
		if err != nil {
			return nil, err
		}
		comp, err := r.bytes(clen)
		if err != nil {
			return nil, err
		}
		return lzfDecompress(comp, int(ulen))
	}
	return nil, errors.New("unknown string encoding")
}

// lzfDecompress expands LZF data (liblzf's format) to exactly n bytes.
func lzfDecompress(in []byte, n int) ([]byte, error) {
	out := make([]byte, 0, n)
	bad := errors.New("invalid LZF data")
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 {
			run := ctrl + 1
			if i+run > len(in) || len(out)+run > n {
				return nil, bad
			}
			out = append(out, in[i:i+run]...)
			i += run
			continue
		}
		length := ctrl >> 5
		if length == 7 {
			if i >= len(in) {
				return nil, bad
			}
			length += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, bad
		}
		ref := len(out) - (ctrl&0x1f)<<8 - 1 - int(in[i])
		i++
		length += 2
		if ref < 0 || len(out)+length > n {
			return nil, bad
		}
		for k := 0; k < length; k++ {
			out = append(out, out[ref+k])
		}
	}
	if len(out) != n {
		return nil, bad
	}
	return out, nil
}

// parseFunctionPayload extracts the library codes of a verified payload,
// with Redis's error texts.
func parseFunctionPayload(p []byte) ([][]byte, string) {
	r := &rdbReader{b: p}
	var codes [][]byte
	for len(p)-r.pos > 10 {
		typ, err := r.byte()
		if err != nil {
			return nil, "can not read data type"
		}
		switch typ {
		case rdbOpcodeFunction2:
			code, err := r.str()
			if err != nil {
				return nil, "Failed loading library payload"
			}
			codes = append(codes, code)
		case rdbOpcodeFunction:
			name, err := r.str()
			if err != nil {
				return nil, "Failed loading library name"
			}
			engine, err := r.str()
			if err != nil {
				return nil, "Failed loading engine name"
			}
			hasDesc, _, err := r.length()
			if err != nil {
				return nil, "Failed loading library description indicator"
			}
			if hasDesc != 0 {
				if _, err := r.str(); err != nil {
					return nil, "Failed loading library description"
				}
			}
			blob, err := r.str()
			if err != nil {
				return nil, "Failed loading library blob"
			}
			code := append([]byte("#!"), engine...)
			code = append(code, " name="...)
			code = append(code, name...)
			code = append(code, '\n')
			codes = append(codes, append(code, blob...))
		default:
			return nil, "given type is not a function"
		}
	}
	return codes, ""
}
