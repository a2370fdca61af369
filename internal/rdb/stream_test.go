package rdb

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/types"
)

func TestStreamPayloadRoundTrip(t *testing.T) {
	s := types.NewStream()
	for i := 1; i <= 300; i++ {
		f := [][]byte{[]byte("name"), []byte(fmt.Sprint("v", i)), []byte("n"), []byte(fmt.Sprint(i * 7))}
		if i%5 == 0 {
			f = append(f, []byte("extra"), []byte("x"))
		}
		s.Append(types.StreamID{Ms: uint64(i), Seq: uint64(i % 3)}, f, types.NodeLimits{MaxEntries: 100, MaxBytes: 4096})
	}
	s.Delete(types.StreamID{Ms: 7, Seq: 1})
	s.MaxDeletedID = types.StreamID{Ms: 7, Seq: 1}
	g := s.CreateGroup("g1", types.StreamID{Ms: 10}, 9)
	alice := g.CreateConsumer("alice", 1000)
	g.CreateConsumer("idle", 2000)
	g.AddPending(types.StreamID{Ms: 2, Seq: 2}, alice, 1234, 3)
	g.AddPending(types.StreamID{Ms: 7, Seq: 1}, alice, 1235, 1)
	s.CreateGroup("g2", types.StreamID{}, types.InvalidEntriesRead)

	for _, compress := range []bool{false, true} {
		p, err := Payload(&keyspace.Entry{Type: keyspace.TypeStream, Obj: s}, &WriteOptions{Compress: compress})
		if err != nil {
			t.Fatal(err)
		}
		if p[0] != TypeStreamListpack2 {
			t.Fatalf("type byte %d", p[0])
		}
		e, err := ParsePayload(p, &Limits{})
		if err != nil {
			t.Fatal(err)
		}
		l := e.Obj.(*types.Stream)
		if l.Len() != s.Len() || l.LastID != s.LastID || l.EntriesAdded != s.EntriesAdded || l.MaxDeletedID != s.MaxDeletedID {
			t.Fatalf("metadata: len %d last %v added %d maxdel %v", l.Len(), l.LastID, l.EntriesAdded, l.MaxDeletedID)
		}
		var want, got bytes.Buffer
		s.DigestValue(&want)
		l.DigestValue(&got)
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			t.Fatal("entries differ after the round trip")
		}
		lg := l.Group("g1")
		if lg == nil || lg.LastID != g.LastID || lg.EntriesRead != 9 || len(lg.Consumers()) != 2 || len(lg.Pending()) != 2 {
			t.Fatalf("group g1: %+v", lg)
		}
		p0 := lg.Pending()[0]
		if p0.Consumer.Name != "alice" || p0.DeliveryTime != 1234 || p0.DeliveryCount != 3 {
			t.Fatalf("pending entry %+v", p0)
		}
		if g2 := l.Group("g2"); g2 == nil || g2.EntriesRead != types.InvalidEntriesRead {
			t.Fatal("group g2 lost its unknown entries-read")
		}
	}
}

func TestEmptyStreamLoads(t *testing.T) {
	s := types.NewStream()
	s.Append(types.StreamID{Ms: 1, Seq: 1}, [][]byte{[]byte("a"), []byte("b")}, types.NodeLimits{})
	s.Delete(types.StreamID{Ms: 1, Seq: 1})
	p, err := Payload(&keyspace.Entry{Type: keyspace.TypeStream, Obj: s}, &WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParsePayload(p, &Limits{})
	if err != nil {
		t.Fatalf("an empty stream is a value: %v", err)
	}
	if l := e.Obj.(*types.Stream); l.Len() != 0 || l.LastID != (types.StreamID{Ms: 1, Seq: 1}) {
		t.Fatal("empty stream metadata lost")
	}
}

func FuzzParseStreamPayload(f *testing.F) {
	s := types.NewStream()
	for i := 1; i <= 30; i++ {
		s.Append(types.StreamID{Ms: uint64(i)}, [][]byte{[]byte("a"), []byte(fmt.Sprint(i)), []byte("b"), []byte("x")}, types.NodeLimits{MaxEntries: 10})
	}
	g := s.CreateGroup("g", types.StreamID{Ms: 3}, 3)
	g.AddPending(types.StreamID{Ms: 2}, g.CreateConsumer("c", 5), 6, 1)
	for _, compress := range []bool{false, true} {
		p, _ := Payload(&keyspace.Entry{Type: keyspace.TypeStream, Obj: s}, &WriteOptions{Compress: compress})
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if VerifyPayload(p, true) {
			_, _ = ParsePayload(p, &Limits{})
			checkShallow(t, p, &Limits{})
		}
	})
}
