package aof

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestManifestRoundTrip(t *testing.T) {
	in := "file appendonly.aof.2.base.rdb seq 2 type b\n" +
		"file appendonly.aof.1.incr.aof seq 1 type h\n" +
		"file appendonly.aof.2.incr.aof seq 2 type h\n" +
		"file appendonly.aof.3.incr.aof seq 3 type i\n" +
		"file appendonly.aof.4.incr.aof seq 4 type i\n"
	m, err := ParseManifest(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(m.Format()); got != in {
		t.Fatalf("round trip:\n%s\nwant\n%s", got, in)
	}
	if m.BaseSeq != 2 || m.IncrSeq != 4 || len(m.History) != 2 || len(m.Incr) != 2 {
		t.Fatalf("parsed %+v", m)
	}
}

func TestManifestQuotedName(t *testing.T) {
	m := &Manifest{}
	base := m.NewBase("my append.aof", false)
	incr := m.NewIncr("my append.aof")
	want := "file \"my append.aof.1.base.aof\" seq 1 type b\nfile \"my append.aof.1.incr.aof\" seq 1 type i\n"
	if got := string(m.Format()); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	back, err := ParseManifest(strings.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if back.Base.Name != base || back.Incr[0].Name != incr {
		t.Fatalf("names %q %q", back.Base.Name, back.Incr[0].Name)
	}
	// Keys in any order and case, extra pairs ignored, comments skipped.
	m2, err := ParseManifest(strings.NewReader("# comment\nSEQ 3 TYPE i FILE x.3.incr.aof extra v\n"))
	if err != nil || m2.Incr[0].Name != "x.3.incr.aof" || m2.IncrSeq != 3 {
		t.Fatalf("%+v %v", m2, err)
	}
}

func TestManifestErrors(t *testing.T) {
	long := "file " + strings.Repeat("a", 1100) + " seq 1 type b\n"
	cases := map[string]string{
		"":                        "Found an empty AOF manifest",
		"file a seq 1 type b\n\n": "Invalid AOF manifest file format",
		"file a seq 1 type b\nfile b seq 2 type b\n": "Found duplicate base file information",
		"file a seq 1 type x\n":                      "Unknown AOF file type",
		"file a seq 1\n":                             "Invalid AOF manifest file format",
		"file a seq 1 type\n":                        "Invalid AOF manifest file format",
		"file a seq 1 key b\n":                       "Invalid AOF manifest file format",
		"file a seq 2 type i\nfile b seq 1 type i\n": "Found a non-monotonic sequence number",
		long:                        "The AOF manifest file contains too long line",
		"file a seq 1 type b":       "The AOF manifest file contains too long line",
		"file dir/a seq 1 type b\n": "File can't be a path, just a filename",
		"file a seq 1 type b\nfile b.1.incr.aof seq 1 type i\nfile c seq 1 type i\n": "Found a non-monotonic sequence number",
	}
	for in, want := range cases {
		_, err := ParseManifest(strings.NewReader(in))
		var me *ManifestError
		if !errors.As(err, &me) || me.Msg != want {
			t.Errorf("%.40q: got %v, want %q", in, err, want)
		}
	}
}

func TestManifestHistory(t *testing.T) {
	m := &Manifest{}
	m.NewBase("a.aof", true)
	m.NewIncr("a.aof")
	m.NewIncr("a.aof")
	m.NewBase("a.aof", true)
	m.MarkIncrHistory(true)
	// Redis's order: replaced incr files go in front of the old base.
	want := "file a.aof.2.base.rdb seq 2 type b\n" +
		"file a.aof.1.incr.aof seq 1 type h\n" +
		"file a.aof.1.base.rdb seq 1 type h\n" +
		"file a.aof.2.incr.aof seq 2 type i\n"
	if got := string(m.Format()); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteManifestAtomic(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{}
	m.NewBase("appendonly.aof", false)
	m.NewIncr("appendonly.aof")
	if err := WriteManifest(dir, "appendonly.aof", m); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "appendonly.aof.manifest"))
	if err != nil || string(b) != string(m.Format()) {
		t.Fatalf("%q %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "temp-appendonly.aof.manifest")); !os.IsNotExist(err) {
		t.Fatal("temp manifest left behind")
	}
}

func stream(cmds ...[]string) []byte {
	var b []byte
	for _, c := range cmds {
		argv := make([][]byte, len(c))
		for i, a := range c {
			argv[i] = []byte(a)
		}
		b = AppendCommand(b, argv...)
	}
	return b
}

func TestReaderCommandsAndAnnotations(t *testing.T) {
	b := stream([]string{"SELECT", "0"}, []string{"SET", "k", "a\r\nb"})
	b = AppendTimestamp(b, 1700000000)
	b = append(b, stream([]string{"INCR", "k"})...)
	r := NewReader(bytes.NewReader(b))
	var got []string
	for {
		argv, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(bytes.Join(argv, []byte(" "))))
	}
	want := []string{"SELECT 0", "SET k a\r\nb", "INCR k"}
	if strings.Join(got, "|") != strings.Join(want, "|") || r.Offset() != int64(len(b)) {
		t.Fatalf("got %q (offset %d of %d)", got, r.Offset(), len(b))
	}
}

// TestReaderTruncatedTail cuts a stream at every byte: a cut inside the
// last command is a short read whose valid offset is the end of the
// previous command; a cut at a boundary is a clean end.
func TestReaderTruncatedTail(t *testing.T) {
	first := stream([]string{"SET", "foo", "bar"})
	full := append(append([]byte{}, first...), stream([]string{"RPUSH", "list", "x", "yy"})...)
	for cut := len(first); cut <= len(full); cut++ {
		r := NewReader(bytes.NewReader(full[:cut]))
		if _, err := r.Next(); err != nil {
			t.Fatalf("cut %d: first command: %v", cut, err)
		}
		valid := r.Offset()
		_, err := r.Next()
		switch {
		case cut == len(first):
			if err != io.EOF {
				t.Fatalf("cut %d: want EOF, got %v", cut, err)
			}
		case cut == len(full):
			if err != nil {
				t.Fatalf("full stream: %v", err)
			}
		default:
			if !errors.Is(err, ErrTruncated) || valid != int64(len(first)) {
				t.Fatalf("cut %d: got %v (valid %d)", cut, err, valid)
			}
		}
	}
}

func TestReaderFormatError(t *testing.T) {
	b := append(stream([]string{"SET", "a", "1"}), "garbage\r\n"...)
	b = append(b, stream([]string{"SET", "b", "2"})...)
	r := NewReader(bytes.NewReader(b))
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err := r.Next()
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Offset != int64(len(stream([]string{"SET", "a", "1"}))) {
		t.Fatalf("got %v", err)
	}
	for _, bad := range []string{"*0\r\n", "*1\r\n%3\r\nfoo\r\n", "*-1\r\n"} {
		if _, err := NewReader(strings.NewReader(bad)).Next(); !errors.As(err, &fe) {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

func TestWriterBarrierAndSwitch(t *testing.T) {
	dir := t.TempDir()
	f1, err := os.Create(filepath.Join(dir, "1"))
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(f1, 0)
	end := w.Feed([]byte("abc"))
	if err := w.Barrier(end, true); err != nil {
		t.Fatal(err)
	}
	w.Feed([]byte("def"))
	f2, err := os.Create(filepath.Join(dir, "2"))
	if err != nil {
		t.Fatal(err)
	}
	// A new writer continues the stream's offsets after the old one.
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	w2 := NewWriterAt(f2, 0, w.Fed())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	end = w2.Feed([]byte("gh"))
	if end != 8 || w2.Barrier(end, false) != nil || w2.Pending() != 0 {
		t.Fatalf("end %d pending %d", end, w2.Pending())
	}
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	b1, _ := os.ReadFile(filepath.Join(dir, "1"))
	b2, _ := os.ReadFile(filepath.Join(dir, "2"))
	if string(b1) != "abcdef" || string(b2) != "gh" {
		t.Fatalf("%q %q", b1, b2)
	}
}

func TestWriterErrorKeepsData(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "x"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close() // writes now fail
	w := NewWriter(f, 0)
	end := w.Feed([]byte("data"))
	if err := w.Barrier(end, false); err == nil || w.Err() == nil {
		t.Fatal("expected a write error")
	}
	if w.Pending() != 4 {
		t.Fatalf("pending %d", w.Pending())
	}
}
