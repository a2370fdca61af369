package integration

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The lock-release pattern of the Redis documentation (SET NX EX to take
// the lock, a compare-and-delete script to release it) as libraries like
// redsync run it.
var releaseLock = redis.NewScript(`
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
else
    return 0
end`)

func TestScriptLockRelease(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			c, _ := newClient(t, proto)
			ctx := ctxT(t)
			ok, err := c.SetNX(ctx, "lock:orders", "owner-1", 10*time.Second).Result()
			if err != nil || !ok {
				t.Fatalf("SET NX = %v, %v", ok, err)
			}
			if ok, _ := c.SetNX(ctx, "lock:orders", "owner-2", 10*time.Second).Result(); ok {
				t.Fatal("a second owner took the lock")
			}
			// The wrong owner cannot release it. Script.Run tries EVALSHA
			// first and falls back to EVAL on NOSCRIPT.
			if n, err := releaseLock.Run(ctx, c, []string{"lock:orders"}, "owner-2").Int(); err != nil || n != 0 {
				t.Fatalf("release by another owner = %d, %v", n, err)
			}
			if v := c.Get(ctx, "lock:orders").Val(); v != "owner-1" {
				t.Fatalf("lock value = %q", v)
			}
			if n, err := releaseLock.Run(ctx, c, []string{"lock:orders"}, "owner-1").Int(); err != nil || n != 1 {
				t.Fatalf("release by the owner = %d, %v", n, err)
			}
			if _, err := c.Get(ctx, "lock:orders").Result(); !errors.Is(err, redis.Nil) {
				t.Fatalf("lock still there: %v", err)
			}
			// Now cached: EVALSHA works directly.
			if n, err := releaseLock.EvalSha(ctx, c, []string{"lock:orders"}, "owner-1").Int(); err != nil || n != 0 {
				t.Fatalf("EVALSHA = %d, %v", n, err)
			}
			if exists := c.ScriptExists(ctx, releaseLock.Hash()).Val(); len(exists) != 1 || !exists[0] {
				t.Fatalf("SCRIPT EXISTS = %v", exists)
			}
		})
	}
}

func TestScriptLockMutualExclusion(t *testing.T) {
	c, _ := newClient(t, 2)
	ctx := ctxT(t)
	const workers, rounds = 8, 25
	var mu sync.Mutex
	inside := 0
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			owner := fmt.Sprintf("worker-%d", w)
			for r := 0; r < rounds; {
				ok, err := c.SetNX(ctx, "lock:shared", owner, 5*time.Second).Result()
				if err != nil {
					errs <- err
					return
				}
				if !ok {
					time.Sleep(100 * time.Microsecond)
					continue
				}
				mu.Lock()
				inside++
				if inside != 1 {
					errs <- fmt.Errorf("%d holders at once", inside)
				}
				mu.Unlock()
				if err := c.Incr(ctx, "protected:counter").Err(); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				inside--
				mu.Unlock()
				if n, err := releaseLock.Run(ctx, c, []string{"lock:shared"}, owner).Int(); err != nil || n != 1 {
					errs <- fmt.Errorf("release = %d, %v", n, err)
					return
				}
				r++
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := c.Get(ctx, "protected:counter").Val(); n != fmt.Sprint(workers*rounds) {
		t.Fatalf("counter = %s", n)
	}
}

// A fixed-window rate limiter: INCR the window's counter, set its expiry
// on the first hit, allow while under the limit.
var rateLimit = redis.NewScript(`
local current = redis.call("INCR", KEYS[1])
if current == 1 then
    redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
if current > tonumber(ARGV[1]) then
    return {0, redis.call("PTTL", KEYS[1])}
end
return {1, tonumber(ARGV[1]) - current}`)

func TestScriptRateLimiter(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			c, _ := newClient(t, proto)
			ctx := ctxT(t)
			key := []string{"rate:user:42"}
			for i := 0; i < 5; i++ {
				res, err := rateLimit.Run(ctx, c, key, 5, 300).Int64Slice()
				if err != nil || res[0] != 1 || res[1] != int64(4-i) {
					t.Fatalf("request %d = %v, %v", i, res, err)
				}
			}
			res, err := rateLimit.Run(ctx, c, key, 5, 300).Int64Slice()
			if err != nil || res[0] != 0 || res[1] <= 0 || res[1] > 300 {
				t.Fatalf("request over the limit = %v, %v", res, err)
			}
			time.Sleep(350 * time.Millisecond)
			res, err = rateLimit.Run(ctx, c, key, 5, 300).Int64Slice()
			if err != nil || res[0] != 1 {
				t.Fatalf("after the window = %v, %v", res, err)
			}
		})
	}
}

func TestScriptErrorsAndFunctions(t *testing.T) {
	c, _ := newClient(t, 3)
	ctx := ctxT(t)
	err := c.Eval(ctx, "return redis.call('nosuch')", nil).Err()
	if err == nil || !strings.HasPrefix(err.Error(), "ERR Unknown Redis command called from script") {
		t.Fatalf("EVAL error = %v", err)
	}
	if _, err := c.EvalSha(ctx, "ffffffffffffffffffffffffffffffffffffffff", nil).Result(); err == nil ||
		!strings.HasPrefix(err.Error(), "NOSCRIPT") {
		t.Fatalf("EVALSHA error = %v", err)
	}
	lib := "#!lua name=mylib\n" +
		"redis.register_function('knockknock', function() return 'Who\\'s there?' end)\n" +
		"redis.register_function{function_name='my_hset', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end}\n" +
		"redis.register_function{function_name='my_get', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}"
	if name, err := c.FunctionLoad(ctx, lib).Result(); err != nil || name != "mylib" {
		t.Fatalf("FUNCTION LOAD = %q, %v", name, err)
	}
	if v, err := c.FCall(ctx, "knockknock", nil).Text(); err != nil || v != "Who's there?" {
		t.Fatalf("FCALL = %q, %v", v, err)
	}
	if v, err := c.FCall(ctx, "my_hset", []string{"k"}, "v").Text(); err != nil || v != "OK" {
		t.Fatalf("FCALL my_hset = %q, %v", v, err)
	}
	if v, err := c.FCallRo(ctx, "my_get", []string{"k"}).Text(); err != nil || v != "v" {
		t.Fatalf("FCALL_RO = %q, %v", v, err)
	}
	libs, err := c.FunctionList(ctx, redis.FunctionListQuery{WithCode: true}).Result()
	if err != nil || len(libs) != 1 || libs[0].Name != "mylib" || len(libs[0].Functions) != 3 || libs[0].Code != lib {
		t.Fatalf("FUNCTION LIST = %+v, %v", libs, err)
	}
	dump, err := c.FunctionDump(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.FunctionFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.FunctionRestore(ctx, dump).Err(); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.FCall(ctx, "knockknock", nil).Text(); v != "Who's there?" {
		t.Fatalf("after restore: %q", v)
	}
}
