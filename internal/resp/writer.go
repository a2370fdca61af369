package resp

import (
	"math"
	"strconv"
)

// Writer appends replies to a byte buffer, shaped for RESP2 or RESP3.
// Handlers never format protocol bytes by hand: every reply goes through it.
type Writer struct {
	buf []byte
	// Proto is 2 or 3, set by HELLO.
	Proto int
}

// NewWriter returns a Writer speaking RESP2.
func NewWriter() *Writer { return &Writer{Proto: 2, buf: make([]byte, 0, 4096)} }

// Bytes returns the pending output.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of pending bytes.
func (w *Writer) Len() int { return len(w.buf) }

// Reset discards pending output, keeping the buffer (shrinking it after a huge reply).
func (w *Writer) Reset() {
	if cap(w.buf) > 1<<20 {
		w.buf = make([]byte, 0, 4096)
		return
	}
	w.buf = w.buf[:0]
}

// Truncate drops output written after mark (a value from Len).
func (w *Writer) Truncate(mark int) { w.buf = w.buf[:mark] }

// Raw appends already-encoded protocol bytes.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

func (w *Writer) line(prefix byte, n int64) {
	w.buf = append(w.buf, prefix)
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

// Simple writes a status reply (+OK).
func (w *Writer) Simple(s string) {
	w.buf = append(w.buf, '+')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// OK writes +OK.
func (w *Writer) OK() { w.buf = append(w.buf, "+OK\r\n"...) }

// Error writes an error reply. msg must carry its code ("ERR ...",
// "WRONGTYPE ..."); newlines are replaced by spaces as Redis does.
func (w *Writer) Error(msg string) {
	w.buf = append(w.buf, '-')
	start := len(w.buf)
	w.buf = append(w.buf, msg...)
	for i := start; i < len(w.buf); i++ {
		if w.buf[i] == '\r' || w.buf[i] == '\n' {
			w.buf[i] = ' '
		}
	}
	w.buf = append(w.buf, '\r', '\n')
}

// Int writes an integer reply.
func (w *Writer) Int(n int64) { w.line(':', n) }

// Bulk writes a bulk string.
func (w *Writer) Bulk(b []byte) {
	w.line('$', int64(len(b)))
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, '\r', '\n')
}

// BulkString writes a bulk string from a Go string.
func (w *Writer) BulkString(s string) {
	w.line('$', int64(len(s)))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// BulkInt writes an integer formatted as a bulk string.
func (w *Writer) BulkInt(n int64) {
	var tmp [24]byte
	w.Bulk(strconv.AppendInt(tmp[:0], n, 10))
}

// Null writes a null bulk ($-1 in RESP2, _ in RESP3).
func (w *Writer) Null() {
	if w.Proto >= 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "$-1\r\n"...)
}

// NullArray writes a null array (*-1 in RESP2, _ in RESP3).
func (w *Writer) NullArray() {
	if w.Proto >= 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

// Array writes an array header of n elements.
func (w *Writer) Array(n int) { w.line('*', int64(n)) }

// Map writes a map header of n key/value pairs (a flat array of 2n in RESP2).
func (w *Writer) Map(n int) {
	if w.Proto >= 3 {
		w.line('%', int64(n))
		return
	}
	w.line('*', int64(2*n))
}

// Set writes a set header (an array in RESP2).
func (w *Writer) Set(n int) {
	if w.Proto >= 3 {
		w.line('~', int64(n))
		return
	}
	w.line('*', int64(n))
}

// Push writes a push header (an array in RESP2).
func (w *Writer) Push(n int) {
	if w.Proto >= 3 {
		w.line('>', int64(n))
		return
	}
	w.line('*', int64(n))
}

// Attribute writes an attribute header (RESP3 only; callers check Proto).
func (w *Writer) Attribute(n int) { w.line('|', int64(n)) }

// Bool writes a boolean (:1/:0 in RESP2).
func (w *Writer) Bool(b bool) {
	if w.Proto >= 3 {
		if b {
			w.buf = append(w.buf, "#t\r\n"...)
		} else {
			w.buf = append(w.buf, "#f\r\n"...)
		}
		return
	}
	if b {
		w.buf = append(w.buf, ":1\r\n"...)
	} else {
		w.buf = append(w.buf, ":0\r\n"...)
	}
}

// Double writes a double: RESP3 ',' or a bulk string in RESP2, formatted
// with 17 significant digits as Redis does.
func (w *Writer) Double(f float64) {
	if w.Proto >= 3 {
		w.buf = append(w.buf, ',')
		w.buf = AppendDouble(w.buf, f)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	var tmp [32]byte
	w.Bulk(AppendDouble(tmp[:0], f))
}

// AppendDouble formats f as Redis's "%.17g" with inf/-inf/nan spelled as Redis does.
func AppendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	return strconv.AppendFloat(b, f, 'g', 17, 64)
}

// BigNumber writes a RESP3 big number (a bulk string in RESP2).
func (w *Writer) BigNumber(s string) {
	if w.Proto >= 3 {
		w.buf = append(w.buf, '(')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.BulkString(s)
}

// Verbatim writes a RESP3 verbatim string with a 3-letter format such as
// "txt" (a bulk string in RESP2). As in Redis, a shorter format is padded
// with spaces and a longer one cut to 3 bytes, keeping the length right.
func (w *Writer) Verbatim(format, s string) {
	if w.Proto >= 3 {
		w.line('=', int64(len(s)+4))
		for i := range 3 {
			if i < len(format) {
				w.buf = append(w.buf, format[i])
			} else {
				w.buf = append(w.buf, ' ')
			}
		}
		w.buf = append(w.buf, ':')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.BulkString(s)
}

// EmptyArray writes an empty array.
func (w *Writer) EmptyArray() { w.buf = append(w.buf, "*0\r\n"...) }

// BulkStrings writes an array of bulk strings.
func (w *Writer) BulkStrings(items []string) {
	w.Array(len(items))
	for _, s := range items {
		w.BulkString(s)
	}
}
