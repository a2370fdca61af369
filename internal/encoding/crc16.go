package encoding

// crc16Table is the byte-at-a-time table of CRC16-XMODEM (polynomial 0x1021,
// MSB first). Computed once at init, never written after.
var crc16Table = makeCRC16Table()

func makeCRC16Table() *[256]uint16 {
	t := new([256]uint16)
	for i := range 256 {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}

// CRC16 returns the CRC16-XMODEM of p (polynomial 0x1021, initial value 0,
// not reflected, no final xor), the checksum Redis Cluster uses to map keys
// to hash slots: slot = CRC16(key) % 16384.
func CRC16(p []byte) uint16 {
	var crc uint16
	for _, b := range p {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^b]
	}
	return crc
}
