package rdb

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

var testLimits = Limits{
	HashMaxListpackEntries: 128, HashMaxListpackValue: 64,
	SetMaxIntsetEntries:    512,
	ZSetMaxListpackEntries: 128, ZSetMaxListpackValue: 64,
}

// sampleEntries builds one entry of every type and encoding.
func sampleEntries() map[string]keyspace.Entry {
	out := map[string]keyspace.Entry{}
	str := func(s string) keyspace.Entry {
		return keyspace.Entry{Type: keyspace.TypeString, Str: []byte(s), Enc: keyspace.StringEncoding([]byte(s))}
	}
	out["int"] = str("-12345")
	out["int64"] = str("9223372036854775807")
	out["short"] = str("hi")
	out["empty"] = str("")
	out["long"] = str(strings.Repeat("compress me ", 100))
	e := str("ttl")
	e.Expire = 1893456000000
	out["ttl"] = e

	l := types.NewList()
	for i := 0; i < 5000; i++ {
		l.PushRight([]byte(fmt.Sprint(i, strings.Repeat("x", i%70))))
	}
	out["list"] = keyspace.Entry{Type: keyspace.TypeList, Obj: l}

	small, big := types.NewSet(), types.NewSet()
	for _, m := range []string{"1", "-7", "4294967296", "-9223372036854775808"} {
		small.Add([]byte(m), 512)
	}
	for i := 0; i < 300; i++ {
		big.Add([]byte(fmt.Sprint("m", i)), 512)
	}
	out["intset"] = keyspace.Entry{Type: keyspace.TypeSet, Obj: small}
	out["set"] = keyspace.Entry{Type: keyspace.TypeSet, Obj: big}

	zs, zb := types.NewZSet(), types.NewZSet()
	for i, f := range []float64{0, -0.5, 1e300, math.Inf(1), math.Inf(-1), 3, 0.1} {
		zs.Add([]byte(fmt.Sprint("z", i)), f, 128, 64)
	}
	zs.Add([]byte(""), 2, 128, 64) // an empty member
	for i := 0; i < 400; i++ {
		zb.Add([]byte(fmt.Sprint("member", i)), float64(i)/7, 128, 64)
	}
	out["zsmall"] = keyspace.Entry{Type: keyspace.TypeZSet, Obj: zs}
	out["zbig"] = keyspace.Entry{Type: keyspace.TypeZSet, Obj: zb}

	hs, hb := types.NewHash(), types.NewHash()
	hs.Set([]byte("a"), []byte("1"), 128, 64)
	hs.Set([]byte("b"), []byte("two"), 128, 64)
	hs.Set([]byte(""), []byte("empty field"), 128, 64) // an empty entry must not break the field/value pairing
	hs.Set([]byte("empty value"), []byte(""), 128, 64)
	for i := 0; i < 200; i++ {
		hb.Set([]byte(fmt.Sprint("f", i)), []byte(fmt.Sprint("v", i)), 128, 64)
	}
	out["hsmall"] = keyspace.Entry{Type: keyspace.TypeHash, Obj: hs}
	out["hbig"] = keyspace.Entry{Type: keyspace.TypeHash, Obj: hb}
	return out
}

