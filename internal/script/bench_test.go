package script

import (
	"testing"

	"github.com/peregrinedb/peregrine/internal/resp"
)

// nopHost answers every command with a fixed bulk string.
type nopHost struct{ reply []byte }

func (h *nopHost) Call([][]byte, int) ([]byte, string) { return h.reply, "" }
func (h *nopHost) HasCommand([][]byte) bool            { return true }
func (h *nopHost) Log(int, string)                     {}
func (h *nopHost) Tick()                               {}
func (h *nopHost) ErrorReply(string, bool)             {}

// BenchmarkEvalshaSmall is the cost of running a cached small script
// (EVALSHA's work once the command is parsed): one redis.call and a bulk
// reply.
func BenchmarkEvalshaSmall(b *testing.B) {
	e := NewEval(NewShared())
	s, err := e.Load([]byte("return redis.call('get', KEYS[1])"))
	if err != nil {
		b.Fatal(err)
	}
	h := &nopHost{reply: []byte("$5\r\nvalue\r\n")}
	w := resp.NewWriter()
	keys := [][]byte{[]byte("key")}
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		e.Run(h, s, keys, nil, w)
	}
}

// BenchmarkEvalshaLoop measures the VM on a loop (the per-instruction
// cost of the kill/busy tick included).
func BenchmarkEvalshaLoop(b *testing.B) {
	e := NewEval(NewShared())
	s, err := e.Load([]byte("local n = 0 for i = 1, 1000 do n = n + i end return n"))
	if err != nil {
		b.Fatal(err)
	}
	h := &nopHost{}
	w := resp.NewWriter()
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		e.Run(h, s, nil, nil, w)
	}
}

// BenchmarkFcallSmall is the same for a function.
func BenchmarkFcallSmall(b *testing.B) {
	f := NewFunctions(NewShared())
	if _, err := f.Load(nil, []byte("#!lua name=b\nredis.register_function('get', function(keys) return redis.call('get', keys[1]) end)"), false, 0); err != nil {
		b.Fatal(err)
	}
	fn := f.Lookup([]byte("get"))
	h := &nopHost{reply: []byte("$5\r\nvalue\r\n")}
	w := resp.NewWriter()
	keys := [][]byte{[]byte("key")}
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		f.Run(h, fn, keys, nil, w)
	}
}
