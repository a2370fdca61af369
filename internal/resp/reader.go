package resp

import (
	"bytes"
	"errors"
	"io"
	"math"
)

// Limits Redis applies while parsing requests.
const (
	// InlineMax is the longest inline request or length line accepted before
	// the request is refused (Redis's PROTO_INLINE_MAX_SIZE).
	InlineMax = 64 * 1024
	// unauthMultibulkMax and unauthBulkMax bound what an unauthenticated
	// client may send (Redis 7.0.15: more than 10 arguments or a bulk larger
	// than 16384 bytes is refused before AUTH).
	unauthMultibulkMax = 10
	unauthBulkMax      = 16384
	// bigArg is the size from which a bulk is read into a buffer of its own.
	bigArg = 32 * 1024
	// minReadSize is the smallest read issued to the socket.
	minReadSize = 16 * 1024
	// maxPrealloc bounds the room reserved at once for an announced bulk;
	// larger bulks grow the buffer as their bytes arrive.
	maxPrealloc = 1 << 30
	// shrinkAbove is the buffer size released once nothing is pending, so an
	// idle connection does not keep the room it needed for a big request.
	shrinkAbove = 1 << 20
)

// ProtocolError is a malformed request. Its text is the exact error reply
// Redis sends before closing the connection.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "ERR Protocol error: " + e.Msg }

// ErrQueryBufferLimit is returned when a single pending request grows past
// the configured query buffer limit; the connection must be closed silently.
var ErrQueryBufferLimit = errors.New("query buffer limit reached")

// Reader parses commands from a stream. Arguments returned by ReadCommand
// point into the reader's buffer and stay valid only until the next call.
type Reader struct {
	rd  io.Reader
	buf []byte
	r   int // start of unparsed data
	w   int // end of valid data

	args  [][]byte
	spans []span // argument offsets relative to r while a multibulk is incomplete

	// MaxBulk is proto-max-bulk-len: the largest bulk argument accepted.
	MaxBulk int64
	// MaxQuery is client-query-buffer-limit: the largest pending request.
	MaxQuery int64
	// Authenticated lifts the stricter limits applied to unauthenticated clients.
	Authenticated bool

	// parse state of a multibulk in progress
	multibulk int // remaining total args of the current request; 0 = none in progress
	inline    bool
	pos       int // parse position relative to r
	bulkLen   int // length of the bulk being waited for, -1 if reading its header
	scan      int // bytes from r known to hold no terminator of the pending line
	// Total counts bytes read from the stream (for INFO net_input_bytes).
	Total int64

	// peak is the most bytes the buffer held since the last TakePeak.
	peak int
	// peek is PeekKeys' scratch (a local array would escape to the heap).
	peek [PeekArgs][]byte
}

type span struct{ start, end int }

// NewReader returns a Reader over rd with Redis's default limits.
func NewReader(rd io.Reader) *Reader {
	return &Reader{rd: rd, buf: make([]byte, minReadSize), MaxBulk: 512 << 20, MaxQuery: 1 << 30, bulkLen: -1}
}

// Buffered returns the number of received bytes not yet parsed.
func (r *Reader) Buffered() int { return r.w - r.r }

// Unconsumed is Buffered less the arguments of an incomplete request
// already parsed: what Redis's query buffer would hold (it moves parsed
// arguments out of it), CLIENT LIST's qbuf.
func (r *Reader) Unconsumed() int {
	if r.multibulk > 0 {
		return r.w - r.r - r.pos
	}
	return r.w - r.r
}

// ReadCommand returns the next command. Empty requests (blank inline lines,
// zero-length multibulks) are skipped. It reads from the stream only when the
// buffer holds no complete command.
func (r *Reader) ReadCommand() ([][]byte, error) {
	for {
		args, ok, err := r.Next()
		if err != nil || ok {
			return args, err
		}
		if err := r.Fill(); err != nil {
			return nil, err
		}
	}
}

// Next returns the next complete command already in the buffer without
// reading from the stream; ok is false when more input is needed (call Fill).
// A server calls Next until it reports false, flushes its replies, then
// Fills: one read and one write per pipelined batch.
func (r *Reader) Next() (args [][]byte, ok bool, err error) {
	for {
		args, done, err := r.parse()
		if err != nil || !done {
			return nil, false, err
		}
		if args != nil {
			return args, true, nil
		}
	}
}

// Fill reads more input from the stream (one Read call).
func (r *Reader) Fill() error { return r.fill() }

// Cap returns the size of the read buffer (CLIENT LIST's qbuf + qbuf-free).
func (r *Reader) Cap() int { return len(r.buf) }

// TakePeak returns the most bytes the buffer held since the previous call.
func (r *Reader) TakePeak() int {
	p := r.peak
	r.peak = r.w - r.r
	return p
}

