package rdb

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"unsafe"

	"github.com/peregrinedb/peregrine/internal/encoding"
	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// Writer writes an RDB file: the header, then aux fields, function
// libraries and database sections in the caller's order, then the EOF
// opcode and the CRC64 checksum. Bytes are staged in an internal buffer
// and flushed to the destination when it passes a threshold, so callers
// holding a lock only pay for serialization, not for I/O (see Pending).
type Writer struct {
	dst      io.Writer
	buf      []byte
	crc      uint64
	checksum bool
	written  int64
	// Options shape the values written.
	Options WriteOptions
}

// NewWriter returns a writer to dst; checksum selects rdbchecksum (when
// off, the footer is eight zero bytes, which loaders accept as "not
// checked").
func NewWriter(dst io.Writer, checksum bool, o WriteOptions) *Writer {
	return &Writer{dst: dst, checksum: checksum, Options: o, buf: make([]byte, 0, 64<<10)}
}

// SetOutput sets the destination (a writer may stage bytes before it
// knows where they go).
func (w *Writer) SetOutput(dst io.Writer) { w.dst = dst }

// Header writes the magic and version.
func (w *Writer) Header() {
	w.buf = append(w.buf, "REDIS0010"...)
}

// Aux writes an aux field (name and value as strings).
func (w *Writer) Aux(name, value string) {
	w.buf = append(w.buf, opAux)
	w.buf = AppendString(w.buf, []byte(name), false)
	w.buf = AppendString(w.buf, []byte(value), false)
}

// AuxInt writes an aux field whose value is an integer.
func (w *Writer) AuxInt(name string, v int64) { w.Aux(name, strconv.FormatInt(v, 10)) }

// Function writes one function library (its code, shebang included).
func (w *Writer) Function(code []byte) {
	w.buf = append(w.buf, opFunction2)
	w.buf = AppendString(w.buf, code, w.Options.Compress)
}

// SelectDB starts the section of database db with its size hints.
func (w *Writer) SelectDB(db, keys, expires int) {
	w.buf = append(w.buf, opSelectDB)
	w.buf = AppendLen(w.buf, uint64(db))
	w.buf = append(w.buf, opResizeDB)
	w.buf = AppendLen(w.buf, uint64(keys))
	w.buf = AppendLen(w.buf, uint64(expires))
}

// Key writes one key with its expiry, its LRU idle time in seconds when
// idle >= 0 and its LFU counter when freq >= 0.
func (w *Writer) Key(key []byte, e *keyspace.Entry, idle int64, freq int) error {
	w.buf = AppendKey(w.buf, key, e, idle, freq, &w.Options)
	return nil
}

// KeyString is Key for a key held as a string (the keyspace's table keys),
// without copying it.
func (w *Writer) KeyString(key string, e *keyspace.Entry, idle int64, freq int) {
	w.buf = AppendKey(w.buf, unsafe.Slice(unsafe.StringData(key), len(key)), e, idle, freq, &w.Options) // read only
}

// AppendKey appends a key record (expiry, idle time, access counter, type,
// key, value) to b; idle or freq < 0 leaves its opcode out. Values of types
// the format cannot hold are skipped with nothing written.
func AppendKey(b []byte, key []byte, e *keyspace.Entry, idle int64, freq int, o *WriteOptions) []byte {
	typ, ok := valueType(e)
	if !ok {
		return b
	}
	if e.Expire != 0 {
		b = append(b, opExpireTimeMs)
		b = binary.LittleEndian.AppendUint64(b, uint64(e.Expire))
	}
	if idle >= 0 {
		b = append(b, opIdle)
		b = AppendLen(b, uint64(idle))
	}
	if freq >= 0 {
		b = append(b, opFreq, byte(freq))
	}
	b = append(b, typ)
	b = AppendString(b, key, o.Compress)
	return appendValueBody(b, e, o)
}

// Raw appends bytes already in RDB form (records serialized earlier by
// AppendKey, for instance while a snapshot preserved a key).
func (w *Writer) Raw(p []byte) { w.buf = append(w.buf, p...) }

// Discard drops the staged bytes (after a write error, when the caller
// keeps walking the dataset without writing).
func (w *Writer) Discard() { w.buf = w.buf[:0] }

// Pending returns how many bytes are staged and not yet flushed.
func (w *Writer) Pending() int { return len(w.buf) }

// Flush writes the staged bytes to the destination.
func (w *Writer) Flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if w.checksum {
		w.crc = encoding.CRC64(w.crc, w.buf)
	}
	return w.write()
}

// write sends the staged bytes to the destination and empties the stage.
func (w *Writer) write() error {
	n, err := w.dst.Write(w.buf)
	w.written += int64(n)
	w.buf = w.buf[:0]
	if err != nil {
		return fmt.Errorf("rdb: write: %w", err)
	}
	return nil
}

// Written returns the bytes flushed so far.
func (w *Writer) Written() int64 { return w.written }

// Finish writes the EOF opcode and the checksum, and flushes.
func (w *Writer) Finish() error {
	w.buf = append(w.buf, opEOF)
	if err := w.Flush(); err != nil {
		return err
	}
	var sum uint64
	if w.checksum {
		sum = w.crc
	}
	w.buf = binary.LittleEndian.AppendUint64(w.buf, sum) // not part of the checksum
	return w.write()
}
