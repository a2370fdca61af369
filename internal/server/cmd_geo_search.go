package server

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/peregrinedb/peregrine/internal/types"
)

// The GEO searches: GEORADIUS, GEORADIUSBYMEMBER (and their _RO forms),
// GEOSEARCH and GEOSEARCHSTORE. A search scans the sorted set's score
// ranges of the geohash cells around the centre (types.GeoShape), keeps
// the points inside the shape, optionally sorts them by distance, and
// replies or stores them. The cells and their order are Redis's, so even
// unsorted replies come in the same order.

// Search kinds and options, as flags.
const (
	geoFromCoords  = 1 << iota // GEORADIUS: centre given as lon lat
	geoFromMember              // GEORADIUSBYMEMBER: centre is a member
	geoNoStore                 // the _RO forms: no STORE/STOREDIST
	geoSearch                  // GEOSEARCH syntax (FROM.../BY...)
	geoSearchStore             // GEOSEARCHSTORE
)

func geoSearchCommands() []*Command {
	return []*Command{
		spec("georadius", -6, "write denyoom", 1, 1, 1, "geo", georadiusCommand).keys(georadiusKeys),
		spec("georadius_ro", -6, "readonly", 1, 1, 1, "geo", georadiusROCommand),
		spec("georadiusbymember", -5, "write denyoom", 1, 1, 1, "geo", georadiusByMemberCommand).keys(georadiusByMemberKeys),
		spec("georadiusbymember_ro", -5, "readonly", 1, 1, 1, "geo", georadiusByMemberROCommand),
		spec("geosearch", -7, "readonly", 1, 1, 1, "geo", geosearchCommand),
		spec("geosearchstore", -8, "write denyoom", 1, 2, 1, "geo", geosearchstoreCommand),
	}
}

// georadiusKeys and georadiusByMemberKeys find the keys as Redis's key
// specifications do: the source, then the argument after the first STORE
// and after the first STOREDIST from the options on.
func georadiusKeys(args [][]byte) []int         { return geoStoreKeys(args, 6) }
func georadiusByMemberKeys(args [][]byte) []int { return geoStoreKeys(args, 5) }

func geoStoreKeys(args [][]byte, from int) []int {
	keys := []int{1}
	for _, kw := range []string{"store", "storedist"} {
		for i := from; i+1 < len(args); i++ {
			if eqFold(args[i], kw) {
				keys = append(keys, i+1)
				break
			}
		}
	}
	return keys
}

func georadiusCommand(x *Ctx)           { x.geoSearchGeneric(1, geoFromCoords) }
func georadiusROCommand(x *Ctx)         { x.geoSearchGeneric(1, geoFromCoords|geoNoStore) }
func georadiusByMemberCommand(x *Ctx)   { x.geoSearchGeneric(1, geoFromMember) }
func georadiusByMemberROCommand(x *Ctx) { x.geoSearchGeneric(1, geoFromMember|geoNoStore) }
func geosearchCommand(x *Ctx)           { x.geoSearchGeneric(1, geoSearch) }
func geosearchstoreCommand(x *Ctx)      { x.geoSearchGeneric(2, geoSearch|geoSearchStore) }

// geoPoint is a match of a search.
type geoPoint struct {
	member   string
	score    float64
	lon, lat float64
	dist     float64 // meters, then the request's unit
}

// geoLonLatArgs parses a longitude and a latitude, replying the error.
func (x *Ctx) geoLonLatArgs(lonArg, latArg []byte) (lon, lat float64, ok bool) {
	lon, ok1 := parseScore(lonArg)
	if !ok1 {
		x.Err(errNotFloat)
		return 0, 0, false
	}
	lat, ok2 := parseScore(latArg)
	if !ok2 {
		x.Err(errNotFloat)
		return 0, 0, false
	}
	if lon < types.GeoLonMin || lon > types.GeoLonMax || lat < types.GeoLatMin || lat > types.GeoLatMax {
		x.Err(fmt.Sprintf("ERR invalid longitude,latitude pair %f,%f", lon, lat))
		return 0, 0, false
	}
	return lon, lat, true
}

// geoUnit returns the meters per unit named by arg, replying the error.
func (x *Ctx) geoUnit(arg []byte) (float64, bool) {
	switch {
	case eqFold(arg, "m"):
		return 1, true
	case eqFold(arg, "km"):
		return 1000, true
	case eqFold(arg, "ft"):
		return 0.3048, true
	case eqFold(arg, "mi"):
		return 1609.34, true
	}
	x.Err("ERR unsupported unit provided. please use M, KM, FT, MI")
	return 0, false
}

