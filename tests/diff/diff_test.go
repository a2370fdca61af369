package diff

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
)

// Environment knobs of the differential suite.
const (
	// addrEnv points the "peregrine" side at an already running server
	// (host:port) instead of an in-process Peregrine. Pointing it at a
	// second redis-server validates the harness and the cases.
	addrEnv = "PEREGRINE_DIFF_ADDR"
	// transcriptEnv names a directory receiving one <file>.out per case file
	// with every command and both raw replies, for reviewing cases.
	transcriptEnv = "PEREGRINE_DIFF_TRANSCRIPT"
)

const (
	// maxReported caps the mismatches reported per case file.
	maxReported = 20
	// replyTimeout bounds each reply; a side that times out is considered
	// dead until the next reconnect so one hang cannot stall the suite.
	replyTimeout = 3 * time.Second
	// escapeLimit truncates raw replies in reports.
	escapeLimit = 600
)

// Markers stand in for a reply when a side has none; they are not valid
// RESP, so they never compare equal to a real reply.
const (
	markClosed  = "<connection closed>"
	markTimeout = "<timeout>"
	markEOF     = "<closed>"
)

func TestDiff(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no case files in testdata/")
	}
	sort.Strings(files)
	external := os.Getenv(addrEnv)
	if external != "" {
		t.Logf("%s=%s: comparing redis-server against that server", addrEnv, external)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			base := filepath.Base(file)
			script, err := Parse(base, bytes.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			if external == "" {
				// Every file gets its own servers, so files can run in
				// parallel; a shared external server cannot.
				t.Parallel()
			}
			addr := external
			if addr == "" {
				addr = testutil.StartPeregrine(t)
			}
			// !requires: ask the Peregrine side before starting anything else.
			var lacking map[string]bool
			if cmds := script.RequiredCommands(); len(cmds) > 0 {
				lacking = unknownCommands(t, base, addr, cmds)
				if miss := missingOf(script.Requires, lacking); len(miss) > 0 {
					t.Skipf("peregrine lacks %s (file needs it)", strings.Join(miss, " "))
				}
			}
			ref := testutil.StartReference(t)
			r := newRunner(t, base, ref.Addr, addr)
			r.gap = script.KnownGap
			for i, b := range script.Blocks {
				if miss := missingOf(b.Commands, lacking); len(miss) > 0 {
					if r.skipBlocks == nil {
						r.skipBlocks = make(map[int]string)
					}
					r.skipBlocks[i+1] = fmt.Sprintf("peregrine lacks %s (lines %d-%d need it)",
						strings.Join(miss, " "), b.Line, b.EndLine)
					for _, c := range miss {
						if !slices.Contains(r.lacking, c) {
							r.lacking = append(r.lacking, c)
						}
					}
				}
			}
			r.run(script.Steps)
			r.finish()
		})
	}
}

// unknownCommands asks the server at addr `COMMAND INFO cmds...` on a fresh
// RESP2 connection and returns the commands it answered with a nil entry,
// lowercased. Any other answer fails the test: a file is never skipped (or
// run) on a guess.
func unknownCommands(t *testing.T, file, addr string, cmds []string) map[string]bool {
	t.Helper()
	c, err := testutil.DialErr(t, addr)
	if err != nil {
		t.Fatalf("%s: !requires: dial peregrine (%s): %v", file, addr, err)
	}
	defer c.Close()
	c.SetTimeout(replyTimeout)
	args := append([]string{"COMMAND", "INFO"}, cmds...)
	if err := c.Write(testutil.EncodeCommand(args...)); err != nil {
		t.Fatalf("%s: !requires: %v", file, err)
	}
	raw, err := c.ReadReply()
	if err != nil {
		t.Fatalf("%s: !requires: COMMAND INFO: %v", file, err)
	}
	v, err := testutil.ParseReply(raw)
	if err != nil || v.Type != '*' || v.Null || len(v.Elems) != len(cmds) {
		t.Fatalf("%s: !requires: COMMAND INFO %s answered %s, want an array of %d entries",
			file, strings.Join(cmds, " "), testutil.Escape(raw, escapeLimit), len(cmds))
	}
	unknown := make(map[string]bool)
	for i, e := range v.Elems {
		if e.Null {
			unknown[strings.ToLower(cmds[i])] = true
		}
	}
	return unknown
}