// canonical renders a value for comparison.
func canonical(e *keyspace.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d|", e.Type, e.Expire)
	switch o := e.Obj.(type) {
	case nil:
		b.Write(e.Str)
	case *types.List:
		b.WriteString(o.Encoding())
		o.Range(0, o.Len()-1, func(v []byte) bool { fmt.Fprintf(&b, "%q,", v); return true })
	case *types.Set:
		b.WriteString(o.Encoding())
		m := o.Members()
		ss := make([]string, len(m))
		for i := range m {
			ss[i] = string(m[i])
		}
		sortStrings(ss)
		b.WriteString(strings.Join(ss, ","))
	case *types.ZSet:
		b.WriteString(o.Encoding())
		o.Iterate(0, false, func(m string, s float64) bool { fmt.Fprintf(&b, "%s=%v,", m, s); return true })
	case *types.Hash:
		b.WriteString(o.Encoding())
		var ss []string
		o.ForEach(func(f, v []byte) bool { ss = append(ss, string(f)+"="+string(v)); return true })
		sortStrings(ss)
		b.WriteString(strings.Join(ss, ","))
	}
	return b.String()
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func writeFile(t testing.TB, entries map[string]keyspace.Entry, compress, checksum bool) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf, checksum, WriteOptions{Compress: compress, ListMaxListpackSize: -2})
	w.Header()
	w.Aux("redis-ver", "7.0.15")
	w.Function([]byte("#!lua name=lib\nredis.register_function('f', function() return 1 end)"))
	w.SelectDB(0, len(entries), 1)
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sortStrings(keys) // a deterministic file, for fuzz seeds
	for _, k := range keys {
		e := entries[k]
		if err := w.Key([]byte(k), &e, -1, -1); err != nil {
			t.Fatal(err)
		}
	}
	w.SelectDB(5, 1, 0)
	one := keyspace.Entry{Type: keyspace.TypeString, Str: []byte("in db 5")}
	_ = w.Key([]byte("k5"), &one, -1, -1)
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	want := sampleEntries()
	for _, compress := range []bool{false, true} {
		file := writeFile(t, want, compress, true)
		got := map[string]keyspace.Entry{}
		var funcs []string
		h := &Handler{Limits: testLimits, VerifyChecksum: true,
			Function: func(code []byte) error { funcs = append(funcs, string(code)); return nil },
			Key: func(db int, key []byte, e keyspace.Entry, idle int64, freq int) error {
				if e.Type == keyspace.TypeString && len(e.Str) <= ShortString {
					e.Str = bytes.Clone(e.Str) // borrowed until the call returns
				}
				got[fmt.Sprint(db, "/", string(key))] = e
				return nil
			}}
		if _, err := Load(bytes.NewReader(file), h); err != nil {
			t.Fatalf("compress=%v: %v", compress, err)
		}
		if len(funcs) != 1 || !strings.HasPrefix(funcs[0], "#!lua name=lib") {
			t.Errorf("functions = %q", funcs)
		}
		if e, ok := got["5/k5"]; !ok || string(e.Str) != "in db 5" {
			t.Errorf("db 5 key: %+v %v", e, ok)
		}
		for k, w := range want {
			g, ok := got["0/"+k]
			if !ok {
				t.Errorf("%s missing", k)
				continue
			}
			if canonical(&g) != canonical(&w) {
				t.Errorf("%s (compress=%v):\n got %.200s\nwant %.200s", k, compress, canonical(&g), canonical(&w))
			}
		}
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	for k, e := range sampleEntries() {
		e := e
		p, err := Payload(&e, &WriteOptions{Compress: true})
		if err != nil {
			t.Fatal(err)
		}
		if !VerifyPayload(p, false) {
			t.Fatalf("%s: payload does not verify", k)
		}
		got, err := ParsePayload(p, &testLimits)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		e.Expire = 0
		if canonical(&got) != canonical(&e) {
			t.Errorf("%s: payload round trip differs", k)
		}
		p[0] ^= 0xff
		if VerifyPayload(p, false) {
			t.Errorf("%s: a corrupted payload verifies", k)
		}
	}
}

func TestLoadRejectsDamage(t *testing.T) {
	file := writeFile(t, sampleEntries(), true, true)
	h := &Handler{Limits: testLimits, VerifyChecksum: true}
	// Every truncation fails (none reports success on half a file).
	for _, n := range []int{0, 5, 9, 20, len(file) / 2, len(file) - 9, len(file) - 1} {
		if _, err := Load(bytes.NewReader(file[:n]), h); err == nil {
			t.Errorf("truncated to %d bytes: loaded without error", n)
		}
	}
	bad := append([]byte(nil), file...)
	bad[len(bad)-1] ^= 1
	if _, err := Load(bytes.NewReader(bad), h); !errors.Is(err, ErrChecksum) {
		t.Errorf("bad checksum: %v", err)
	}
	// A zero checksum means "not computed" and is accepted.
	plain := writeFile(t, sampleEntries(), false, false)
	if _, err := Load(bytes.NewReader(plain), h); err != nil {
		t.Errorf("checksum off: %v", err)
	}
	if _, err := Load(strings.NewReader("REDIS0011"), h); err == nil || !strings.Contains(err.Error(), "version 11") {
		t.Errorf("future version: %v", err)
	}
	if _, err := Load(strings.NewReader("RUBBISH00"), h); err == nil {
		t.Error("bad magic accepted")
	}
	unknown := []byte("REDIS0010\x64\x01k\x01v")
	if _, err := Load(bytes.NewReader(unknown), h); err == nil || !strings.Contains(err.Error(), "unknown value type") {
		t.Errorf("unknown type: %v", err)
	}
	// A huge declared string length fails as a short read, not an allocation.
	huge := []byte("REDIS0010\x00\x81\x00\x00\x10\x00\x00\x00\x00\x00")
	if _, err := Load(bytes.NewReader(huge), h); err == nil {
		t.Error("huge length accepted")
	}
}

