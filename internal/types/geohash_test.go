package types

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// bigSin is sin x to 200 bits by its Taylor series (|x| small enough).
func bigSin(x float64) *big.Float {
	const prec = 200
	bx := new(big.Float).SetPrec(prec).SetFloat64(x)
	x2 := new(big.Float).SetPrec(prec).Mul(bx, bx)
	sum := new(big.Float).SetPrec(prec).Set(bx)
	term := new(big.Float).SetPrec(prec).Set(bx)
	for n := int64(2); n < 120; n += 2 {
		term.Mul(term, x2)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(-n*(n+1)))
		sum.Add(sum, term)
	}
	return sum
}

// nearest reports whether f is the double nearest to v.
func nearest(f float64, v *big.Float) bool {
	d := new(big.Float).Sub(new(big.Float).SetPrec(200).SetFloat64(f), v)
	d.Abs(d)
	for _, g := range []float64{math.Nextafter(f, math.Inf(1)), math.Nextafter(f, math.Inf(-1))} {
		e := new(big.Float).Sub(new(big.Float).SetPrec(200).SetFloat64(g), v)
		e.Abs(e)
		if e.Cmp(d) < 0 {
			return false
		}
	}
	return true
}

func TestGeoTrigIsCorrectlyRounded(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		x := (r.Float64()*2 - 1) * 3.2
		if i%3 == 0 {
			x *= 1e-4
		}
		if s := geoSin(x); !nearest(s, bigSin(x)) {
			t.Fatalf("sin(%v) = %v is not the nearest double", x, s)
		}
		// cos x = sin(pi/2 - x), with pi/2 to 200 bits.
		pio2 := new(big.Float).SetPrec(200).SetFloat64(pio2a)
		pio2.Add(pio2, new(big.Float).SetPrec(200).SetFloat64(pio2b))
		pio2.Add(pio2, new(big.Float).SetPrec(200).SetFloat64(pio2c))
		if c := geoCos(x); math.Abs(x) < 1.5 {
			// Reference through sin(pi/2 - x) in big precision.
			arg := new(big.Float).Sub(pio2, new(big.Float).SetPrec(200).SetFloat64(x))
			ref := bigSinBig(arg)
			if !nearest(c, ref) {
				t.Fatalf("cos(%v) = %v is not the nearest double", x, c)
			}
		}
		a := r.Float64()
		y := geoAsin(a)
		// asin is right when sin(y) brackets a between y's neighbours.
		lo, hi := bigSin(math.Nextafter(y, -1)), bigSin(math.Nextafter(y, 2))
		ba := new(big.Float).SetPrec(200).SetFloat64(a)
		if ba.Cmp(lo) < 0 || ba.Cmp(hi) > 0 {
			t.Fatalf("asin(%v) = %v is off by more than an ulp", a, y)
		}
	}
}

func bigSinBig(x *big.Float) *big.Float {
	const prec = 200
	x2 := new(big.Float).SetPrec(prec).Mul(x, x)
	sum := new(big.Float).SetPrec(prec).Set(x)
	term := new(big.Float).SetPrec(prec).Set(x)
	for n := int64(2); n < 120; n += 2 {
		term.Mul(term, x2)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(-n*(n+1)))
		sum.Add(sum, term)
	}
	return sum
}

func TestGeoCellsAndScores(t *testing.T) {
	// A stored point decodes to the centre of its cell, within the cell.
	c := GeoEncode(13.361389, 38.115556, GeoLatMin, GeoLatMax, GeoStepMax)
	if c.Bits != 3479099956230698 {
		t.Fatalf("Palermo's score = %d, want Redis's 3479099956230698", c.Bits)
	}
	lon, lat := GeoDecodeScore(float64(c.Bits))
	if math.Abs(lon-13.361389) > 1e-5 || math.Abs(lat-38.115556) > 1e-5 {
		t.Fatalf("decoded %v,%v", lon, lat)
	}
	// Neighbours are the adjacent cells, wrapping in longitude.
	cell := GeoEncode(179.99, 0.5, GeoLatMin, GeoLatMax, 4)
	a, e := cell.Area(), cell.move(1, 0).Area()
	if e.LonMin != -180 || e.LatMin != a.LatMin {
		t.Fatalf("east of the last column: %+v (from %+v)", e, a)
	}
	if n := cell.move(0, 1).Area(); n.LatMin != a.LatMax || n.LonMin != a.LonMin {
		t.Fatalf("north: %+v (from %+v)", n, a)
	}
	if w := cell.move(-1, -1).Area(); w.LonMax != a.LonMin || w.LatMax != a.LatMin {
		t.Fatalf("south-west: %+v (from %+v)", w, a)
	}
	lo, hi := cell.ScoreRange()
	if hi-lo != 1<<(52-8) || lo>>(52-8) != cell.Bits {
		t.Fatalf("score range %d..%d", lo, hi)
	}
	// Every search cell set covers the shape's matches: brute force.
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200; i++ {
		sh := GeoShape{Lon: r.Float64()*360 - 180, Lat: r.Float64()*160 - 80, Conv: 1}
		if i%2 == 0 {
			sh.Radius = r.Float64() * 500000
		} else {
			sh.Box, sh.Width, sh.Height = true, r.Float64()*800000, r.Float64()*800000
		}
		cells := sh.SearchCells()
		for j := 0; j < 300; j++ {
			plon := sh.Lon + (r.Float64()*2-1)*8
			plat := sh.Lat + (r.Float64()*2-1)*8
			if plon < -180 || plon > 180 || plat < GeoLatMin || plat > GeoLatMax {
				continue
			}
			score := GeoEncode(plon, plat, GeoLatMin, GeoLatMax, GeoStepMax).Bits
			dlon, dlat := GeoDecodeScore(float64(score))
			if _, in := sh.Contains(dlon, dlat); !in {
				continue
			}
			found := false
			for _, c := range cells {
				if lo, hi := c.ScoreRange(); score >= lo && score < hi {
					found = true
				}
			}
			if !found {
				t.Fatalf("shape %+v: point %v,%v inside but in no search cell", sh, dlon, dlat)
			}
		}
	}
}

func TestGeoDistance(t *testing.T) {
	// GEODIST Sicily Palermo Catania in Redis: 166274.1516 m.
	lon1, lat1 := GeoDecodeScore(3479099956230698)
	lon2, lat2 := GeoDecodeScore(3479447370796909)
	if d := GeoDistance(lon1, lat1, lon2, lat2); math.Abs(d-166274.1516) > 0.0001 {
		t.Fatalf("distance %v", d)
	}
	if d := GeoDistance(10, 20, 10, 21); math.Abs(d-EarthRadius*math.Pi/180) > 1e-6 {
		t.Fatalf("same meridian: %v", d)
	}
}