// geoRadiusArgs parses "radius unit" into the shape.
func (x *Ctx) geoRadiusArgs(sh *types.GeoShape, r, unit []byte) bool {
	d, ok := parseScore(r)
	if !ok {
		x.Err("ERR need numeric radius")
		return false
	}
	if d < 0 {
		x.Err("ERR radius cannot be negative")
		return false
	}
	conv, ok := x.geoUnit(unit)
	if !ok {
		return false
	}
	sh.Box, sh.Radius, sh.Conv = false, d, conv
	return true
}

// geoBoxArgs parses "width height unit" into the shape.
func (x *Ctx) geoBoxArgs(sh *types.GeoShape, w, h, unit []byte) bool {
	width, ok := parseScore(w)
	if !ok {
		x.Err("ERR need numeric width")
		return false
	}
	height, ok := parseScore(h)
	if !ok {
		x.Err("ERR need numeric height")
		return false
	}
	if width < 0 || height < 0 {
		x.Err("ERR height or width cannot be negative")
		return false
	}
	conv, ok := x.geoUnit(unit)
	if !ok {
		return false
	}
	sh.Box, sh.Width, sh.Height, sh.Conv = true, width, height, conv
	return true
}

// geoMemberPos sets the shape's centre to member's position.
func (x *Ctx) geoMemberPos(sh *types.GeoShape, z *types.ZSet, member []byte) bool {
	score, ok := z.Score(member)
	if !ok {
		x.Err("ERR could not decode requested zset member")
		return false
	}
	sh.Lon, sh.Lat = types.GeoDecodeScore(score)
	return true
}

