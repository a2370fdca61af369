package aof

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/peregrinedb/peregrine/internal/resp"
)

// FileType is the kind of a file listed in the manifest, written as the
// single letter Redis uses after "type".
type FileType byte

// The manifest file types.
const (
	TypeBase    FileType = 'b' // the snapshot of the last rewrite
	TypeHistory FileType = 'h' // replaced by a rewrite, waiting for deletion
	TypeIncr    FileType = 'i' // commands since the base, in seq order
)

// Naming rules (Redis's): <appendfilename>.<seq>.base.rdb|aof,
// <appendfilename>.<seq>.incr.aof, <appendfilename>.manifest, and the
// "temp-" prefix for files not yet published.
const (
	baseSuffix     = ".base"
	incrSuffix     = ".incr"
	rdbSuffix      = ".rdb"
	aofSuffix      = ".aof"
	manifestSuffix = ".manifest"
	tempPrefix     = "temp-"
	// maxManifestLine is the longest manifest line Redis accepts.
	maxManifestLine = 1024
)

// FileInfo is one manifest line.
type FileInfo struct {
	Name string
	Seq  int64
	Type FileType
}

// Manifest lists the files of a multi-part AOF. The base (if any) comes
// first, then history files, then the incremental files in seq order.
type Manifest struct {
	Base    *FileInfo
	History []FileInfo
	Incr    []FileInfo
	// BaseSeq and IncrSeq are the highest sequence numbers used so far:
	// new files continue from them.
	BaseSeq, IncrSeq int64
}

// ManifestName is the manifest's file name for appendfilename.
func ManifestName(appendfilename string) string { return appendfilename + manifestSuffix }

// TempManifestName is the name the manifest is written under before the
// atomic rename.
func TempManifestName(appendfilename string) string {
	return tempPrefix + appendfilename + manifestSuffix
}

// TempIncrName is the incremental file used while AOF is being switched on
// and its first base is not written yet (Redis's AOF_WAIT_REWRITE).
func TempIncrName(appendfilename string) string { return tempPrefix + appendfilename + incrSuffix }

// TempRewriteName is the file a rewrite writes the new base into.
func TempRewriteName(id int) string { return fmt.Sprintf("temp-rewriteaof-bg-%d.aof", id) }

// ManifestError is a manifest Redis would refuse to start with. Line and
// Text locate the offending line (Line is 0 when the error is not about a
// line); Msg is Redis's description.
type ManifestError struct {
	Line int
	Text string
	Msg  string
}

func (e *ManifestError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("AOF manifest line %d (%q): %s", e.Line, e.Text, e.Msg)
	}
	return "AOF manifest: " + e.Msg
}

// ParseManifest reads a manifest with Redis's rules: '#' lines are
// comments, every other line is "file <name> seq <n> type <t>" (keys in any
// order and case, names quoted as sdssplitargs reads them, extra key/value
// pairs ignored for forward compatibility), at most one base, incremental
// files with strictly increasing seq, and no blank lines or empty file.
func ParseManifest(r io.Reader) (*Manifest, error) {
	m := &Manifest{}
	br := bufio.NewReaderSize(r, maxManifestLine+1)
	linenum := 0
	var maxIncr int64
	for {
		raw, err := readManifestLine(br)
		if err == io.EOF && raw == nil {
			if linenum == 0 {
				return nil, &ManifestError{Msg: "Found an empty AOF manifest"}
			}
			return m, nil
		}
		if err != nil && err != io.EOF && err != errLongLine {
			return nil, &ManifestError{Msg: "Read AOF manifest failed"}
		}
		linenum++
		if len(raw) > 0 && raw[0] == '#' {
			continue
		}
		if err == errLongLine || err == io.EOF && !bytes.HasSuffix(raw, []byte("\n")) {
			// Redis reads lines with fgets: a line without its newline
			// is a line that did not fit.
			return nil, &ManifestError{Msg: "The AOF manifest file contains too long line"}
		}
		line := strings.Trim(string(raw), " \t\r\n")
		fail := func(msg string) (*Manifest, error) {
			return nil, &ManifestError{Line: linenum, Text: line, Msg: msg}
		}
		if line == "" {
			return fail("Invalid AOF manifest file format")
		}
		args, ok := resp.SplitArgs([]byte(line), nil)
		if !ok || len(args) < 6 || len(args)%2 != 0 {
			return fail("Invalid AOF manifest file format")
		}
		var fi FileInfo
		for i := 0; i < len(args); i += 2 {
			switch strings.ToLower(string(args[i])) {
			case "file":
				fi.Name = string(args[i+1])
				if filepath.Base(fi.Name) != fi.Name || strings.ContainsRune(fi.Name, '/') {
					return fail("File can't be a path, just a filename")
				}
			case "seq":
				fi.Seq = atoll(args[i+1])
			case "type":
				if len(args[i+1]) > 0 {
					fi.Type = FileType(args[i+1][0])
				}
			}
		}
		if fi.Name == "" || fi.Seq == 0 || fi.Type == 0 {
			return fail("Invalid AOF manifest file format")
		}
		switch fi.Type {
		case TypeBase:
			if m.Base != nil {
				return fail("Found duplicate base file information")
			}
			b := fi
			m.Base = &b
			m.BaseSeq = fi.Seq
		case TypeHistory:
			m.History = append(m.History, fi)
		case TypeIncr:
			if fi.Seq <= maxIncr {
				return fail("Found a non-monotonic sequence number")
			}
			m.Incr = append(m.Incr, fi)
			m.IncrSeq = fi.Seq
			maxIncr = fi.Seq
		default:
			return fail("Unknown AOF file type")
		}
	}
}

