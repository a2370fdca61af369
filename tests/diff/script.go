// Package diff is Peregrine's differential test suite: the command scripts
// in testdata/*.txt run against Peregrine and against a real redis-server,
// and every reply is compared byte for byte. See README.md for the case
// file format.
package diff

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
)

// StepKind says what a Step does.
type StepKind int

// The kinds of steps a case file can contain.
const (
	// StepCommand sends Args as a RESP multibulk and compares one reply.
	StepCommand StepKind = iota
	// StepRaw sends Raw and compares everything answered until the server
	// closes the connection or RawWait passes; then both sides reconnect.
	StepRaw
	// StepSleep sleeps for Sleep.
	StepSleep
	// StepReconnect opens new connections on both sides.
	StepReconnect
)

// CompareMode says how the replies of a StepCommand are compared.
type CompareMode int

// Comparison modes, selected by the directive preceding a command.
const (
	// CompareExact requires byte-identical raw replies (the default).
	CompareExact CompareMode = iota
	// CompareUnordered compares aggregate replies as multisets of their
	// top-level elements (maps as multisets of pairs) (!unordered).
	CompareUnordered
	// CompareUnorderedPairs compares a flat array as a multiset of
	// consecutive key/value pairs, e.g. RESP2 CONFIG GET (!unordered-pairs).
	CompareUnorderedPairs
	// CompareUnorderedScan compares a SCAN-like [cursor, [elements]] reply:
	// cursor exactly, elements as a multiset (!unordered-scan).
	CompareUnorderedScan
	// CompareIgnore runs the command on both sides but does not compare
	// (!ignore, !noreply-compare).
	CompareIgnore
	// CompareMatch requires each side's raw reply to match Match (!match).
	CompareMatch
)

// String returns the directive name of the mode.
func (m CompareMode) String() string {
	switch m {
	case CompareUnordered:
		return "unordered"
	case CompareUnorderedPairs:
		return "unordered-pairs"
	case CompareUnorderedScan:
		return "unordered-scan"
	case CompareIgnore:
		return "ignore"
	case CompareMatch:
		return "match"
	}
	return "exact"
}

// RawWait is how long a !raw step waits for the server to answer and close.
const RawWait = 300 * time.Millisecond

// maxRawRepeat bounds the size of a !rawrepeat payload.
const maxRawRepeat = 16 << 20

// Step is one executable line of a case file.
type Step struct {
	// Line is the 1-based line number in the case file.
	Line int
	// Text is the source line, trimmed, used in mismatch reports.
	Text string
	// Kind is what the step does.
	Kind StepKind
	// Args are the command arguments of a StepCommand.
	Args []string
	// Raw is the payload of a StepRaw.
	Raw []byte
	// Sleep is the duration of a StepSleep.
	Sleep time.Duration
	// Compare is how a StepCommand's replies are compared.
	Compare CompareMode
	// Match is the pattern for CompareMatch.
	Match *regexp.Regexp
	// Masks are applied to both replies before comparing: every match in
	// every string leaf of the decoded reply is replaced by MaskText (!mask).
	Masks []*regexp.Regexp
	// Block is 1 + the index in Script.Blocks of the !requires block the
	// step belongs to, or 0 when it is outside any block.
	Block int
}

// Script is a parsed case file.
type Script struct {
	// Steps are the executable lines, in order.
	Steps []Step
	// Requires lists the commands named by file-level !requires lines: when
	// Peregrine lacks any of them the whole file is skipped.
	Requires []string
	// RequiresLine is the line of the first file-level !requires.
	RequiresLine int
	// Blocks are the !requires ... !end-requires blocks, in file order.
	Blocks []Block
	// KnownGap is the reason given by !known-gap, or "" when the file has
	// none: mismatches are then logged and the file skipped, not failed.
	KnownGap string
}

// Block is a run of steps between `!requires CMD...` and `!end-requires`:
// the steps are skipped on both sides when Peregrine lacks any of Commands.
type Block struct {
	// Line and EndLine are the lines of the !requires and !end-requires.
	Line, EndLine int
	// Commands are the command names that must be known to Peregrine.
	Commands []string
}

