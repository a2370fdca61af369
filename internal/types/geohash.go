package types

import "math"

// Geohash arithmetic for the GEO commands, with Redis's conventions so
// that scores, decoded coordinates, distances and the cells a search
// visits are the same as Redis's: a cell of step s is 2s interleaved bits,
// latitude in the even bits and longitude in the odd ones; positions are
// indexed over longitudes -180..180 and latitudes -85.05112878..85.05112878
// (the Web Mercator square), 26 steps (52 bits) for stored points.

// Geographic limits of indexable points.
const (
	GeoLonMin = -180.0
	GeoLonMax = 180.0
	GeoLatMin = -85.05112878
	GeoLatMax = 85.05112878
	// GeoStepMax is the precision of stored scores (52 bits).
	GeoStepMax = 26
	// EarthRadius is the radius used by every distance, in meters.
	EarthRadius = 6372797.560856
	// mercatorMax is half the circumference the search steps are sized by.
	mercatorMax = 20037726.37
)

// degToRad is computed at run time so that it rounds as pi/180.0 does in
// double arithmetic (a Go constant expression would be exact, then rounded).
var degToRad = func() float64 { pi, d := math.Pi, 180.0; return pi / d }()

// GeoCell is a geohash cell: its interleaved bits and its step.
type GeoCell struct {
	Bits uint64
	Step uint8
}

// GeoArea is the rectangle a cell covers.
type GeoArea struct {
	LonMin, LonMax, LatMin, LatMax float64
}

// interleave puts the bits of lat in the even positions and those of lon in
// the odd ones.
func interleave(lat, lon uint32) uint64 { return spreadBits(uint64(lat)) | spreadBits(uint64(lon))<<1 }

func spreadBits(v uint64) uint64 {
	v &= 0xffffffff
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f0f0f0f0f
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

func squashBits(v uint64) uint32 {
	v &= 0x5555555555555555
	v = (v | v>>1) & 0x3333333333333333
	v = (v | v>>2) & 0x0f0f0f0f0f0f0f0f
	v = (v | v>>4) & 0x00ff00ff00ff00ff
	v = (v | v>>8) & 0x0000ffff0000ffff
	v = (v | v>>16) & 0x00000000ffffffff
	return uint32(v)
}

// GeoEncode returns the cell of the given step holding lon, lat (which
// must be within the limits), over the latitude range latMin..latMax.
func GeoEncode(lon, lat, latMin, latMax float64, step uint8) GeoCell {
	latOff := (lat - latMin) / (latMax - latMin)
	lonOff := (lon - GeoLonMin) / (GeoLonMax - GeoLonMin)
	scale := float64(uint64(1) << step)
	return GeoCell{Bits: interleave(uint32(latOff*scale), uint32(lonOff*scale)), Step: step}
}

// Area returns the rectangle c covers (over the indexing latitude range).
func (c GeoCell) Area() GeoArea {
	ilat, ilon := squashBits(c.Bits), squashBits(c.Bits>>1)
	scale := float64(uint64(1) << c.Step)
	latSpan, lonSpan := GeoLatMax-GeoLatMin, GeoLonMax-GeoLonMin
	return GeoArea{
		LatMin: GeoLatMin + float64(ilat)/scale*latSpan,
		LatMax: GeoLatMin + float64(uint64(ilat)+1)/scale*latSpan,
		LonMin: GeoLonMin + float64(ilon)/scale*lonSpan,
		LonMax: GeoLonMin + float64(uint64(ilon)+1)/scale*lonSpan,
	}
}

// GeoDecodeScore returns the point a stored score stands for: the centre
// of its 52-bit cell, clamped to the limits.
func GeoDecodeScore(score float64) (lon, lat float64) {
	a := GeoCell{Bits: uint64(score), Step: GeoStepMax}.Area()
	lon = min(max((a.LonMin+a.LonMax)/2, GeoLonMin), GeoLonMax)
	lat = min(max((a.LatMin+a.LatMax)/2, GeoLatMin), GeoLatMax)
	return lon, lat
}

// ScoreRange returns the range [lo, hi) of 52-bit scores inside c.
func (c GeoCell) ScoreRange() (lo, hi uint64) {
	shift := 52 - 2*uint(c.Step)
	return c.Bits << shift, (c.Bits + 1) << shift
}

// move shifts the cell by dx cells east (or west when negative) and dy
// cells north (south), wrapping around.
func (c GeoCell) move(dx, dy int) GeoCell {
	width := 64 - 2*uint(c.Step)
	lon, lat := c.Bits&0xaaaaaaaaaaaaaaaa, c.Bits&0x5555555555555555
	if dx != 0 {
		lon = moveBits(lon, 0x5555555555555555>>width, dx)
		lon &= 0xaaaaaaaaaaaaaaaa >> width
	}
	if dy != 0 {
		lat = moveBits(lat, 0xaaaaaaaaaaaaaaaa>>width, dy)
		lat &= 0x5555555555555555 >> width
	}
	return GeoCell{Bits: lon | lat, Step: c.Step}
}

// moveBits adds or subtracts one to the coordinate held in the bits of v
// not set in other (the other coordinate's positions): setting those
// positions makes the carry or borrow run through them.
func moveBits(v, other uint64, d int) uint64 {
	if d > 0 {
		return v + other + 1
	}
	return (v | other) - (other + 1)
}

// geoStepsForRadius picks the cell step for a search of radius meters
// around latitude lat: cells about as large as the radius, larger near the
// poles.
func geoStepsForRadius(meters, lat float64) uint8 {
	if meters == 0 {
		return GeoStepMax
	}
	step := 1
	for meters < mercatorMax {
		meters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), GeoStepMax))
}

