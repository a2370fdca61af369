package aof

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// Policy is the appendfsync policy. The values are those of the config
// table's appendfsync enum.
type Policy int

// The appendfsync policies.
const (
	FsyncNo       Policy = 0 // write(2) before replying, let the OS flush
	FsyncAlways   Policy = 1 // write(2) and fsync before replying
	FsyncEverysec Policy = 2 // write(2) before replying, fsync once a second
)

// Writer appends the propagated command stream to the current incremental
// file. Commands are fed into an in-memory buffer (under the server's
// keyspace lock, so the stream order is the execution order) and reach the
// file when a connection is about to send replies (Barrier), so no client
// sees the reply of a write that is not in the file; with FsyncAlways the
// write is also fsynced first. Offsets are positions in the stream fed
// since the Writer was created, across incremental files.
type Writer struct {
	bufMu sync.Mutex
	buf   []byte
	spare []byte
	fed   atomic.Int64 // end of the stream fed so far

	// mu serialises writes to the file and file switches; syncMu
	// serialises fsyncs with switches (an fsync runs without mu so
	// writers are not held up by the disk flush).
	mu       sync.Mutex
	syncMu   sync.Mutex
	f        *os.File
	written  atomic.Int64 // stream offset written to the file
	synced   atomic.Int64 // stream offset known to be fsynced
	fileSize atomic.Int64 // bytes in the current file

	// err is the last write or fsync error (nil when the last write
	// succeeded): writes are refused with MISCONF while it is set.
	errMu sync.Mutex
	err   error
}

// NewWriter appends to f, whose current size is size.
func NewWriter(f *os.File, size int64) *Writer { return NewWriterAt(f, size, 0) }

// NewWriterAt is NewWriter for a stream that continues at offset start
// (the previous file's writer ended there, fully written), so offsets
// handed out before a file switch stay meaningful after it.
func NewWriterAt(f *os.File, size, start int64) *Writer {
	w := &Writer{f: f}
	w.fileSize.Store(size)
	w.fed.Store(start)
	w.written.Store(start)
	w.synced.Store(start)
	return w
}

// Feed appends encoded commands to the buffer and returns the stream
// offset after them.
func (w *Writer) Feed(b []byte) int64 {
	w.bufMu.Lock()
	w.buf = append(w.buf, b...)
	end := w.fed.Add(int64(len(b)))
	w.bufMu.Unlock()
	return end
}

// Fed is the end of the stream fed so far.
func (w *Writer) Fed() int64 { return w.fed.Load() }

// Pending reports the bytes fed but not yet written (INFO aof_buffer_length).
func (w *Writer) Pending() int64 { return w.fed.Load() - w.written.Load() }

// FileSize is the size of the current incremental file.
func (w *Writer) FileSize() int64 { return w.fileSize.Load() }

// Err returns the error of the last failed write or fsync, nil once a
// write succeeded again.
func (w *Writer) Err() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.err
}

func (w *Writer) setErr(err error) {
	w.errMu.Lock()
	w.err = err
	w.errMu.Unlock()
}

// Barrier makes sure the stream up to upTo is written to the file, and
// fsynced too when fsync is set. Concurrent callers share the work: one
// write (and fsync) covers everything fed before it started.
func (w *Writer) Barrier(upTo int64, fsync bool) error {
	if w.written.Load() >= upTo && (!fsync || w.synced.Load() >= upTo) {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.written.Load() < upTo {
		if err := w.writeLocked(); err != nil {
			return err
		}
	}
	if fsync && w.synced.Load() < upTo {
		return w.syncLocked()
	}
	return nil
}

// Flush writes everything buffered to the file (no fsync).
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writeLocked()
}

// writeLocked writes the buffer; mu is held. On a failed or short write
// the file is truncated back to where it was, so a later retry does not
// leave half a command in the middle, and the data stays buffered.
func (w *Writer) writeLocked() error {
	if w.f == nil {
		return nil
	}
	w.bufMu.Lock()
	if len(w.buf) == 0 {
		w.bufMu.Unlock()
		return nil
	}
	// Swap in the spare buffer: feeding goes on while data is written.
	// (Swapping an empty buffer would leave buf and spare sharing one
	// array, hence the check above.)
	data := w.buf
	w.buf = w.spare[:0]
	w.spare = nil
	end := w.fed.Load()
	w.bufMu.Unlock()
	n, err := w.f.Write(data)
	if err != nil {
		size := w.fileSize.Load()
		kept := 0
		if n > 0 {
			if terr := w.f.Truncate(size); terr != nil {
				// The partial write stays: drop what reached the file
				// from the buffer instead.
				kept = n
				w.fileSize.Add(int64(n))
				w.written.Add(int64(n))
			}
		}
		w.bufMu.Lock()
		w.buf = append(append([]byte(nil), data[kept:]...), w.buf...)
		w.bufMu.Unlock()
		err = fmt.Errorf("writing the AOF: %w", err)
		w.setErr(err)
		return err
	}
	w.fileSize.Add(int64(n))
	w.written.Store(end)
	w.spare = data[:0]
	if cap(w.spare) > 4<<20 {
		w.spare = nil // do not keep a huge buffer after a burst
	}
	w.setErr(nil)
	return nil
}

// syncLocked fsyncs the file; mu is held.
func (w *Writer) syncLocked() error {
	off := w.written.Load()
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	if w.f == nil {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		err = fmt.Errorf("fsync of the AOF: %w", err)
		w.setErr(err)
		return err
	}
	w.synced.Store(off)
	return nil
}

// Sync fsyncs what has been written so far (the everysec background
// flush). It does not hold up writers while the disk works.
func (w *Writer) Sync() error {
	w.mu.Lock()
	off := w.written.Load()
	f := w.f
	w.mu.Unlock()
	if w.synced.Load() >= off || f == nil {
		return nil
	}
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	if w.f != f {
		return nil // switched meanwhile: Switch fsynced the old file
	}
	if err := f.Sync(); err != nil {
		err = fmt.Errorf("fsync of the AOF: %w", err)
		w.setErr(err)
		return err
	}
	if w.synced.Load() < off {
		w.synced.Store(off)
	}
	return nil
}

// NeedsSync reports whether written data is not yet fsynced.
func (w *Writer) NeedsSync() bool { return w.synced.Load() < w.written.Load() }

// Switch makes f (of size size) the file appended to: the buffer is
// written to the old file, which is fsynced and closed.
func (w *Writer) Switch(f *os.File, size int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.writeLocked(); err != nil {
		return err
	}
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	if w.f != nil {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("fsync of the old AOF: %w", err)
		}
		w.f.Close()
	}
	w.synced.Store(w.written.Load())
	w.f = f
	w.fileSize.Store(size)
	return nil
}

// Close writes and fsyncs what is buffered and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.writeLocked()
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	if w.f != nil {
		if serr := w.f.Sync(); serr != nil && err == nil {
			err = fmt.Errorf("fsync of the AOF: %w", serr)
		}
		if cerr := w.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the AOF: %w", cerr)
		}
		w.f = nil
	}
	return err
}