// MaskText replaces the parts of a reply hidden by a !mask directive.
const MaskText = "<masked>"

// compareDirectives maps the directives that select a comparison mode
// (other than !match) to that mode.
var compareDirectives = map[string]CompareMode{
	"!unordered":       CompareUnordered,
	"!unordered-pairs": CompareUnorderedPairs,
	"!unordered-scan":  CompareUnorderedScan,
	"!ignore":          CompareIgnore,
	"!noreply-compare": CompareIgnore,
}

// directiveName returns the directive word of a trimmed line ("!requires"
// for "!requires GET SET"), or "" when the line is not a directive.
func directiveName(text string) string {
	if !strings.HasPrefix(text, "!") {
		return ""
	}
	dir, _, _ := strings.Cut(text, " ")
	return dir
}

// Parse reads a case file. name is used in error messages.
func Parse(name string, r io.Reader) (*Script, error) {
	var lines []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	// A !requires line opens a block when the next !requires or
	// !end-requires directive after it is an !end-requires; otherwise it is
	// file-level.
	opensBlock := make(map[int]bool)
	open := -1
	for i, text := range lines {
		switch directiveName(text) {
		case "!requires":
			open = i
		case "!end-requires":
			if open >= 0 {
				opensBlock[open] = true
			}
			open = -1
		}
	}

	var (
		script  = &Script{}
		steps   []Step
		pending *Step // a comparison directive waiting for its command
		block   int   // 1 + index of the open !requires block, or 0
	)
	lineNo := 0
	errorf := func(format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", name, lineNo, fmt.Sprintf(format, a...))
	}
	addStep := func(st Step) {
		st.Block = block
		steps = append(steps, st)
	}
	for i, text := range lines {
		lineNo = i + 1
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !strings.HasPrefix(text, "!") {
			args, err := testutil.SplitArgs(text)
			if err != nil {
				return nil, errorf("%v", err)
			}
			st := Step{Line: lineNo, Text: text, Kind: StepCommand, Args: args}
			if pending != nil {
				st.Compare, st.Match, st.Masks = pending.Compare, pending.Match, pending.Masks
				pending = nil
			}
			addStep(st)
			continue
		}
		dir, rest, _ := strings.Cut(text, " ")
		rest = strings.TrimSpace(rest)
		modifier := dir == "!mask" || compareDirectives[dir] != 0 || dir == "!match"
		if pending != nil && !modifier {
			return nil, errorf("%s must be followed by a command, not by %s", pending.Text, dir)
		}
		if modifier && pending == nil {
			pending = &Step{Line: lineNo, Text: text}
		}
		setMode := func(m CompareMode) error {
			if pending.Compare != CompareExact {
				return errorf("%s conflicts with the preceding !%s", dir, pending.Compare)
			}
			pending.Compare = m
			return nil
		}
		switch dir {
		case "!unordered", "!unordered-pairs", "!unordered-scan", "!ignore", "!noreply-compare":
			if rest != "" {
				return nil, errorf("%s takes no argument", dir)
			}
			if err := setMode(compareDirectives[dir]); err != nil {
				return nil, err
			}
		case "!match":
			if rest == "" {
				return nil, errorf("!match needs a regular expression")
			}
			re, err := regexp.Compile(rest)
			if err != nil {
				return nil, errorf("!match: %v", err)
			}
			if err := setMode(CompareMatch); err != nil {
				return nil, err
			}
			pending.Match = re
		case "!mask":
			if rest == "" {
				return nil, errorf("!mask needs a regular expression")
			}
			re, err := regexp.Compile(rest)
			if err != nil {
				return nil, errorf("!mask: %v", err)
			}
			pending.Masks = append(pending.Masks, re)
		case "!sleep":
			d, err := time.ParseDuration(rest)
			if err != nil || d < 0 || d > 10*time.Second {
				return nil, errorf("!sleep needs a duration between 0 and 10s, like 200ms")
			}
			addStep(Step{Line: lineNo, Text: text, Kind: StepSleep, Sleep: d})
		case "!reconnect":
			if rest != "" {
				return nil, errorf("!reconnect takes no argument")
			}
			addStep(Step{Line: lineNo, Text: text, Kind: StepReconnect})
		case "!raw":
			args, err := testutil.SplitArgs(rest)
			if err != nil || len(args) == 0 {
				return nil, errorf("!raw needs one or more quoted strings (%v)", err)
			}
			raw := []byte(strings.Join(args, ""))
			addStep(Step{Line: lineNo, Text: text, Kind: StepRaw, Raw: raw})
		case "!rawrepeat":
			args, err := testutil.SplitArgs(rest)
			if err != nil || len(args) < 2 || len(args) > 4 {
				return nil, errorf(`!rawrepeat needs: N "chunk" ["suffix" ["prefix"]] (%v)`, err)
			}
			n, err := strconv.Atoi(args[0])
			if err != nil || n < 0 || n*len(args[1]) > maxRawRepeat {
				return nil, errorf("!rawrepeat: bad repeat count %q", args[0])
			}
			var raw []byte
			if len(args) == 4 {
				raw = append(raw, args[3]...)
			}
			raw = append(raw, bytes.Repeat([]byte(args[1]), n)...)
			if len(args) >= 3 {
				raw = append(raw, args[2]...)
			}
			addStep(Step{Line: lineNo, Text: text, Kind: StepRaw, Raw: raw})
		case "!requires":
			cmds := strings.Fields(rest)
			if len(cmds) == 0 {
				return nil, errorf("!requires needs one or more command names")
			}
			switch {
			case opensBlock[i]:
				script.Blocks = append(script.Blocks, Block{Line: lineNo, Commands: cmds})
				block = len(script.Blocks)
			case len(steps) > 0:
				// Also where a block was meant to nest: the outer !requires
				// is followed by the inner one, so it opens no block.
				return nil, errorf("a file-level !requires must come before the first command; " +
					"to guard only some lines, close them with !end-requires (blocks do not nest)")
			default:
				if script.RequiresLine == 0 {
					script.RequiresLine = lineNo
				}
				script.Requires = append(script.Requires, cmds...)
			}
		case "!end-requires":
			if rest != "" {
				return nil, errorf("!end-requires takes no argument")
			}
			if block == 0 {
				return nil, errorf("!end-requires without an open !requires block")
			}
			b := &script.Blocks[block-1]
			b.EndLine = lineNo
			if len(steps) == 0 || steps[len(steps)-1].Block != block {
				return nil, errorf("empty !requires block (line %d)", b.Line)
			}
			block = 0
		case "!known-gap":
			args, err := testutil.SplitArgs(rest)
			if err != nil || len(args) != 1 || strings.TrimSpace(args[0]) == "" {
				return nil, errorf(`!known-gap needs one quoted reason, like !known-gap "why" (%v)`, err)
			}
			if script.KnownGap != "" {
				return nil, errorf("only one !known-gap per file")
			}
			if len(steps) > 0 {
				return nil, errorf("!known-gap applies to the whole file: put it before the first command")
			}
			script.KnownGap = args[0]
		default:
			return nil, errorf("unknown directive %s", dir)
		}
	}
	if pending != nil {
		return nil, fmt.Errorf("%s:%d: %s at end of file", name, pending.Line, pending.Text)
	}
	script.Steps = steps
	return script, nil
}

// RequiredCommands returns every command named by a file-level !requires
// or a block, each once, in order of appearance.
func (s *Script) RequiredCommands() []string {
	var out []string
	seen := make(map[string]bool)
	add := func(cmds []string) {
		for _, c := range cmds {
			if k := strings.ToLower(c); !seen[k] {
				seen[k] = true
				out = append(out, c)
			}
		}
	}
	add(s.Requires)
	for _, b := range s.Blocks {
		add(b.Commands)
	}
	return out
}
