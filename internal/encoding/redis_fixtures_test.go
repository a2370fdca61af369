package encoding_test

// Tests against the RDB files shipped with Redis's own test suite
// (tests/assets in a Redis 7.0.15 source tree): a minimal RDB scanner pulls
// out the encoded blobs (zipmaps, ziplists, intsets, listpacks) and the
// decoders must read them, and reject the deliberately corrupt ones.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/peregrinedb/peregrine/internal/encoding"
)

// redisSourceEnv names the variable pointing at an unpacked Redis 7.0.15
// source tree (for instance the directory printed by shared/tools/redis-source).
const redisSourceEnv = "REDIS_SOURCE"

func redisAssets(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(redisSourceEnv)
	if dir == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache")
		}
		dir = filepath.Join(cache, "peregrine", "redis-7.0.15")
	}
	assets := filepath.Join(dir, "tests", "assets")
	if _, err := os.Stat(filepath.Join(assets, "encodings.rdb")); err != nil {
		t.Skipf("Redis test assets not found in %s; set %s to an unpacked Redis 7.0.15 source tree", assets, redisSourceEnv)
	}
	return assets
}

// rdbObject is one key of an RDB file: its type and the raw blobs of its
// value (the strings of a plain encoding, or the encoded containers).
type rdbObject struct {
	key   string
	typ   byte
	blobs [][]byte
	nodes []uint64 // quicklist 2 container kinds, one per blob
}

// rdbScanner reads just enough of the RDB format to find the objects.
type rdbScanner struct {
	t   *testing.T
	b   []byte
	off int
}

func (s *rdbScanner) fail(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("RDB offset %d: %s", s.off, fmt.Sprintf(format, args...))
}

func (s *rdbScanner) take(n int) []byte {
	s.t.Helper()
	if n < 0 || s.off+n > len(s.b) {
		s.fail("%d bytes needed, %d left", n, len(s.b)-s.off)
	}
	p := s.b[s.off : s.off+n]
	s.off += n
	return p
}

func (s *rdbScanner) byte() byte { return s.take(1)[0] }

// length reads an RDB length; special reports the 11xxxxxx form.
func (s *rdbScanner) length() (uint64, bool) {
	s.t.Helper()
	c := s.byte()
	switch c >> 6 {
	case 0:
		return uint64(c & 0x3f), false
	case 1:
		return uint64(c&0x3f)<<8 | uint64(s.byte()), false
	case 3:
		return uint64(c & 0x3f), true
	}
	switch c {
	case 0x80:
		return uint64(binary.BigEndian.Uint32(s.take(4))), false
	case 0x81:
		return binary.BigEndian.Uint64(s.take(8)), false
	}
	s.fail("bad length byte %#x", c)
	return 0, false
}

func (s *rdbScanner) count() int {
	s.t.Helper()
	n, special := s.length()
	if special {
		s.fail("special encoding where a count was expected")
	}
	return int(n)
}

// str reads an RDB string: plain, integer-encoded or LZF-compressed.
func (s *rdbScanner) str() []byte {
	s.t.Helper()
	n, special := s.length()
	if !special {
		return s.take(int(n))
	}
	switch n {
	case 0:
		return []byte(strconv.Itoa(int(int8(s.byte()))))
	case 1:
		return []byte(strconv.Itoa(int(int16(binary.LittleEndian.Uint16(s.take(2))))))
	case 2:
		return []byte(strconv.Itoa(int(int32(binary.LittleEndian.Uint32(s.take(4))))))
	case 3:
		clen := s.count()
		ulen := s.count()
		out, err := encoding.LZFDecompress(s.take(clen), ulen)
		if err != nil {
			s.fail("LZF string: %v", err)
		}
		return out
	}
	s.fail("bad string encoding %d", n)
	return nil
}

func scanRDB(t *testing.T, file []byte) []rdbObject {
	t.Helper()
	s := &rdbScanner{t: t, b: file}
	magic := s.take(9)
	if !bytes.HasPrefix(magic, []byte("REDIS")) {
		t.Fatalf("not an RDB file: %q", magic)
	}
	version, err := strconv.Atoi(string(magic[5:]))
	if err != nil {
		t.Fatalf("bad RDB version %q", magic[5:])
	}
	var objs []rdbObject
	for {
		op := s.byte()
		switch op {
		case 0xff: // EOF, then the CRC64 of everything before it (version 5+)
			if version >= 5 {
				body := s.b[:s.off]
				if sum := binary.LittleEndian.Uint64(s.take(8)); sum != 0 && sum != encoding.CRC64(0, body) {
					t.Fatalf("file CRC64 %#x, computed %#x", sum, encoding.CRC64(0, body))
				}
			}
			return objs
		case 0xfe: // SELECTDB
			s.count()
			continue
		case 0xfd: // EXPIRETIME (seconds)
			s.take(4)
			continue
		case 0xfc: // EXPIRETIME_MS
			s.take(8)
			continue
		case 0xfb: // RESIZEDB
			s.count()
			s.count()
			continue
		case 0xfa: // AUX
			s.str()
			s.str()
			continue
		}
		o := rdbObject{typ: op, key: string(s.str())}
		switch op {
		case 0: // string
			o.blobs = append(o.blobs, s.str())
		case 1, 2: // list, set of strings
			for range s.count() {
				o.blobs = append(o.blobs, s.str())
			}
		case 3: // zset with text scores
			for range s.count() {
				o.blobs = append(o.blobs, s.str())
				if l := s.byte(); l < 253 {
					s.take(int(l))
				}
			}
		case 5: // zset with binary scores
			for range s.count() {
				o.blobs = append(o.blobs, s.str())
				s.take(8)
			}
		case 4: // hash
			for range 2 * s.count() {
				o.blobs = append(o.blobs, s.str())
			}
		case 9, 10, 11, 12, 13, 16, 17: // one encoded container
			o.blobs = append(o.blobs, s.str())
		case 14: // quicklist of ziplists
			for range s.count() {
				o.blobs = append(o.blobs, s.str())
			}
		case 18: // quicklist of listpacks
			for range s.count() {
				o.nodes = append(o.nodes, uint64(s.count()))
				o.blobs = append(o.blobs, s.str())
			}
		default:
			s.fail("object type %d not handled by this scanner", op)
		}
		objs = append(objs, o)
	}
}

