package encoding

import "encoding/binary"

// crc64JonesReflected is the Jones polynomial (0xad93d23594c935a9) in the
// bit-reversed form used by a reflected (LSB-first) CRC.
const crc64JonesReflected = 0x95ac9329ac4bc9b5

// crc64Tables holds the slicing-by-8 tables: crc64Tables[0] is the classic
// byte-at-a-time table and crc64Tables[k][b] is the CRC contribution of byte
// b followed by k zero bytes. Computed once at init, never written after.
var crc64Tables = makeCRC64Tables()

func makeCRC64Tables() *[8][256]uint64 {
	t := new([8][256]uint64)
	for i := range 256 {
		c := uint64(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ crc64JonesReflected
			} else {
				c >>= 1
			}
		}
		t[0][i] = c
	}
	for i := range 256 {
		c := t[0][i]
		for k := 1; k < 8; k++ {
			c = t[0][c&0xff] ^ c>>8
			t[k][i] = c
		}
	}
	return t
}

// CRC64 continues the CRC-64 that Redis uses for RDB files and DUMP payloads
// (Jones polynomial, reflected, initial value 0, no final xor) over p,
// starting from crc. Start with 0; CRC64(CRC64(0, a), b) equals
// CRC64(0, a+b).
func CRC64(crc uint64, p []byte) uint64 {
	t := crc64Tables
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^
			t[6][crc>>8&0xff] ^
			t[5][crc>>16&0xff] ^
			t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^
			t[2][crc>>40&0xff] ^
			t[1][crc>>48&0xff] ^
			t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}
