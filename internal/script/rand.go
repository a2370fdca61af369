package script

// rand48 is the pseudo-random generator behind math.random: the 48-bit
// linear congruential generator of POSIX lrand48 (multiplier 0x5DEECE66D,
// increment 0xB), which Redis ships as redisLrand48 so that every platform
// produces the same sequence for the same seed. Redis 7 keeps one generator
// for EVAL and functions and never reseeds it by itself; a server here
// owns one (see Shared).
type rand48 struct{ x uint64 }

const (
	rand48Mul  = 0x5DEECE66D
	rand48Add  = 0xB
	rand48Mask = 1<<48 - 1
	// rand48Max is REDIS_LRAND48_MAX (INT32_MAX).
	rand48Max = 1<<31 - 1
	// rand48Init is the state before any seeding (X2 X1 X0 = 0x1234 0xABCD 0x330E).
	rand48Init = 0x1234ABCD330E
)

func newRand48() *rand48 { return &rand48{x: rand48Init} }

// seed is srand48: the high 32 bits of the state take the seed.
func (r *rand48) seed(v int32) { r.x = uint64(uint32(v))<<16 | 0x330E }

// next returns the next value in [0, 2^31).
func (r *rand48) next() int32 {
	r.x = (r.x*rand48Mul + rand48Add) & rand48Mask
	return int32(r.x >> 17)
}