// missingOf returns the commands of cmds that are in unknown.
func missingOf(cmds []string, unknown map[string]bool) []string {
	var out []string
	for _, c := range cmds {
		if unknown[strings.ToLower(c)] {
			out = append(out, c)
		}
	}
	return out
}

// TestParse checks the case file parser on a small script.
func TestParse(t *testing.T) {
	src := `
# comment
!known-gap "tips are missing"
!requires rpush
!requires LRANGE
SET k "a b"
!unordered
KEYS *
!match ^\+OK\r\n$
PING
!sleep 10ms
!raw "PING\r\n" "PING\r\n"
!rawrepeat 3 "ab" "\r\n"
!reconnect
!ignore
TIME
!mask ^\d+$
!mask id=\d+
!unordered
HELLO 3
!requires SADD SMEMBERS
SADD s a
!sleep 1ms
!end-requires
PING
`
	script, err := Parse("t.txt", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	steps := script.Steps
	if len(steps) != 12 {
		t.Fatalf("got %d steps: %+v", len(steps), steps)
	}
	if got := steps[0].Args; len(got) != 3 || got[2] != "a b" || steps[0].Line != 6 {
		t.Errorf("step 0 = %+v", steps[0])
	}
	if steps[1].Compare != CompareUnordered || steps[2].Compare != CompareMatch ||
		!steps[2].Match.MatchString("+OK\r\n") || steps[7].Compare != CompareIgnore ||
		steps[8].Compare != CompareUnordered || len(steps[8].Masks) != 2 {
		t.Errorf("comparison modes not attached: %+v", steps)
	}
	if steps[3].Kind != StepSleep || steps[3].Sleep != 10*time.Millisecond || steps[6].Kind != StepReconnect {
		t.Errorf("sleep/reconnect steps: %+v", steps)
	}
	if string(steps[4].Raw) != "PING\r\nPING\r\n" || string(steps[5].Raw) != "ababab\r\n" {
		t.Errorf("raw payloads: %q %q", steps[4].Raw, steps[5].Raw)
	}
	if script.KnownGap != "tips are missing" || strings.Join(script.Requires, ",") != "rpush,LRANGE" ||
		script.RequiresLine != 4 {
		t.Errorf("file-level directives: gap %q requires %q at line %d", script.KnownGap, script.Requires, script.RequiresLine)
	}
	if len(script.Blocks) != 1 || script.Blocks[0].Line != 21 || script.Blocks[0].EndLine != 24 ||
		strings.Join(script.Blocks[0].Commands, ",") != "SADD,SMEMBERS" {
		t.Errorf("blocks: %+v", script.Blocks)
	}
	for i, st := range steps {
		want := 0
		if i == 9 || i == 10 {
			want = 1
		}
		if st.Block != want {
			t.Errorf("step %d (%s) in block %d, want %d", i, st.Text, st.Block, want)
		}
	}
	if got := strings.Join(script.RequiredCommands(), ","); got != "rpush,LRANGE,SADD,SMEMBERS" {
		t.Errorf("RequiredCommands = %s", got)
	}
	// A block may also open the file, and several blocks may follow.
	script, err = Parse("t.txt", strings.NewReader("!requires ROLE\nROLE\n!end-requires\n!requires WAIT\nWAIT 0 0\n!end-requires\nPING\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(script.Requires) != 0 || len(script.Blocks) != 2 || script.Steps[0].Block != 1 ||
		script.Steps[1].Block != 2 || script.Steps[2].Block != 0 {
		t.Errorf("leading blocks: %+v", script)
	}
	for _, bad := range []string{"!unordered\n", "!unordered\n!sleep 1ms\nPING\n", "!bogus\n",
		"SET \"x\n", "!sleep forever\n", "!match (\nPING\n", "!rawrepeat x \"a\"\n",
		"!unordered\n!ignore\nPING\n", "!match x\n!unordered\nPING\n", "!mask\nPING\n", "!raw\n",
		"!reconnect now\n", "!unordered extra\nPING\n",
		// !requires / !end-requires / !known-gap
		"!requires\nPING\n", "PING\n!requires GET\nPING\n", "!end-requires\n",
		"PING\n!requires A\n!end-requires\n", "!requires A\nPING\n!end-requires extra\n",
		"PING\n!requires A\nPING\n!requires B\nPING\n!end-requires\n!end-requires\n",
		"!unordered\n!requires A\nKEYS *\n", "!known-gap\nPING\n", "!known-gap \"a\" \"b\"\n",
		"!known-gap \"a\"\n!known-gap \"b\"\n", "PING\n!known-gap \"late\"\n"} {
		if _, err := Parse("bad.txt", strings.NewReader(bad)); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", bad)
		}
	}
}

// side is one of the two servers under comparison.
type side struct {
	name string
	addr string
	conn *testutil.RawConn
	dead bool
}

type runner struct {
	t          *testing.T
	file       string
	sides      [2]*side
	mismatches int
	transcript *bytes.Buffer
	// gap is the !known-gap reason: mismatches are logged, not errors, and
	// the file ends skipped.
	gap string
	// skipBlocks maps 1 + the index of each !requires block Peregrine
	// cannot run to the reason; its steps run on neither side.
	skipBlocks map[int]string
	// lacking lists, once each, the commands of the skipped blocks.
	lacking []string
	// ran counts the steps run (the implicit FLUSHALL aside).
	ran int
}

func newRunner(t *testing.T, file, refAddr, otherAddr string) *runner {
	r := &runner{
		t:    t,
		file: file,
		sides: [2]*side{
			{name: "redis", addr: refAddr},
			{name: "peregrine", addr: otherAddr},
		},
	}
	if os.Getenv(transcriptEnv) != "" {
		r.transcript = new(bytes.Buffer)
	}
	r.reconnect()
	return r
}

func (r *runner) run(steps []Step) {
	// Each file starts from an empty dataset.
	r.command(Step{Line: 0, Text: "FLUSHALL (implicit)", Kind: StepCommand, Args: []string{"FLUSHALL"}})
	for _, st := range steps {
		if reason, skip := r.skipBlocks[st.Block]; skip {
			if r.transcript != nil {
				fmt.Fprintf(r.transcript, "%s:%d: %s\n  (skipped: %s)\n", r.file, st.Line, st.Text, reason)
			}
			continue
		}
		r.ran++
		switch st.Kind {
		case StepCommand:
			r.command(st)
		case StepRaw:
			r.raw(st)
		case StepSleep:
			time.Sleep(st.Sleep)
		case StepReconnect:
			r.reconnect()
		}
	}
}

func (r *runner) finish() {
	if r.mismatches > maxReported {
		r.report(fmt.Sprintf("%s: %d more mismatches not shown", r.file, r.mismatches-maxReported))
	}
	if dir := os.Getenv(transcriptEnv); dir != "" && r.transcript != nil {
		path := filepath.Join(dir, strings.TrimSuffix(r.file, ".txt")+".out")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			r.t.Logf("transcript: %v", err)
		} else if err := os.WriteFile(path, r.transcript.Bytes(), 0o644); err != nil {
			r.t.Logf("transcript: %v", err)
		}
	}
	if r.gap != "" {
		if r.mismatches > 0 {
			r.t.Skipf("%s: known gap: %s (%d mismatches logged above)", r.file, r.gap, r.mismatches)
		}
		r.t.Logf("%s: every reply matched; the known gap %q is closed: remove its !known-gap line", r.file, r.gap)
	}
	if len(r.skipBlocks) > 0 {
		if r.ran == 0 && r.mismatches == 0 {
			r.t.Skipf("peregrine lacks %s (file needs it)", strings.Join(r.lacking, " "))
		}
		var reasons []string
		for i := 1; len(reasons) < len(r.skipBlocks); i++ {
			if reason, ok := r.skipBlocks[i]; ok {
				reasons = append(reasons, reason)
			}
		}
		msg := fmt.Sprintf("%s: skipped blocks: %s", r.file, strings.Join(reasons, "; "))
		if r.mismatches > 0 {
			// Already failed (a skip would not hide it), but say what did
			// not run.
			r.t.Log(msg)
			return
		}
		r.t.Skip(msg + "; the rest of the file matched")
	}
}

// report records one mismatch report: an error, or a log line in a
// !known-gap file.
func (r *runner) report(msg string) {
	if r.gap != "" {
		r.t.Log(msg)
		return
	}
	r.t.Error(msg)
}

// reconnect replaces both connections with fresh ones.
func (r *runner) reconnect() {
	for _, s := range r.sides {
		if s.conn != nil {
			s.conn.Close()
		}
		c, err := testutil.DialErr(r.t, s.addr)
		if err != nil {
			r.t.Fatalf("%s: dial %s (%s): %v", r.file, s.name, s.addr, err)
		}
		c.SetTimeout(replyTimeout)
		s.conn, s.dead = c, false
	}
}

// do sends one command to s and returns its raw reply or a marker.
func (s *side) do(args []string) []byte {
	if s.dead {
		return []byte(markClosed)
	}
	if err := s.conn.Write(testutil.EncodeCommand(args...)); err != nil {
		s.dead = true
		return []byte(markClosed)
	}
	reply, err := s.conn.ReadReply()
	if err != nil {
		// The stream cannot be trusted any more: treat the side as dead
		// until the next reconnect.
		s.dead = true
		switch {
		case testutil.IsTimeoutErr(err):
			return append(reply, markTimeout...)
		case testutil.IsClosedErr(err):
			return append(reply, markClosed...)
		}
		return append(reply, fmt.Sprintf("<malformed reply: %v>", err)...)
	}
	return reply
}

func (r *runner) command(st Step) {
	var replies [2][]byte
	for i, s := range r.sides {
		replies[i] = s.do(st.Args)
	}
	r.record(st, replies)
	if len(st.Masks) > 0 {
		for i := range replies {
			replies[i] = applyMasks(st.Masks, replies[i])
		}
	}
	switch st.Compare {
	case CompareIgnore:
		return
	case CompareMatch:
		var bad []string
		for i, s := range r.sides {
			if !st.Match.Match(replies[i]) {
				bad = append(bad, s.name)
			}
		}
		if len(bad) > 0 {
			r.mismatch(st, replies, fmt.Sprintf("reply of %s does not match /%s/", strings.Join(bad, " and "), st.Match))
		}
		return
	}
	if bytes.Equal(replies[0], replies[1]) {
		return
	}
	if st.Compare != CompareExact && equalUnordered(st.Compare, replies[0], replies[1]) {
		return
	}
	r.mismatch(st, replies, "")
}

// applyMasks replaces every match of the masks in the string leaves of a
// reply by MaskText. Bulk lengths are recomputed, so masked values of
// different lengths compare equal. A reply that does not parse is masked as
// raw bytes.
func applyMasks(masks []*regexp.Regexp, raw []byte) []byte {
	mask := func(s string) string {
		for _, re := range masks {
			s = re.ReplaceAllLiteralString(s, MaskText)
		}
		return s
	}
	v, err := testutil.ParseReply(raw)
	if err != nil {
		return []byte(mask(string(raw)))
	}
	return v.MapLeaves(mask).Encode()
}

// equalUnordered applies an unordered comparison mode; replies that do not
// parse are only equal when byte-identical (already checked by the caller).
func equalUnordered(mode CompareMode, a, b []byte) bool {
	va, err1 := testutil.ParseReply(a)
	vb, err2 := testutil.ParseReply(b)
	if err1 != nil || err2 != nil {
		return false
	}
	switch mode {
	case CompareUnordered:
		return testutil.EqualUnordered(va, vb)
	case CompareUnorderedPairs:
		return testutil.EqualUnorderedPairs(va, vb)
	case CompareUnorderedScan:
		if va.Type != '*' || vb.Type != '*' || len(va.Elems) != 2 || len(vb.Elems) != 2 {
			return testutil.Equal(va, vb)
		}
		return testutil.Equal(va.Elems[0], vb.Elems[0]) && testutil.EqualUnordered(va.Elems[1], vb.Elems[1])
	}
	return false
}

func (r *runner) raw(st Step) {
	var replies [2][]byte
	var wg sync.WaitGroup
	for i, s := range r.sides {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.dead {
				replies[i] = []byte(markClosed)
				return
			}
			// The server may close while we are still writing a large
			// payload; what it answered before closing is what counts.
			_ = s.conn.Write(st.Raw)
			data, closed := s.conn.ReadUntilClose(RawWait)
			if closed {
				data = append(data, markEOF...)
			}
			replies[i] = data
		}()
	}
	wg.Wait()
	r.record(st, replies)
	if !bytes.Equal(replies[0], replies[1]) {
		r.mismatch(st, replies, "")
	}
	r.reconnect()
}

