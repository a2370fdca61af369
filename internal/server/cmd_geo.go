package server

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/peregrinedb/peregrine/internal/types"
)

// Geospatial indexes: points stored in a sorted set, scored by the 52-bit
// interleaved geohash of their coordinates, as Redis does (so GEO keys are
// ordinary sorted sets). GEOADD, GEOPOS, GEODIST and GEOHASH; the searches
// are in cmd_geo_search.go.

func geoCommands() []*Command {
	return append([]*Command{
		spec("geoadd", -5, "write denyoom", 1, 1, 1, "geo", geoaddCommand),
		spec("geopos", -2, "readonly", 1, 1, 1, "geo", geoposCommand),
		spec("geodist", -4, "readonly", 1, 1, 1, "geo", geodistCommand),
		spec("geohash", -2, "readonly", 1, 1, 1, "geo", geohashCommand),
	}, geoSearchCommands()...)
}

func geoaddCommand(x *Ctx) {
	var nx, xx bool
	i := 2
	var opts [][]byte
	for ; i < len(x.args); i++ {
		switch {
		case eqFold(x.args[i], "nx"):
			nx = true
		case eqFold(x.args[i], "xx"):
			xx = true
		case eqFold(x.args[i], "ch"):
		default:
			goto parsed
		}
		opts = append(opts, x.args[i])
	}
parsed:
	if (len(x.args)-i)%3 != 0 || nx && xx {
		x.Err(errSyntax)
		return
	}
	zargs := [][]byte{[]byte("zadd"), x.args[1]}
	zargs = append(zargs, opts...)
	for ; i < len(x.args); i += 3 {
		lon, ok1 := parseScore(x.args[i])
		lat, ok2 := parseScore(x.args[i+1])
		if !ok1 || !ok2 {
			x.Err(errNotFloat)
			return
		}
		if lon < types.GeoLonMin || lon > types.GeoLonMax || lat < types.GeoLatMin || lat > types.GeoLatMax {
			x.Err(fmt.Sprintf("ERR invalid longitude,latitude pair %f,%f", lon, lat))
			return
		}
		bits := types.GeoEncode(lon, lat, types.GeoLatMin, types.GeoLatMax, types.GeoStepMax).Bits
		zargs = append(zargs, strconv.AppendUint(nil, bits, 10), x.args[i+2])
	}
	// GEOADD is a ZADD of the encoded scores, as in Redis.
	inner := *x
	inner.args = zargs
	inner.zaddGeneric(false)
	x.failed = inner.failed
	x.propagateAs(zargs...) // as in Redis, GEOADD propagates as that ZADD
}

func geoposCommand(x *Ctx) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	x.w.Array(len(x.args) - 2)
	for _, m := range x.args[2:] {
		var s float64
		found := false
		if z != nil {
			s, found = z.Score(m)
		}
		if !found {
			x.w.NullArray()
			continue
		}
		lon, lat := types.GeoDecodeScore(s)
		x.w.Array(2)
		x.replyHumanDouble(lon)
		x.replyHumanDouble(lat)
	}
}

// replyHumanDouble writes f in Redis's human form: a bulk string in RESP2,
// a double in RESP3.
func (x *Ctx) replyHumanDouble(f float64) {
	s := humanFloat(f)
	if x.w.Proto >= 3 {
		x.w.Raw([]byte("," + s + "\r\n"))
		return
	}
	x.w.BulkString(s)
}

// humanFloat formats as Redis's "%.17Lf" with trailing zeros removed.
func humanFloat(f float64) string {
	return trimHumanFloat(strconv.FormatFloat(f, 'f', 17, 64))
}

func geodistCommand(x *Ctx) {
	toMeter := 1.0
	if len(x.args) == 5 {
		switch strings.ToLower(string(x.args[4])) {
		case "m":
		case "km":
			toMeter = 1000
		case "ft":
			toMeter = 0.3048
		case "mi":
			toMeter = 1609.34
		default:
			x.Err("ERR unsupported unit provided. please use M, KM, FT, MI")
			return
		}
	} else if len(x.args) > 5 {
		x.Err(errSyntax)
		return
	}
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		x.w.Null()
		return
	}
	s1, ok1 := z.Score(x.args[2])
	s2, ok2 := z.Score(x.args[3])
	if !ok1 || !ok2 {
		x.w.Null()
		return
	}
	lon1, lat1 := types.GeoDecodeScore(s1)
	lon2, lat2 := types.GeoDecodeScore(s2)
	x.w.Bulk(appendGeoDistance(nil, types.GeoDistance(lon1, lat1, lon2, lat2)/toMeter))
}

func geohashCommand(x *Ctx) {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	x.w.Array(len(x.args) - 2)
	for _, m := range x.args[2:] {
		var s float64
		found := false
		if z != nil {
			s, found = z.Score(m)
		}
		if !found {
			x.w.Null()
			continue
		}
		lon, lat := types.GeoDecodeScore(s)
		// The standard geohash uses latitudes -90..90.
		bits := types.GeoEncode(lon, lat, -90, 90, types.GeoStepMax).Bits
		var buf [11]byte
		for i := 0; i < 11; i++ {
			idx := 0
			if i < 10 {
				idx = int(bits>>(52-uint((i+1)*5))) & 0x1f
			}
			buf[i] = alphabet[idx]
		}
		x.w.Bulk(buf[:])
	}
}