// geoSearchGeneric runs every search command; src is the index of the
// source key.
func (x *Ctx) geoSearchGeneric(src int, flags int) {
	var storeKey []byte
	storeDist := false
	z, ok := x.zsetRead(x.args[src])
	if !ok {
		return
	}
	var sh types.GeoShape
	base := 0
	switch {
	case flags&geoFromCoords != 0:
		base = 6
		lon, lat, ok := x.geoLonLatArgs(x.args[2], x.args[3])
		if !ok {
			return
		}
		sh.Lon, sh.Lat = lon, lat
		if !x.geoRadiusArgs(&sh, x.args[4], x.args[5]) {
			return
		}
	case flags&geoFromMember != 0:
		base = 5
		if z != nil {
			// Without the key the rest is only parsed for the reply's shape.
			if !x.geoMemberPos(&sh, z, x.args[2]) || !x.geoRadiusArgs(&sh, x.args[3], x.args[4]) {
				return
			}
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			storeKey = x.args[1]
		}
	}

	var withDist, withHash, withCoord, any bool
	var fromMember, fromLonLat, byRadius, byBox bool
	sortOrder := 0 // 0 none, 1 asc, -1 desc
	count := int64(0)
	args := x.args
	for i := base; i < len(args); i++ {
		a := args[i]
		rem := len(args) - i - 1
		search := flags&geoSearch != 0
		switch {
		case eqFold(a, "withdist"):
			withDist = true
		case eqFold(a, "withhash"):
			withHash = true
		case eqFold(a, "withcoord"):
			withCoord = true
		case eqFold(a, "any"):
			any = true
		case eqFold(a, "asc"):
			sortOrder = 1
		case eqFold(a, "desc"):
			sortOrder = -1
		case eqFold(a, "count") && rem >= 1:
			n, ok := parseInt(args[i+1])
			if !ok {
				x.Err(errNotInt)
				return
			}
			if n <= 0 {
				x.Err("ERR COUNT must be > 0")
				return
			}
			count = n
			i++
		case (eqFold(a, "store") || eqFold(a, "storedist")) && rem >= 1 && flags&(geoNoStore|geoSearch) == 0:
			storeKey, storeDist = args[i+1], eqFold(a, "storedist")
			i++
		case eqFold(a, "storedist") && flags&geoSearchStore != 0:
			storeDist = true
		case eqFold(a, "frommember") && rem >= 1 && search && !fromLonLat:
			if z != nil && !x.geoMemberPos(&sh, z, args[i+1]) {
				return
			}
			fromMember = true
			i++
		case eqFold(a, "fromlonlat") && rem >= 2 && search && !fromMember:
			lon, lat, ok := x.geoLonLatArgs(args[i+1], args[i+2])
			if !ok {
				return
			}
			sh.Lon, sh.Lat = lon, lat
			fromLonLat = true
			i += 2
		case eqFold(a, "byradius") && rem >= 2 && search && !byBox:
			if !x.geoRadiusArgs(&sh, args[i+1], args[i+2]) {
				return
			}
			byRadius = true
			i += 2
		case eqFold(a, "bybox") && rem >= 3 && search && !byRadius:
			if !x.geoBoxArgs(&sh, args[i+1], args[i+2], args[i+3]) {
				return
			}
			byBox = true
			i += 3
		default:
			x.Err(errSyntax)
			return
		}
	}

	if storeKey != nil && (withDist || withHash || withCoord) {
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		x.Err("ERR " + what + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
		return
	}
	if flags&geoSearch != 0 && !fromMember && !fromLonLat {
		x.Err("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(args[0]))
		return
	}
	if flags&geoSearch != 0 && !byRadius && !byBox {
		x.Err("ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(args[0]))
		return
	}
	if any && count == 0 {
		x.Err("ERR the ANY argument requires COUNT argument")
		return
	}

	if z == nil {
		if storeKey != nil {
			x.storeGeoResult(storeKey, nil, flags)
			x.w.Int(0)
		} else {
			x.w.Array(0)
		}
		return
	}
	if count != 0 && sortOrder == 0 && !any {
		sortOrder = 1 // the nearest COUNT: sorting is implied
	}
	limit := 0
	if any {
		limit = int(min(count, math.MaxInt32))
	}
	points := geoCollect(z, &sh, limit)
	if len(points) == 0 && storeKey == nil {
		x.w.Array(0)
		return
	}
	switch sortOrder {
	case 1:
		sort.SliceStable(points, func(i, j int) bool { return points[i].dist < points[j].dist })
	case -1:
		sort.SliceStable(points, func(i, j int) bool { return points[i].dist > points[j].dist })
	}
	if count != 0 && int64(len(points)) > count {
		points = points[:count]
	}
	for i := range points {
		points[i].dist /= sh.Conv
	}

	if storeKey != nil {
		if storeDist {
			for i := range points {
				points[i].score = points[i].dist
			}
		}
		x.storeGeoResult(storeKey, points, flags)
		x.w.Int(int64(len(points)))
		return
	}
	opts := 0
	for _, b := range []bool{withDist, withHash, withCoord} {
		if b {
			opts++
		}
	}
	x.w.Array(len(points))
	var buf []byte
	for _, p := range points {
		if opts > 0 {
			x.w.Array(opts + 1)
		}
		x.w.BulkString(p.member)
		if withDist {
			buf = appendGeoDistance(buf[:0], p.dist)
			x.w.Bulk(buf)
		}
		if withHash {
			x.w.Int(int64(p.score))
		}
		if withCoord {
			x.w.Array(2)
			x.replyHumanDouble(p.lon)
			x.replyHumanDouble(p.lat)
		}
	}
}

// storeGeoResult replaces dst with the points (their scores already
// chosen), or deletes it when there are none.
func (x *Ctx) storeGeoResult(dst []byte, points []geoPoint, flags int) {
	event := "georadiusstore"
	if flags&geoSearch != 0 {
		event = "geosearchstore"
	}
	members := make([]string, len(points))
	scores := make([]float64, len(points))
	for i, p := range points {
		members[i], scores[i] = p.member, p.score
	}
	x.storeZset(dst, members, scores, event)
}

// geoCollect returns the members of z inside the shape, scanning the
// search cells in order and each cell's scores ascending; with limit > 0
// it stops once it has that many.
func geoCollect(z *types.ZSet, sh *types.GeoShape, limit int) []geoPoint {
	var out []geoPoint
	for _, cell := range sh.SearchCells() {
		if limit > 0 && len(out) >= limit {
			break
		}
		lo, hi := cell.ScoreRange()
		min, max := float64(lo), float64(hi)
		r := z.CountBefore(func(score float64, _ string) bool { return score < min })
		z.Iterate(r, false, func(member string, score float64) bool {
			if score >= max {
				return false
			}
			lon, lat := types.GeoDecodeScore(score)
			if d, ok := sh.Contains(lon, lat); ok {
				out = append(out, geoPoint{member: member, score: score, lon: lon, lat: lat, dist: d})
				if limit > 0 && len(out) >= limit {
					return false
				}
			}
			return true
		})
	}
	return out
}

// appendGeoDistance formats a distance with four decimals as Redis does:
// the value times 10^4 rounded to the nearest integer (ties to even), then
// split around the decimal point.
func appendGeoDistance(b []byte, d float64) []byte {
	if d == 0 {
		return append(b, "0.0000"...)
	}
	v := math.RoundToEven(d * 10000)
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	n := uint64(v)
	b = strconv.AppendUint(b, n/10000, 10)
	frac := n % 10000
	b = append(b, '.', byte('0'+frac/1000), byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10))
	return b
}