// Shrink replaces the buffer by one of size bytes when nothing is pending
// and the buffer is larger (a connection that once sent a big request gives
// the room back).
func (r *Reader) Shrink(size int) {
	if r.r == r.w && len(r.buf) > size {
		r.buf = make([]byte, size)
		r.r, r.w = 0, 0
		r.dropArgRefs()
	}
}

// dropArgRefs clears the argument slices kept for reuse: they point into
// the buffer being given back, and would keep it alive.
func (r *Reader) dropArgRefs() {
	clear(r.args[:cap(r.args)])
	r.peek = [PeekArgs][]byte{}
}

// Release drops the buffer when nothing is pending, so an idle connection
// holds none: the next Fill reads the first byte into a scratch byte and
// allocates a buffer only once data has arrived.
func (r *Reader) Release() {
	if r.r == r.w {
		r.buf = nil
		r.r, r.w = 0, 0
		r.dropArgRefs()
	}
}

// fill reads more data, compacting, growing or shrinking the buffer first as needed.
func (r *Reader) fill() error {
	if len(r.buf) == 0 {
		return r.fillReleased()
	}
	if r.r == r.w && len(r.buf) > shrinkAbove {
		r.buf = make([]byte, minReadSize)
		r.r, r.w = 0, 0
	} else if r.r > 0 && (r.r == r.w || len(r.buf)-r.w < minReadSize) {
		copy(r.buf, r.buf[r.r:r.w])
		r.w -= r.r
		r.r = 0
	}
	pending := r.w - r.r
	need := minReadSize
	if r.bulkLen >= 0 {
		// Waiting for a known bulk: make room for all of it at once
		// (bulkLen <= MaxInt-2, and pending >= pos, so this cannot overflow).
		if missing := r.bulkLen + 2 - (pending - r.pos); missing > need {
			need = min(missing, maxPrealloc)
		} else if r.bulkLen >= bigArg && missing > 0 {
			// The tail of a big argument (its CRLF, say) fits in the
			// room left for it: no new buffer for a few bytes, as
			// Redis sizes a big argument's buffer to the argument.
			need = missing
		}
	}
	if r.MaxQuery > 0 && need > minReadSize && int64(need-minReadSize) > r.MaxQuery-int64(pending) {
		if int64(pending) >= r.MaxQuery {
			return ErrQueryBufferLimit
		}
		need = minReadSize
	}
	if len(r.buf)-r.w < need {
		nb := make([]byte, max(2*len(r.buf), pending+need))
		copy(nb, r.buf[r.r:r.w])
		r.w = pending
		r.r = 0
		r.buf = nb
	}
	n, err := r.rd.Read(r.buf[r.w:])
	r.w += n
	r.Total += int64(n)
	r.peak = max(r.peak, r.w-r.r)
	if n > 0 {
		if r.MaxQuery > 0 && int64(r.w-r.r) > r.MaxQuery {
			return ErrQueryBufferLimit
		}
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// fillReleased waits for input without a buffer (see Release).
func (r *Reader) fillReleased() error {
	var one [1]byte
	n, err := r.rd.Read(one[:])
	if n == 0 {
		if err == nil {
			err = io.ErrNoProgress
		}
		return err
	}
	r.buf = make([]byte, minReadSize)
	r.buf[0] = one[0]
	r.r, r.w = 0, 1
	r.Total++
	r.peak = max(r.peak, 1)
	return nil
}

// parse tries to complete one request from the buffer. done=false means more
// input is needed; done=true with nil args means an empty request was skipped.
func (r *Reader) parse() (args [][]byte, done bool, err error) {
	if r.multibulk == 0 && !r.inline {
		if r.r == r.w {
			return nil, false, nil
		}
		if r.buf[r.r] != '*' {
			r.inline = true
		} else {
			end, ok, err := r.line(r.r, '\r', "too big mbulk count string")
			if err != nil || !ok {
				return nil, false, err
			}
			// Any negative count is an empty request, as in Redis.
			n, valid := parseLen(r.buf[r.r+1 : end])
			if !valid || n > math.MaxInt32 {
				return nil, false, &ProtocolError{"invalid multibulk length"}
			}
			if !r.Authenticated && n > unauthMultibulkMax {
				return nil, false, &ProtocolError{"unauthenticated multibulk length"}
			}
			if n <= 0 {
				r.r = end + 2
				return nil, true, nil
			}
			r.multibulk = int(n)
			r.pos = end + 2 - r.r // relative to r from now on
			r.spans = r.spans[:0]
			r.bulkLen = -1
		}
	}
	if r.inline {
		return r.parseInline()
	}
	return r.parseMultibulk()
}

// line finds the terminator c ('\r' for length lines, '\n' for inline
// requests) of the line starting at absolute position start. ok is false when
// more input is needed: no terminator yet, or a '\r' not yet followed by a
// byte (Redis skips that byte without checking it is '\n'). tooBig is the
// error once more than InlineMax bytes are pending without a terminator.
// Bytes already searched are remembered, so a line arriving in small pieces
// is scanned only once.
func (r *Reader) line(start int, c byte, tooBig string) (end int, ok bool, err error) {
	from := max(start, r.r+r.scan)
	if i := bytes.IndexByte(r.buf[from:r.w], c); i >= 0 {
		end = from + i
		if c == '\r' && end+1 >= r.w {
			r.scan = end - r.r
			return 0, false, nil
		}
		r.scan = 0
		return end, true, nil
	}
	r.scan = r.w - r.r
	if r.w-start > InlineMax {
		return 0, false, &ProtocolError{tooBig}
	}
	return 0, false, nil
}

func (r *Reader) parseMultibulk() ([][]byte, bool, error) {
	for len(r.spans) < r.multibulk {
		p := r.r + r.pos
		if r.bulkLen < 0 {
			// Like Redis, look for the whole length line before checking
			// that it starts with '$'.
			end, ok, err := r.line(p, '\r', "too big bulk count string")
			if err != nil || !ok {
				return nil, false, err
			}
			if r.buf[p] != '$' {
				// The offending byte is quoted raw, as Redis's %c does.
				return nil, false, &ProtocolError{"expected '$', got '" + string(r.buf[p:p+1]) + "'"}
			}
			n, valid := parseLen(r.buf[p+1 : end])
			if !valid || n < 0 || n > r.MaxBulk || n > math.MaxInt-2 {
				return nil, false, &ProtocolError{"invalid bulk length"}
			}
			if !r.Authenticated && n > unauthBulkMax {
				return nil, false, &ProtocolError{"unauthenticated bulk length"}
			}
			r.bulkLen = int(n)
			r.pos = end + 2 - r.r
			p = end + 2
		}
		if r.w-p-2 < r.bulkLen {
			return nil, false, nil
		}
		r.spans = append(r.spans, span{r.pos, r.pos + r.bulkLen})
		r.pos += r.bulkLen + 2
		r.bulkLen = -1
	}
	args := r.args[:0]
	for _, s := range r.spans {
		args = append(args, r.buf[r.r+s.start:r.r+s.end:r.r+s.end])
	}
	r.args = args
	r.r += r.pos
	r.pos = 0
	r.multibulk = 0
	return args, true, nil
}

func (r *Reader) parseInline() ([][]byte, bool, error) {
	nl, ok, err := r.line(r.r, '\n', "too big inline request")
	if err != nil || !ok {
		return nil, false, err
	}
	line := r.buf[r.r:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := SplitArgs(line, r.args[:0])
	if !ok {
		return nil, false, &ProtocolError{"unbalanced quotes in request"}
	}
	r.args = args
	r.r = nl + 1
	r.inline = false
	if len(args) == 0 {
		return nil, true, nil
	}
	return args, true, nil
}

// parseLen parses a strict decimal integer as Redis's string2ll does.
func parseLen(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] == '0' && (neg || len(b) > 1) {
		return 0, false // no leading zeros, and no "-0"
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<63-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		return -int64(n), true
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}

// PeekKeys calls fn with the first PeekArgs arguments (fewer when the
// request has fewer) of each of up to max complete multibulk requests
// buffered after the one last returned, without consuming or validating
// anything: a server uses it to start loading the keys' memory before it
// runs the commands. The slices are valid until the next read. It stops at
// the first request that is incomplete, inline or malformed, and returns
// how many requests it looked at.
func (r *Reader) PeekKeys(max int, fn func(args [][]byte)) int {
	if r.multibulk != 0 || r.inline {
		return 0 // a request is half parsed: nothing after it is complete
	}
	buf, p, n := r.buf[:r.w], r.r, 0
	for n < max && p < len(buf) && buf[p] == '*' {
		count, q, ok := peekNumber(buf, p+1)
		if !ok || count < 1 {
			break
		}
		p = q
		args := &r.peek
		for i := int64(0); i < count; i++ {
			if p >= len(buf) || buf[p] != '$' {
				return n
			}
			l, q, ok := peekNumber(buf, p+1)
			if !ok || l < 0 || int64(len(buf)-q) < l+2 {
				return n
			}
			if i < PeekArgs {
				args[i] = buf[q : q+int(l)]
			}
			p = q + int(l) + 2
		}
		fn(args[:min(count, PeekArgs)])
		*args = [PeekArgs][]byte{}
		n++
	}
	return n
}

// PeekArgs is how many leading arguments PeekKeys reports per request.
const PeekArgs = 4

// peekNumber parses the decimal number that starts at buf[p] and ends with
// CRLF, returning it and the position after the CRLF.
func peekNumber(buf []byte, p int) (v int64, next int, ok bool) {
	start := p
	for p < len(buf) && buf[p] >= '0' && buf[p] <= '9' {
		if p-start >= 18 {
			return 0, 0, false
		}
		v = v*10 + int64(buf[p]-'0')
		p++
	}
	if p == start || p+1 >= len(buf) || buf[p] != '\r' || buf[p+1] != '\n' {
		return 0, 0, false
	}
	return v, p + 2, true
}