var errLongLine = errors.New("line too long")

// readManifestLine reads one line (with its newline) of at most
// maxManifestLine bytes, like fgets with Redis's buffer.
func readManifestLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			if len(line) == 0 {
				return nil, err
			}
			return line, err
		}
		line = append(line, b)
		if b == '\n' {
			return line, nil
		}
		if len(line) >= maxManifestLine {
			return line, errLongLine
		}
	}
}

// atoll parses a leading decimal number as C's atoll does (0 when none).
func atoll(b []byte) int64 {
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || end == 0 && (s[end] == '-' || s[end] == '+')) {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, 64)
	return n
}

// Format renders the manifest exactly as Redis writes it: base first, then
// history, then incremental files; a name that needs quoting is written as
// sdscatrepr writes it.
func (m *Manifest) Format() []byte {
	var b []byte
	line := func(fi FileInfo) {
		b = append(b, "file "...)
		if needsQuoting(fi.Name) {
			b = resp.AppendQuoted(b, []byte(fi.Name))
		} else {
			b = append(b, fi.Name...)
		}
		b = append(b, " seq "...)
		b = strconv.AppendInt(b, fi.Seq, 10)
		b = append(b, " type "...)
		b = append(b, byte(fi.Type), '\n')
	}
	if m.Base != nil {
		line(*m.Base)
	}
	for _, fi := range m.History {
		line(fi)
	}
	for _, fi := range m.Incr {
		line(fi)
	}
	return b
}

// needsQuoting is Redis's sdsneedsrepr: quotes, backslashes, blanks and
// non-printable bytes.
func needsQuoting(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '"' || c == '\n' || c == '\r' || c == '\t' || c == '\a' || c == '\b':
			return true
		case c < 32 || c >= 127 || c == ' ' || c == '\v' || c == '\f':
			return true
		}
	}
	return false
}

// Clone returns a deep copy (changes are made on a copy and published
// only once the new manifest is on disk, as Redis does).
func (m *Manifest) Clone() *Manifest {
	c := &Manifest{BaseSeq: m.BaseSeq, IncrSeq: m.IncrSeq}
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	c.History = append([]FileInfo(nil), m.History...)
	c.Incr = append([]FileInfo(nil), m.Incr...)
	return c
}

// NewBase names the next base file (format ".rdb" when rdb is set,
// ".aof" otherwise) and turns the current base into a history file.
func (m *Manifest) NewBase(appendfilename string, rdb bool) string {
	if m.Base != nil {
		old := *m.Base
		old.Type = TypeHistory
		m.History = append([]FileInfo{old}, m.History...)
	}
	m.BaseSeq++
	format := aofSuffix
	if rdb {
		format = rdbSuffix
	}
	m.Base = &FileInfo{Name: appendfilename + "." + strconv.FormatInt(m.BaseSeq, 10) + baseSuffix + format, Seq: m.BaseSeq, Type: TypeBase}
	return m.Base.Name
}

// NewIncr appends the next incremental file and returns its name.
func (m *Manifest) NewIncr(appendfilename string) string {
	m.IncrSeq++
	fi := FileInfo{Name: appendfilename + "." + strconv.FormatInt(m.IncrSeq, 10) + incrSuffix + aofSuffix, Seq: m.IncrSeq, Type: TypeIncr}
	m.Incr = append(m.Incr, fi)
	return fi.Name
}

// LastIncr returns the incremental file writes go to, adding one when
// there is none.
func (m *Manifest) LastIncr(appendfilename string) string {
	if len(m.Incr) == 0 {
		return m.NewIncr(appendfilename)
	}
	return m.Incr[len(m.Incr)-1].Name
}

// MarkIncrHistory turns the incremental files a rewrite replaced into
// history files; keepLast keeps the last one (the file being written).
func (m *Manifest) MarkIncrHistory(keepLast bool) {
	n := len(m.Incr)
	if keepLast && n > 0 {
		n--
	}
	for i := n - 1; i >= 0; i-- {
		fi := m.Incr[i]
		fi.Type = TypeHistory
		m.History = append([]FileInfo{fi}, m.History...)
	}
	m.Incr = append([]FileInfo(nil), m.Incr[n:]...)
}

// Empty reports whether the manifest lists no base and no incremental file.
func (m *Manifest) Empty() bool { return m.Base == nil && len(m.Incr) == 0 }

// WriteManifest publishes m in dir atomically: it is written and fsynced
// under the temporary name, renamed over the manifest, and the directory
// is fsynced so the rename survives a crash.
func WriteManifest(dir, appendfilename string, m *Manifest) error {
	tmp := filepath.Join(dir, TempManifestName(appendfilename))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("can't open the AOF manifest file %s: %w", TempManifestName(appendfilename), err)
	}
	if _, err := f.Write(m.Format()); err != nil {
		f.Close()
		return fmt.Errorf("error trying to write the temporary AOF manifest file %s: %w", TempManifestName(appendfilename), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fail to fsync the temp AOF file %s: %w", TempManifestName(appendfilename), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing the temp AOF manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, ManifestName(appendfilename))); err != nil {
		return fmt.Errorf("error trying to rename the temporary AOF manifest file %s into %s: %w",
			TempManifestName(appendfilename), ManifestName(appendfilename), err)
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a directory so renames and creations in it are durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("opening dir %s for fsync: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}
