package compat

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// populate writes a dataset with every type in each of its encodings,
// integer and compressible strings, TTLs, several databases and a
// function library.
func populate(t *testing.T, ctx context.Context, addr string) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(1, 2))
	randBytes := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.IntN(256))
		}
		return string(b)
	}
	for db := 0; db < 3; db++ {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2, DisableIdentity: true})
		defer c.Close()
		p := c.Pipeline()
		pre := fmt.Sprintf("db%d:", db)
		// Strings: int, negative, beyond int32, embstr, raw compressible, raw random, empty, binary.
		p.Set(ctx, pre+"s:int", "12345", 0)
		p.Set(ctx, pre+"s:neg", "-42", 0)
		p.Set(ctx, pre+"s:small", "7", 0)
		p.Set(ctx, pre+"s:bigint", "1234567890123456", 0)
		p.Set(ctx, pre+"s:lead0", "007", 0)
		p.Set(ctx, pre+"s:embstr", "hello world", 0)
		p.Set(ctx, pre+"s:raw", strings.Repeat("abcdefgh", 40), 0)
		p.Set(ctx, pre+"s:random", randBytes(300), 0)
		p.Set(ctx, pre+"s:empty", "", 0)
		p.Set(ctx, pre+"s:binary", "\x00\x01\xff\r\n", 0)
		p.Set(ctx, pre+"s:ttl", "soon", time.Hour)
		// Lists: small, mixed ints, long with several quicklist nodes and a big element.
		p.RPush(ctx, pre+"l:small", "a", "1", "-2", "bb", "")
		var long []any
		for i := 0; i < 3000; i++ {
			long = append(long, fmt.Sprintf("element-%d-%s", i, strings.Repeat("z", i%50)))
		}
		p.RPush(ctx, pre+"l:long", long...)
		p.RPush(ctx, pre+"l:big", strings.Repeat("B", 20000), "x", randBytes(9000))
		p.RPush(ctx, pre+"l:ttl", "q")
		p.PExpire(ctx, pre+"l:ttl", 90*time.Minute)
		// Sets: intset, small strings, large intset (hashtable), large strings.
		p.SAdd(ctx, pre+"set:ints", 1, 2, 3, -5, int64(1)<<40, -(int64(1) << 62))
		p.SAdd(ctx, pre+"set:strs", "a", "b", "c", "12x")
		var ints, strs []any
		for i := 0; i < 1000; i++ {
			ints = append(ints, i*7)
			strs = append(strs, fmt.Sprintf("member:%d", i))
		}
		p.SAdd(ctx, pre+"set:bigints", ints...)
		p.SAdd(ctx, pre+"set:bigstrs", strs...)
		// Sorted sets: listpack with awkward scores, skiplist by size, skiplist by member length.
		p.ZAdd(ctx, pre+"z:small",
			redis.Z{Score: 1, Member: "one"}, redis.Z{Score: 1.5, Member: "onehalf"},
			redis.Z{Score: -0.25, Member: "neg"}, redis.Z{Score: 3.141592653589793, Member: "pi"},
			redis.Z{Score: 1e300, Member: "huge"}, redis.Z{Score: 0.1, Member: "tenth"},
			redis.Z{Score: 12345678901, Member: "bigint"}, redis.Z{Score: 7, Member: "42"})
		p.Do(ctx, "ZADD", pre+"z:inf", "+inf", "top", "-inf", "bottom", "0", "zero")
		var zs []redis.Z
		for i := 0; i < 600; i++ {
			zs = append(zs, redis.Z{Score: float64(i) / 3, Member: fmt.Sprintf("m%d", i)})
		}
		p.ZAdd(ctx, pre+"z:big", zs...)
		p.ZAdd(ctx, pre+"z:longmember", redis.Z{Score: 2, Member: strings.Repeat("L", 100)})
		// Hashes: listpack, int values, hashtable by size, hashtable by value length.
		p.HSet(ctx, pre+"h:small", "name", "peregrine", "n", "17", "neg", "-3", "empty", "")
		var fields []any
		for i := 0; i < 800; i++ {
			fields = append(fields, fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i*i))
		}
		p.HSet(ctx, pre+"h:big", fields...)
		p.HSet(ctx, pre+"h:longvalue", "k", strings.Repeat("V", 200))
		p.HSet(ctx, pre+"h:ttl", "a", "1")
		p.ExpireAt(ctx, pre+"h:ttl", time.Now().Add(48*time.Hour))
		if _, err := p.Exec(ctx); err != nil {
			t.Fatalf("populate db %d: %v", db, err)
		}
	}
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	lib := "#!lua name=compatlib\nredis.register_function('compat_hello', function(keys, args) return 'hello' end)"
	if err := c.Do(ctx, "FUNCTION", "LOAD", lib).Err(); err != nil {
		t.Fatalf("FUNCTION LOAD: %v", err)
	}
}

