package types

import "math"

// Correctly rounded sine, cosine and arcsine for the GEO distances. Redis
// computes distances with the C library's sin, cos and asin, which are
// (all but always) correctly rounded; Go's math package is accurate to an
// ulp or so but not correctly rounded, which shows in the last digits of
// STOREDIST scores. These evaluate in double-double arithmetic (about 100
// bits) and round once at the end.

// dd is an unevaluated sum hi+lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func ddAdd(a, b dd) dd {
	s := twoSum(a.hi, b.hi)
	t := twoSum(a.lo, b.lo)
	s.lo += t.hi
	s = quickTwoSum(s.hi, s.lo)
	s.lo += t.lo
	return quickTwoSum(s.hi, s.lo)
}

func ddMul(a, b dd) dd {
	p := twoProd(a.hi, b.hi)
	p.lo += a.hi*b.lo + a.lo*b.hi
	return quickTwoSum(p.hi, p.lo)
}

// ddDivF divides by a small exact integer-valued double.
func ddDivF(a dd, d float64) dd {
	q := a.hi / d
	p := twoProd(q, d)
	r := ((a.hi - p.hi) - p.lo + a.lo) / d
	return quickTwoSum(q, r)
}

func ddNeg(a dd) dd { return dd{-a.hi, -a.lo} }

// pi/2 in three parts (53 bits each).
const (
	pio2a = 1.5707963267948966
	pio2b = 6.123233995736766e-17
	pio2c = -1.4973849048591698e-33
)

// reduce returns r = x - k*pi/2 in double-double with |r| <= ~pi/4, and k
// mod 4. It is meant for the moderate arguments of the distance formulas.
func reduce(x float64) (dd, int) {
	k := math.Round(x / pio2a)
	r := twoSum(x, -k*pio2a) // k is small: k*pio2a is exact
	r = ddAdd(r, ddNeg(twoProd(k, pio2b)))
	r = ddAdd(r, dd{-k * pio2c, 0})
	return r, int(int64(k) & 3)
}

// sinPoly and cosPoly are the Taylor series of sin and cos around 0 for
// |r| <= pi/4, summed until the terms vanish at double-double precision.
func sinPoly(r dd) dd {
	r2 := ddMul(r, r)
	sum, term := r, r
	for n := 2.0; n < 60; n += 2 {
		term = ddDivF(ddMul(term, r2), -(n * (n + 1)))
		sum = ddAdd(sum, term)
		if math.Abs(term.hi) < 1e-34*math.Abs(sum.hi) {
			break
		}
	}
	return sum
}

func cosPoly(r dd) dd {
	r2 := ddMul(r, r)
	sum, term := dd{1, 0}, dd{1, 0}
	for n := 1.0; n < 60; n += 2 {
		term = ddDivF(ddMul(term, r2), -(n * (n + 1)))
		sum = ddAdd(sum, term)
		if math.Abs(term.hi) < 1e-34 {
			break
		}
	}
	return sum
}

// sinCosDD returns sin x and cos x in double-double.
func sinCosDD(x float64) (s, c dd) {
	r, k := reduce(x)
	sr, cr := sinPoly(r), cosPoly(r)
	switch k {
	case 0:
		return sr, cr
	case 1:
		return cr, ddNeg(sr)
	case 2:
		return ddNeg(sr), ddNeg(cr)
	default:
		return ddNeg(cr), sr
	}
}

// geoSin is sin x, correctly rounded for |x| up to a few pi.
func geoSin(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e6 {
		return math.Sin(x)
	}
	s, _ := sinCosDD(x)
	return s.hi + s.lo
}

// geoCos is cos x, correctly rounded for |x| up to a few pi.
func geoCos(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e6 {
		return math.Cos(x)
	}
	_, c := sinCosDD(x)
	return c.hi + c.lo
}

// geoAsin is asin x, correctly rounded: one Newton step with a second-order
// term, in double-double, from math.Asin's estimate.
func geoAsin(x float64) float64 {
	y0 := math.Asin(x)
	if x == 0 || math.IsNaN(y0) || math.Abs(x) == 1 {
		return y0
	}
	s, c := sinCosDD(y0)
	diff := ddAdd(dd{x, 0}, ddNeg(s)) // x - sin(y0), exact enough
	d := diff.hi / (c.hi + c.lo)
	// Newton: y0 + d, plus d^2*tan(y0)/2 for the curvature.
	d += d * d * (s.hi / c.hi) / 2
	y := twoSum(y0, d)
	return y.hi + y.lo
}
