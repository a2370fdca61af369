package rdb

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

// Payloads from Redis 7.0's tests/integration/corrupt-dump.tcl (valid
// footers, corrupt bodies), by the test that uses them.
var corruptPayloads = map[string]string{
	// fuzzer findings - infinite loop
	"infinite loop": "" +
		"0f0110000001753aa6d09300000000000000004042420000001800030100010201846974656d058576616c7565060001" +
		"0201000100010101000105010201000101010101825f3103fd01020100010201010102010501ff0381000001753aa6d0" +
		"930201076d7967726f757081000001753aa6d0930001000001753aa6d093000000000000000094d0a63a750100000101" +
		"05416c69636594d0a63a7501000001000001753aa6d09300000000000000000900c409ad697eeea62f",
	// fuzzer findings - stream bad lp_count
	"bad lp_count": "" +
		"0f011000000173dedf7d9b00000000000000004042420000001800030100010201846974656d058576616c7565060001" +
		"0201000100010101000156010201220100010101825f3103050102012c010001010102010501ff038100000173dedf7d" +
		"c70001076d7967726f75708100000173dedf7d9b000100000173dedf7d9b0000000000000000f97ddfde730100000101" +
		"05416c696365eb7ddfde730100000100000173dedf7d9b00000000000000000900b2a8a75f1b6172d5",
	// fuzzer findings - lpFind invalid access
	"lpFind": "" +
		"1039390000001400060106010301825f33030701825f370300010001040104010901825f39030501825f350308010801" +
		"0101825f31030201f001ff0a0029d7e452797a9582",
	// hash listpack with duplicate records - convert
	"hash dups": "" +
		"101717000000040082610003826200038261000382640003ff0a00c0cfa687e5a7c5be",
	// listpack too long entry len
	"too long entry len": "" +
		"0f0110000000000000000200000000000000024055550000000f00010100010201883100000000000000098832000000" +
		"000000000900010001000100010202893100000000000000098861000000000000000988320000000000000009886200" +
		"000000000000090801ff0a01000009004063c93703a2e568",
	// listpack invalid size header
	"invalid size header": "" +
		"0f01100000000000000002000000000000000240555f0000000f00010100010201883100000000000000098832000000" +
		"000000000900010001000100010202883100000000000000098861000000000000000988320000000000000009886200" +
		"000000000000090801ff0a010000090045910a872fa5f92e",
	// fuzzer findings - negative reply length
	"negative reply length": "" +
		"0f011000000175cfa116a700000000000000004042420000001800030100010201846974656d058576616c7565060001" +
		"0201000100010101000105010201000101010101145f31030501020100010201010102010501ff038100000175cfa116" +
		"a70201076d7967726f75708100000175cfa116a7010100000175cfa116a70000000000000001a716a1cf750100000101" +
		"05416c696365a716a1cf750100000100000175cfa116a7000000000000000109001b4252b8dd5ce54e",
}

func corruptPayload(t *testing.T, name string) []byte {
	t.Helper()
	p, err := hex.DecodeString(corruptPayloads[name])
	if err != nil || len(p) == 0 {
		t.Fatalf("payload %q: %v", name, err)
	}
	return p
}

// shallowParse parses p as RESTORE does with sanitize-dump-payload no and
// returns the entry, the error and the warnings logged.
func shallowParse(p []byte, lim Limits) (keyspace.Entry, []string, error) {
	var warns []string
	lim.Shallow = true
	lim.Warn = func(m string) { warns = append(warns, m) }
	e, err := ParsePayload(p, &lim)
	return e, warns, err
}

func mustFail(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want one containing %q", err, want)
	}
}

// TestShallowStreamKeepsWhatDecodes: a stream listpack with a corrupt
// entry past the first live entry is refused when sanitizing and, as Redis
// stores it unsanitized, stored with the entries before the damage; the
// metadata is made to agree and a warning says what was dropped.
func TestShallowStreamKeepsWhatDecodes(t *testing.T) {
	for _, name := range []string{"infinite loop", "negative reply length"} {
		p := corruptPayload(t, name)
		_, err := ParsePayload(p, &testLimits)
		mustFail(t, err, "stream listpack integrity check failed")
		e, warns, err := shallowParse(p, testLimits)
		if err != nil {
			t.Fatalf("%s: shallow: %v", name, err)
		}
		s := e.Obj.(*types.Stream)
		if s.Len() != 1 || s.LastID.Less(s.LastLiveID()) {
			t.Fatalf("%s: %d entries, last ID %v, last entry %v", name, s.Len(), s.LastID, s.LastLiveID())
		}
		if len(warns) != 1 || !strings.Contains(warns[0], "length 3 corrected to the 1 entries kept") {
			t.Fatalf("%s: warnings %q", name, warns)
		}
		checkShallow(t, p, &testLimits)
	}
}

// TestStreamLpCount: each stream record ends with its size (lp-count);
// Redis's deep sanitization checks it, and Peregrine does too.
func TestStreamLpCount(t *testing.T) {
	p := corruptPayload(t, "bad lp_count")
	_, err := ParsePayload(p, &testLimits)
	mustFail(t, err, "has lp-count 86, want 5")
	mustFail(t, err, "stream listpack integrity check failed")
	if _, _, err := shallowParse(p, testLimits); err != nil {
		t.Fatalf("unsanitized, a wrong lp-count is not looked at: %v", err)
	}
}