// decodeObject decodes the encoded containers of o into texts (integers
// formatted in decimal, zipmap pairs flattened) and returns the first
// decoder error.
func decodeObject(o rdbObject) ([]string, error) {
	var out []string
	entry := func(s []byte, n int64, isInt bool) error {
		if isInt {
			out = append(out, strconv.FormatInt(n, 10))
		} else {
			out = append(out, string(s))
		}
		return nil
	}
	for _, b := range o.blobs {
		var err error
		switch o.typ {
		case 9:
			err = encoding.ZipmapEach(b, func(k, v []byte) error {
				out = append(out, string(k), string(v))
				return nil
			})
		case 10, 12, 13, 14:
			err = encoding.ZiplistEach(b, entry)
		case 11:
			err = encoding.IntsetEach(b, func(v int64) error { return entry(nil, v, true) })
		case 16, 17, 18:
			err = encoding.ListpackEach(b, entry)
		default:
			out = append(out, string(b))
		}
		if err != nil {
			return out, fmt.Errorf("key %q (type %d): %w", o.key, o.typ, err)
		}
	}
	return out, nil
}

func TestRedisFixtures(t *testing.T) {
	assets := redisAssets(t)
	want := map[string]map[string][]string{
		"hash-zipmap.rdb":    {"hash": {"f1", "v1", "f2", "v2"}},
		"hash-ziplist.rdb":   {"hash": {"f1", "v1", "f2", "v2"}},
		"zset-ziplist.rdb":   {"zset": {"one", "1", "two", "2"}},
		"list-quicklist.rdb": {"list": {"7"}, "x": {"7"}},
	}
	for file, keys := range want {
		data, err := os.ReadFile(filepath.Join(assets, file))
		if err != nil {
			t.Fatal(err)
		}
		objs := scanRDB(t, data)
		if len(objs) != len(keys) {
			t.Fatalf("%s: %d keys, want %d", file, len(objs), len(keys))
		}
		for _, o := range objs {
			got, err := decodeObject(o)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if !slices.Equal(got, keys[o.key]) {
				t.Errorf("%s: key %q (type %d) = %q, want %q", file, o.key, o.typ, got, keys[o.key])
			}
		}
	}
}

// TestRedisFixtureEncodings decodes every container of encodings.rdb, an
// RDB version 4 file holding one key per encoding of its time.
func TestRedisFixtureEncodings(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(redisAssets(t), "encodings.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[byte]int{}
	for _, o := range scanRDB(t, data) {
		got, err := decodeObject(o)
		if err != nil {
			t.Fatal(err)
		}
		seen[o.typ]++
		t.Logf("%-20s type %2d: %d values, first %.40q", o.key, o.typ, len(got), got[:min(len(got), 4)])
	}
	for _, typ := range []byte{10, 11, 12, 13} {
		if seen[typ] == 0 {
			t.Errorf("encodings.rdb: no object of type %d found", typ)
		}
	}
}

// TestRedisFixturesCorrupt checks the deliberately broken files of Redis's
// test suite. corrupt_ziplist.rdb holds a ziplist that must be refused.
// corrupt_empty_keys.rdb holds empty containers: they are structurally valid
// (Redis refuses them in its loader, not in the encoding checks), so they
// must decode to zero values, leaving the RDB reader to reject empty keys.
func TestRedisFixturesCorrupt(t *testing.T) {
	assets := redisAssets(t)
	data, err := os.ReadFile(filepath.Join(assets, "corrupt_ziplist.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, o := range scanRDB(t, data) {
		if _, err := decodeObject(o); err != nil {
			failed++
			t.Logf("corrupt_ziplist.rdb: %v", err)
		}
	}
	if failed != 1 {
		t.Errorf("corrupt_ziplist.rdb: %d objects failed to decode, want 1", failed)
	}

	data, err = os.ReadFile(filepath.Join(assets, "corrupt_empty_keys.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range scanRDB(t, data) {
		got, err := decodeObject(o)
		if err != nil || len(got) != 0 {
			t.Errorf("corrupt_empty_keys.rdb: key %q (type %d) = %q, %v; want no values and no error", o.key, o.typ, got, err)
		}
	}
}