// GeoShape is a search area centred on Lon, Lat: a circle of Radius, or a
// box of Width by Height, in a unit of Conv meters. The arithmetic follows
// Redis's operation by operation (sizes are converted to meters where it
// converts them), so that borderline points fall on the same side.
type GeoShape struct {
	Lon, Lat      float64
	Box           bool
	Radius        float64
	Width, Height float64
	Conv          float64
}

// boundingBox returns the longitude and latitude limits of the shape.
func (s *GeoShape) boundingBox() (lonMin, latMin, lonMax, latMax float64) {
	halfH, halfW := s.Conv*s.Radius, s.Conv*s.Radius
	if s.Box {
		halfH, halfW = s.Conv*(s.Height/2), s.Conv*(s.Width/2)
	}
	latDelta := halfH / EarthRadius / degToRad
	lonDeltaTop := halfW / EarthRadius / geoCos((s.Lat+latDelta)*degToRad) / degToRad
	lonDeltaBottom := halfW / EarthRadius / geoCos((s.Lat-latDelta)*degToRad) / degToRad
	lonDelta := lonDeltaTop
	if s.Lat < 0 {
		lonDelta = lonDeltaBottom
	}
	return s.Lon - lonDelta, s.Lat - latDelta, s.Lon + lonDelta, s.Lat + latDelta
}

// SearchCells returns the cells to scan for the shape, in Redis's order:
// the centre's cell, then north, south, east, west, north-east,
// north-west, south-east, south-west. Neighbours that cannot hold a match
// are left out; a neighbour equal to the previous scanned one is skipped.
func (s *GeoShape) SearchCells() []GeoCell {
	lonMin, latMin, lonMax, latMax := s.boundingBox()
	radius := s.Radius
	if s.Box {
		radius = math.Sqrt(s.Width/2*(s.Width/2) + s.Height/2*(s.Height/2))
	}
	step := geoStepsForRadius(radius*s.Conv, s.Lat)
	centre := GeoEncode(s.Lon, s.Lat, GeoLatMin, GeoLatMax, step)
	// The estimate may leave part of the box outside the 3x3 cells
	// near a cell edge: one step coarser then.
	if step > 1 {
		n, so, e, w := centre.move(0, 1).Area(), centre.move(0, -1).Area(), centre.move(1, 0).Area(), centre.move(-1, 0).Area()
		if n.LatMax < latMax || so.LatMin > latMin || e.LonMax < lonMax || w.LonMin > lonMin {
			step--
			centre = GeoEncode(s.Lon, s.Lat, GeoLatMin, GeoLatMax, step)
		}
	}
	area := centre.Area()
	// centre, N, S, E, W, NE, NW, SE, SW
	cells := [9]GeoCell{centre, centre.move(0, 1), centre.move(0, -1), centre.move(1, 0), centre.move(-1, 0),
		centre.move(1, 1), centre.move(-1, 1), centre.move(1, -1), centre.move(-1, -1)}
	var skip [9]bool
	if step >= 2 {
		if area.LatMin < latMin {
			skip[2], skip[7], skip[8] = true, true, true
		}
		if area.LatMax > latMax {
			skip[1], skip[5], skip[6] = true, true, true
		}
		if area.LonMin < lonMin {
			skip[4], skip[8], skip[6] = true, true, true
		}
		if area.LonMax > lonMax {
			skip[3], skip[7], skip[5] = true, true, true
		}
	}
	out := make([]GeoCell, 0, 9)
	last := 0
	for i, c := range cells {
		if skip[i] || c.Bits == 0 && c.Step == 0 {
			continue
		}
		if last != 0 && c == cells[last] {
			continue
		}
		out = append(out, c)
		last = i
	}
	return out
}

// Contains reports whether the point lon, lat is inside the shape, and its
// distance in meters from the centre.
func (s *GeoShape) Contains(lon, lat float64) (float64, bool) {
	if !s.Box {
		d := GeoDistance(s.Lon, s.Lat, lon, lat)
		return d, d <= s.Radius*s.Conv
	}
	w, h := s.Width*s.Conv, s.Height*s.Conv
	if geoLatDistance(lat, s.Lat) > h/2 {
		return 0, false
	}
	if GeoDistance(lon, lat, s.Lon, lat) > w/2 {
		return 0, false
	}
	return GeoDistance(s.Lon, s.Lat, lon, lat), true
}

func geoLatDistance(lat1, lat2 float64) float64 {
	return EarthRadius * math.Abs(lat2*degToRad-lat1*degToRad)
}

// GeoDistance is the haversine distance in meters between two points,
// computed as Redis computes it (see geohash_math.go for the functions).
func GeoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	v := geoSin((lon2*degToRad - lon1*degToRad) / 2)
	if v == 0 {
		return geoLatDistance(lat1, lat2)
	}
	la1, la2 := lat1*degToRad, lat2*degToRad
	u := geoSin((la2 - la1) / 2)
	a := u*u + geoCos(la1)*geoCos(la2)*v*v
	return 2 * EarthRadius * geoAsin(math.Sqrt(a))
}