// keyState is everything compared about one key.
type keyState struct {
	Type, Encoding string
	ExpireAt       int64 // PEXPIRETIME
	Value          string
}

// dumpState reads every key of databases 0..3 and the function library
// names, in a canonical form (members sorted where order is not defined).
func dumpState(t *testing.T, ctx context.Context, addr string) map[string]keyState {
	t.Helper()
	out := map[string]keyState{}
	for db := 0; db < 4; db++ {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2, DisableIdentity: true})
		defer c.Close()
		keys, err := c.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatalf("KEYS: %v", err)
		}
		for _, k := range keys {
			var st keyState
			st.Type = c.Type(ctx, k).Val()
			st.Encoding = c.ObjectEncoding(ctx, k).Val()
			st.ExpireAt = c.PExpireTime(ctx, k).Val().Milliseconds()
			switch st.Type {
			case "string":
				st.Value = c.Get(ctx, k).Val()
			case "list":
				st.Value = strings.Join(c.LRange(ctx, k, 0, -1).Val(), "\x00")
			case "set":
				m := c.SMembers(ctx, k).Val()
				sort.Strings(m)
				st.Value = strings.Join(m, "\x00")
			case "zset":
				var b strings.Builder
				for _, z := range c.ZRangeWithScores(ctx, k, 0, -1).Val() {
					fmt.Fprintf(&b, "%v=%v\x00", z.Member, z.Score)
				}
				st.Value = b.String()
			case "hash":
				h := c.HGetAll(ctx, k).Val()
				var pairs []string
				for f, v := range h {
					pairs = append(pairs, f+"="+v)
				}
				sort.Strings(pairs)
				st.Value = strings.Join(pairs, "\x00")
			}
			out[fmt.Sprintf("%d/%s", db, k)] = st
		}
	}
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	libs, err := c.FunctionList(ctx, redis.FunctionListQuery{}).Result()
	if err != nil {
		t.Fatalf("FUNCTION LIST: %v", err)
	}
	for _, l := range libs {
		out["function/"+l.Name] = keyState{Type: "function"}
	}
	return out
}

// compareStates reports every difference between two dumps.
func compareStates(t *testing.T, want, got map[string]keyState) {
	t.Helper()
	if len(want) < 40 {
		t.Fatalf("the dataset has only %d keys: populate failed", len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s: missing after load", k)
		case g.Type != w.Type || g.Encoding != w.Encoding || g.ExpireAt != w.ExpireAt:
			t.Errorf("%s: got type=%s encoding=%s expireat=%d, want type=%s encoding=%s expireat=%d",
				k, g.Type, g.Encoding, g.ExpireAt, w.Type, w.Encoding, w.ExpireAt)
		case g.Value != w.Value:
			t.Errorf("%s: value differs (got %d bytes, want %d)", k, len(g.Value), len(w.Value))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected key after load", k)
		}
	}
}
