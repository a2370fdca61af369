package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestGeoThroughClientAndAOF runs the GEO searches through go-redis and
// checks what reaches the AOF: GEOADD as the ZADD of its scores, searches
// that store as themselves, read-only searches not at all (as Redis).
func TestGeoThroughClientAndAOF(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustAOFServer(t, dir)
	c := clientFor(t, s.addr, 0)
	if err := c.GeoAdd(ctx, "Sicily",
		&redis.GeoLocation{Name: "Palermo", Longitude: 13.361389, Latitude: 38.115556},
		&redis.GeoLocation{Name: "Catania", Longitude: 15.087269, Latitude: 37.502669}).Err(); err != nil {
		t.Fatal(err)
	}
	locs, err := c.GeoSearchLocation(ctx, "Sicily", &redis.GeoSearchLocationQuery{
		GeoSearchQuery: redis.GeoSearchQuery{Longitude: 15, Latitude: 37, Radius: 200, RadiusUnit: "km", Sort: "ASC"},
		WithCoord:      true, WithDist: true, WithHash: true,
	}).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) != 2 || locs[0].Name != "Catania" || locs[0].Dist != 56.4413 || locs[1].Dist != 190.4424 ||
		locs[0].GeoHash != 3479447370796909 {
		t.Fatalf("GEOSEARCH = %+v", locs)
	}
	if n, err := c.GeoRadiusStore(ctx, "Sicily", 15, 37, &redis.GeoRadiusQuery{Radius: 200, Unit: "km", Store: "near"}).Result(); err != nil || n != 2 {
		t.Fatalf("GEORADIUS STORE = %d, %v", n, err)
	}
	if n, err := c.GeoSearchStore(ctx, "Sicily", "dists", &redis.GeoSearchStoreQuery{
		GeoSearchQuery: redis.GeoSearchQuery{Member: "Palermo", BoxWidth: 400, BoxHeight: 400, BoxUnit: "km"},
		StoreDist:      true,
	}).Result(); err != nil || n != 2 {
		t.Fatalf("GEOSEARCHSTORE = %d, %v", n, err)
	}
	if d := c.ZScore(ctx, "dists", "Catania").Val(); d < 166.274 || d > 166.275 { // km
		t.Fatalf("stored distance %v", d)
	}
	if err := c.Do(ctx, "GEORADIUS", "Sicily", 15, 37, 1, "km").Err(); err != nil {
		t.Fatal(err)
	}
	s.srv.Close()
	aof, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(aof), "\r\n", " ")
	for _, want := range []string{
		"$4 zadd $6 Sicily $16 3479099956230698 $7 Palermo $16 3479447370796909 $7 Catania",
		"$9 georadius $6 Sicily $2 15 $2 37 $3 200 $2 km $5 store $4 near",
		"$14 geosearchstore $5 dists $6 Sicily $10 frommember $7 Palermo",
	} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("AOF lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(strings.ToLower(text), "georadius") != 1 || strings.Contains(strings.ToLower(text), "geosearch ") {
		t.Errorf("read-only searches reached the AOF:\n%s", text)
	}
}