// TestLoadRedisFixtures loads the RDB files Redis's own test suite ships
// (written by real Redis, in old and new encodings), when the Redis source
// is available (../shared/tools/redis-source).
func TestLoadRedisFixtures(t *testing.T) {
	dir := redisAssets(t)
	for _, name := range []string{"encodings.rdb", "hash-zipmap.rdb", "hash-ziplist.rdb", "zset-ziplist.rdb", "list-quicklist.rdb", "scriptbackup.rdb"} {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			n := 0
			h := &Handler{Limits: testLimits, VerifyChecksum: true,
				Key: func(db int, key []byte, e keyspace.Entry, idle int64, freq int) error { n++; return nil }}
			if _, err := Load(f, h); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if n == 0 && name != "scriptbackup.rdb" { // that one holds only aux fields
				t.Fatalf("%s: no keys", name)
			}
		})
	}
	// A file with an empty collection loads, skipping the key, as in Redis.
	t.Run("corrupt_empty_keys.rdb", func(t *testing.T) {
		f, err := os.Open(filepath.Join(dir, "corrupt_empty_keys.rdb"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		skipped := 0
		h := &Handler{Limits: testLimits, VerifyChecksum: true, Skipped: func(int, []byte) { skipped++ }}
		if _, err := Load(f, h); err != nil {
			t.Fatal(err)
		}
		if skipped == 0 {
			t.Fatal("no empty key reported")
		}
	})
}

func redisAssets(t *testing.T) string {
	tool, _ := filepath.Abs("../../../shared/tools/redis-source")
	out, err := exec.Command(tool).Output()
	if err != nil {
		t.Skipf("Redis source not available (%s): %v", tool, err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "tests", "assets")
}

func FuzzLoad(f *testing.F) {
	f.Add(writeFile(f, sampleEntries(), true, true))
	f.Add([]byte("REDIS0010\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &Handler{Limits: testLimits, Key: func(int, []byte, keyspace.Entry, int64, int) error { return nil }}
		_, _ = Load(bytes.NewReader(data), h)
	})
}

func FuzzParsePayload(f *testing.F) {
	for _, e := range sampleEntries() {
		e := e
		p, _ := Payload(&e, &WriteOptions{Compress: true})
		f.Add(p)
	}
	for _, h := range corruptPayloads {
		p, _ := hex.DecodeString(h)
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if VerifyPayload(p, true) {
			_, _ = ParsePayload(p, &testLimits)
			checkShallow(t, p, &testLimits)
		}
	})
}

// checkShallow parses p as RESTORE does with sanitize-dump-payload no and,
// when that stores a value, checks the value is a sound one: DUMP writes
// it and a sanitizing RESTORE takes it back.
func checkShallow(t *testing.T, p []byte, lim *Limits) {
	t.Helper()
	sh := *lim
	sh.Shallow = true
	e, err := ParsePayload(p, &sh)
	if err != nil {
		return
	}
	q, err := Payload(&e, &WriteOptions{})
	if err != nil {
		t.Fatalf("DUMP of a shallow-loaded value: %v", err)
	}
	if _, err := ParsePayload(q, lim); err != nil {
		t.Fatalf("a shallow-loaded value does not pass sanitization once dumped: %v", err)
	}
}

// TestPayloadIntegrityErrors: a damaged blob is reported with the words
// Redis's loader uses ("hash listpack integrity check failed"), which
// operators and Redis's corruption tests look for in the log.
func TestPayloadIntegrityErrors(t *testing.T) {
	h := types.NewHash()
	h.Set([]byte("a"), []byte("1"), 128, 64)
	h.Set([]byte("b"), []byte("2"), 128, 64)
	e := keyspace.Entry{Type: keyspace.TypeHash, Obj: h}
	p, err := Payload(&e, &WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p[0] != TypeHashListpack {
		t.Fatalf("payload type %d, want a hash listpack", p[0])
	}
	body := append([]byte(nil), p[:len(p)-10]...) // without version and CRC
	body[2]++                                     // the listpack's total-bytes header (after the type and a 1-byte length)
	_, err = ParsePayload(SealPayload(body), &testLimits)
	if err == nil || !strings.Contains(err.Error(), ": hash listpack integrity check failed: listpack: header says") {
		t.Fatalf("error = %v", err)
	}
	// A quicklist whose one (plain) node has no bytes.
	if _, err := ParsePayload(SealPayload([]byte{TypeListQuicklist2, 1, containerPlain, 0}), &testLimits); err == nil {
		t.Fatal("a quicklist node of 0 bytes loaded")
	}
}
