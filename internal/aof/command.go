package aof

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// AppendCommand appends argv as a RESP array of bulk strings, the form
// every AOF command takes.
func AppendCommand(b []byte, argv ...[]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(argv)), 10)
	b = append(b, '\r', '\n')
	for _, a := range argv {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// AppendTimestamp appends the "#TS:<unix seconds>" annotation
// aof-timestamp-enabled writes.
func AppendTimestamp(b []byte, unix int64) []byte {
	b = append(b, "#TS:"...)
	b = strconv.AppendInt(b, unix, 10)
	return append(b, '\r', '\n')
}

// ErrTruncated reports a file that ends in the middle of a command (a
// short read: the torn tail of a crash).
var ErrTruncated = errors.New("short read")

// FormatError is a file that is not a valid command stream at Offset.
type FormatError struct{ Offset int64 }

func (e *FormatError) Error() string { return fmt.Sprintf("bad file format at offset %d", e.Offset) }

// maxLine bounds the "*<n>" and "$<n>" header lines as Redis's fgets
// buffer (AOF_ANNOTATION_LINE_MAX_LEN) does.
const maxLine = 1024

// Reader reads the commands of an AOF file one at a time and knows the
// offset of the end of the last complete command, so a torn tail can be
// cut off there.
type Reader struct {
	br  *bufio.Reader
	off int64 // bytes consumed so far
}

// NewReader reads commands from r, which is positioned at offset 0 of the
// command stream.
func NewReader(r io.Reader) *Reader { return &Reader{br: bufio.NewReaderSize(r, 64*1024)} }

// Offset is the position after the last command Next returned.
func (r *Reader) Offset() int64 { return r.off }

// Peek returns the next n bytes without consuming them (base files in RDB
// format start with "REDIS").
func (r *Reader) Peek(n int) ([]byte, error) { return r.br.Peek(n) }

// Raw returns a reader of the bytes after the last command, counted in
// Offset (an RDB base is loaded through it, then commands may follow).
func (r *Reader) Raw() io.Reader { return rawReader{r} }

type rawReader struct{ r *Reader }

func (rr rawReader) Read(p []byte) (int, error) {
	n, err := rr.r.br.Read(p)
	rr.r.off += int64(n)
	return n, err
}

// Next returns the next command. It skips '#' annotation lines. At a
// clean end it returns io.EOF; a command cut short returns ErrTruncated;
// anything that is not the RESP array of bulk strings Redis writes
// returns a *FormatError. The argv slices are fresh allocations.
func (r *Reader) Next() ([][]byte, error) {
	for {
		start := r.off
		line, err := r.line()
		if err == io.EOF && len(line) == 0 {
			return nil, io.EOF
		}
		if err != nil {
			return nil, ErrTruncated
		}
		if line[0] == '#' {
			continue
		}
		if line[0] != '*' {
			return nil, &FormatError{Offset: start}
		}
		if len(line) == 1 {
			// Redis: "*" alone at the end of a line is a read error.
			return nil, ErrTruncated
		}
		argc := atoi(line[1:])
		if argc < 1 {
			return nil, &FormatError{Offset: start}
		}
		argv := make([][]byte, 0, min(argc, 1024))
		for j := 0; j < argc; j++ {
			hdr, err := r.line()
			if err != nil {
				return nil, ErrTruncated
			}
			if hdr[0] != '$' {
				return nil, &FormatError{Offset: start}
			}
			n := atoi(hdr[1:])
			if n < 0 {
				return nil, &FormatError{Offset: start}
			}
			arg, err := r.readN(n + 2)
			if err != nil {
				return nil, ErrTruncated
			}
			r.off += int64(n + 2)
			argv = append(argv, arg[:n:n])
		}
		return argv, nil
	}
}

// readN reads exactly n bytes, growing the buffer as data arrives so a
// corrupt length cannot make it allocate gigabytes up front.
func (r *Reader) readN(n int) ([]byte, error) {
	const chunk = 1 << 20
	buf := make([]byte, 0, min(n, chunk))
	for len(buf) < n {
		want := min(n-len(buf), chunk)
		if cap(buf)-len(buf) < want {
			buf = append(buf, make([]byte, want)...)[:len(buf)]
		}
		got, err := io.ReadFull(r.br, buf[len(buf):len(buf)+want])
		buf = buf[:len(buf)+got]
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// line reads one header line including its "\n" (like fgets: the line may
// lack it at EOF).
func (r *Reader) line() ([]byte, error) {
	var line []byte
	for {
		b, err := r.br.ReadByte()
		if err != nil {
			return line, err
		}
		r.off++
		line = append(line, b)
		if b == '\n' || len(line) >= maxLine-1 {
			return line, nil
		}
	}
}

// atoi parses a leading decimal number as C's atoi/strtol do.
func atoi(b []byte) int {
	neg := false
	i := 0
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	n := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
		if n > 1<<40 {
			return -1
		}
	}
	if neg {
		return -n
	}
	return n
}