// TestStreamRecordCount: the master entry's live and deleted counts must
// add up to the records of the node when sanitizing.
func TestStreamRecordCount(t *testing.T) {
	s := types.NewStream()
	s.Append(types.StreamID{Ms: 1}, [][]byte{[]byte("f"), []byte("v")}, types.NodeLimits{})
	s.Append(types.StreamID{Ms: 2}, [][]byte{[]byte("f"), []byte("w")}, types.NodeLimits{})
	p, err := Payload(&keyspace.Entry{Type: keyspace.TypeStream, Obj: s}, &WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The listpack follows the type, node count and the 16-byte node key;
	// its first entry (7 bytes in: length byte, 6 header bytes) is the
	// live count, a 7-bit integer.
	lp := 1 + 1 + 1 + 16 + 1
	if p[lp+6] != 2 {
		t.Fatalf("live count byte %#x", p[lp+6])
	}
	body := append([]byte(nil), p[:len(p)-10]...)
	body[lp+6] = 3
	bad := SealPayload(body)
	_, err = ParsePayload(bad, &testLimits)
	mustFail(t, err, "of 2 records says 3 live and 0 deleted")
	if _, _, err := shallowParse(bad, testLimits); err != nil {
		t.Fatalf("shallow: %v", err)
	}
}

// TestShallowStreamFatal: what Redis refuses or dies on while loading an
// unsanitized stream is refused: a listpack header that disagrees with
// its size, and damage before the first live entry of an old (type 15)
// stream, whose first ID Redis finds by walking to that entry.
func TestShallowStreamFatal(t *testing.T) {
	_, _, err := shallowParse(corruptPayload(t, "invalid size header"), testLimits)
	mustFail(t, err, "header says 95 bytes, have 85")
	_, _, err = shallowParse(corruptPayload(t, "too long entry len"), testLimits)
	mustFail(t, err, "stream listpack integrity check failed")
	mustFail(t, err, "corrupt back-length")
}

// TestShallowStreamOrphanPending: Redis checks that every pending entry
// has a consumer only when sanitizing; unsanitized, Peregrine drops the
// ones without (nothing could claim or report them).
func TestShallowStreamOrphanPending(t *testing.T) {
	s := types.NewStream()
	s.Append(types.StreamID{Ms: 1}, [][]byte{[]byte("f"), []byte("v")}, types.NodeLimits{})
	g := s.CreateGroup("g", types.StreamID{Ms: 1}, 1)
	g.AddPending(types.StreamID{Ms: 1}, g.CreateConsumer("c", 5), 6, 1)
	g.RestorePending(types.StreamID{Ms: 2}, 7, 1) // no consumer
	p, err := Payload(&keyspace.Entry{Type: keyspace.TypeStream, Obj: s}, &WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParsePayload(p, &testLimits)
	mustFail(t, err, "PEL entry without a consumer")
	e, warns, err := shallowParse(p, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	lg := e.Obj.(*types.Stream).Group("g")
	if len(lg.Pending()) != 1 || lg.Pending()[0].ID != (types.StreamID{Ms: 1}) {
		t.Fatalf("pending %v", lg.Pending())
	}
	if len(warns) != 1 || !strings.Contains(warns[0], `group "g": dropped 1 pending entries without a consumer`) {
		t.Fatalf("warnings %q", warns)
	}
	checkShallow(t, p, &testLimits)
}

// TestShallowHashListpack: unsanitized, Redis stores a hash listpack
// as it is unless it converts it to a hash table (more pairs than
// hash-max-listpack-entries), which walks every entry and panics on a
// duplicate ("listpack with dup elements"). Peregrine refuses what Redis
// would convert and keeps what decodes of the rest, the first value of a
// duplicated field.
func TestShallowHashListpack(t *testing.T) {
	dups := corruptPayload(t, "hash dups")
	_, err := ParsePayload(dups, &testLimits)
	mustFail(t, err, `duplicate hash field "a\x00"`)

	e, warns, err := shallowParse(dups, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	h := e.Obj.(*types.Hash)
	if v, ok := h.Get([]byte("a\x00")); h.Len() != 1 || !ok || string(v) != "b\x00" {
		t.Fatalf("hash of %d fields, a=%q", h.Len(), v)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "listpack with dup elements") {
		t.Fatalf("warnings %q", warns)
	}
	checkShallow(t, dups, &testLimits)

	convert := testLimits
	convert.HashMaxListpackEntries = 1
	_, _, err = shallowParse(dups, convert)
	mustFail(t, err, "hash listpack with dup elements")

	// Nine pairs, then a field whose value is corrupt (a 32-bit string
	// length past the end).
	lp := corruptPayload(t, "lpFind")
	_, err = ParsePayload(lp, &testLimits)
	mustFail(t, err, "hash listpack integrity check failed")
	e, warns, err = shallowParse(lp, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if h := e.Obj.(*types.Hash); h.Len() != 9 {
		t.Fatalf("kept %d fields, want 9", h.Len())
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "overruns the buffer") || !strings.Contains(warns[0], "a field without a value") {
		t.Fatalf("warnings %q", warns)
	}
	checkShallow(t, lp, &testLimits)
	convert.HashMaxListpackEntries = 5
	_, _, err = shallowParse(lp, convert)
	mustFail(t, err, "overruns the buffer")

	// The header is still checked.
	body := append([]byte(nil), dups[:len(dups)-10]...)
	body[2]++
	_, _, err = shallowParse(SealPayload(body), testLimits)
	mustFail(t, err, "hash listpack integrity check failed")
}

// FuzzShallowPayload: small corrupt hash listpacks and streams (Redis's
// test payloads) decoded unsanitized never panic, and what is stored
// dumps and passes sanitization (checkShallow).
func FuzzShallowPayload(f *testing.F) {
	for _, h := range corruptPayloads {
		p, _ := hex.DecodeString(h)
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if VerifyPayload(p, true) {
			checkShallow(t, p, &testLimits)
			small := testLimits
			small.HashMaxListpackEntries = 2
			checkShallow(t, p, &small)
		}
	})
}