func (r *runner) record(st Step, replies [2][]byte) {
	if r.transcript == nil {
		return
	}
	fmt.Fprintf(r.transcript, "%s:%d: %s\n", r.file, st.Line, st.Text)
	same := bytes.Equal(replies[0], replies[1])
	for i, s := range r.sides {
		if i == 1 && same {
			fmt.Fprintf(r.transcript, "  %-10s (same)\n", s.name+":")
			continue
		}
		fmt.Fprintf(r.transcript, "  %-10s %s\n", s.name+":", testutil.Escape(replies[i], 4000))
	}
}

func (r *runner) mismatch(st Step, replies [2][]byte, note string) {
	r.mismatches++
	if r.mismatches > maxReported {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: %s", r.file, st.Line, st.Text)
	if st.Kind == StepCommand && st.Compare != CompareExact {
		fmt.Fprintf(&b, "   [%s]", st.Compare)
	}
	if len(st.Masks) > 0 {
		fmt.Fprintf(&b, "   [masked]")
	}
	if note != "" {
		fmt.Fprintf(&b, "   (%s)", note)
	}
	for i, s := range r.sides {
		fmt.Fprintf(&b, "\n %-10s %s", s.name+":", testutil.Escape(replies[i], escapeLimit))
	}
	r.report(b.String())
}

// TestCompareHelpers checks masking and the unordered comparison modes.
func TestCompareHelpers(t *testing.T) {
	masks := []*regexp.Regexp{regexp.MustCompile(`id=\d+`), regexp.MustCompile(`^\d+$`)}
	a := applyMasks(masks, []byte("*3\r\n$9\r\nid=7 name\r\n:12\r\n$1\r\nx\r\n"))
	b := applyMasks(masks, []byte("*3\r\n$11\r\nid=123 name\r\n:4\r\n$1\r\nx\r\n"))
	if !bytes.Equal(a, b) {
		t.Errorf("masked replies differ: %q vs %q", a, b)
	}
	if got := string(applyMasks(masks, []byte("not resp id=5"))); got != "not resp "+MaskText {
		t.Errorf("raw masking = %q", got)
	}

	scanA := []byte("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n")
	scanB := []byte("*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n")
	scanC := []byte("*2\r\n$1\r\n5\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n")
	if !equalUnordered(CompareUnorderedScan, scanA, scanB) || equalUnordered(CompareUnorderedScan, scanA, scanC) {
		t.Error("unordered-scan comparison is wrong")
	}
	pairsA := []byte("*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n")
	pairsB := []byte("*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n")
	pairsC := []byte("*4\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n2\r\n")
	if !equalUnordered(CompareUnorderedPairs, pairsA, pairsB) || equalUnordered(CompareUnorderedPairs, pairsA, pairsC) {
		t.Error("unordered-pairs comparison is wrong")
	}
	if !equalUnordered(CompareUnordered, pairsA, pairsC) {
		t.Error("unordered comparison is wrong")
	}
	if equalUnordered(CompareUnordered, []byte("garbage"), []byte("garbage")) {
		t.Error("unparsable replies must not compare equal through the unordered path")
	}
}
