package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/peregrinedb/peregrine/internal/encoding"
	"github.com/peregrinedb/peregrine/internal/keyspace"
)

// A DUMP payload is one value as the RDB stores it (type byte, then the
// value), followed by the RDB version (2 bytes, little-endian) and a
// CRC64 of everything before it (8 bytes, little-endian).

// Payload serializes e as DUMP does.
func Payload(e *keyspace.Entry, o *WriteOptions) ([]byte, error) {
	b, err := AppendValue(nil, e, o)
	if err != nil {
		return nil, err
	}
	return SealPayload(b), nil
}

// SealPayload appends the version and checksum footer to a payload body.
func SealPayload(b []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, Version)
	return binary.LittleEndian.AppendUint64(b, encoding.CRC64(0, b))
}

// VerifyPayload checks a payload's footer: a version this reader knows
// and, unless skipChecksum, a matching CRC64.
func VerifyPayload(p []byte, skipChecksum bool) bool {
	if len(p) < 10 {
		return false
	}
	footer := p[len(p)-10:]
	if binary.LittleEndian.Uint16(footer) > Version {
		return false
	}
	return skipChecksum || binary.LittleEndian.Uint64(footer[2:]) == encoding.CRC64(0, p[:len(p)-8])
}

// ErrBadPayload reports a payload whose body cannot be decoded.
var ErrBadPayload = errors.New("rdb: bad data format")

// ParsePayload decodes the value of a verified payload. It fails if the
// body holds anything after the value.
func ParsePayload(p []byte, lim *Limits) (keyspace.Entry, error) {
	if len(p) < 11 {
		return keyspace.Entry{}, ErrBadPayload
	}
	body := p[:len(p)-10]
	r := newReader(bytes.NewReader(body))
	typ, err := r.byte()
	if err != nil {
		return keyspace.Entry{}, ErrBadPayload
	}
	e, err := readValue(r, typ, lim)
	if err != nil {
		return keyspace.Entry{}, fmt.Errorf("%w: %w", ErrBadPayload, err)
	}
	if r.Offset() != int64(len(body)) {
		return keyspace.Entry{}, ErrBadPayload
	}
	return e, nil
}

// ReadPayloadString decodes RDB strings from a payload body, for the
// FUNCTION DUMP/RESTORE format which is a sequence of opcode + string.
type PayloadReader struct{ r *reader }

// NewPayloadReader reads the body of a payload (footer excluded).
func NewPayloadReader(body []byte) *PayloadReader {
	return &PayloadReader{r: newReader(bytes.NewReader(body))}
}

// Byte reads one byte.
func (p *PayloadReader) Byte() (byte, error) { return p.r.byte() }

// String reads one RDB string.
func (p *PayloadReader) String() ([]byte, error) { return p.r.str() }

// Len reads one RDB length.
func (p *PayloadReader) Len() (uint64, error) { return p.r.plainLen() }

// Offset returns the bytes consumed.
func (p *PayloadReader) Offset() int64 { return p.r.Offset() }
