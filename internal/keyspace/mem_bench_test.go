package keyspace

import (
	"strconv"
	"testing"
)

// BenchmarkSetOverwrite replaces the value of one string key (the
// keyspace side of SET on an existing key through Set).
func BenchmarkSetOverwrite(b *testing.B) {
	db := New(1).DB(0)
	key := []byte("key:000000000001")
	val := []byte("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	db.Set(key, Entry{Type: TypeString, Str: val})
	for b.Loop() {
		db.Set(key, Entry{Type: TypeString, Str: val, Enc: EncRaw})
	}
}

// BenchmarkSetDelete adds and removes string keys (new-key insertion and
// deletion, the paths that carry the dataset accounting).
func BenchmarkSetDelete(b *testing.B) {
	db := New(1).DB(0)
	keys := make([][]byte, 1024)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
	}
	val := []byte("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	i := 0
	for b.Loop() {
		k := keys[i&1023]
		db.Set(k, Entry{Type: TypeString, Str: val, Enc: EncRaw})
		db.Delete(k)
		i++
	}
}
