package keyspace

import "testing"

func TestLFUCounterDecaysAndGrows(t *testing.T) {
	ks := New(1)
	ks.SetAccessMode(true, 0, 1)
	now := int64(1_700_000_000_000)
	e := Entry{Access: ks.NewAccess(now)}
	if c := ks.LFUCounter(e.Access, now); c != LFUInitVal {
		t.Fatalf("new counter = %d", c)
	}
	for i := 0; i < 10; i++ {
		ks.Touch(&e, now)
	}
	if c := ks.LFUCounter(e.Access, now); c != 15 {
		t.Fatalf("after 10 accesses with log factor 0: %d", c)
	}
	// One decrement per lfu-decay-time minutes.
	if c := ks.LFUCounter(e.Access, now+3*60000); c != 12 {
		t.Fatalf("after 3 minutes: %d", c)
	}
	if c := ks.LFUCounter(e.Access, now+300*60000); c != 0 {
		t.Fatalf("after 300 minutes: %d", c)
	}
	ks.SetAccessMode(true, 0, 0)
	if c := ks.LFUCounter(e.Access, now+300*60000); c != 15 {
		t.Fatalf("decay time 0 must not decay: %d", c)
	}
	// The counter saturates at 255 and grows slowly with a log factor.
	e.Access = lfuMinutes(now)<<8 | 255
	ks.Touch(&e, now)
	if c := ks.LFUCounter(e.Access, now); c != 255 {
		t.Fatalf("saturated counter = %d", c)
	}
	ks.SetAccessMode(true, 10, 0)
	e.Access = ks.NewAccess(now)
	for i := 0; i < 1000; i++ {
		ks.Touch(&e, now)
	}
	if c := ks.LFUCounter(e.Access, now); c < 10 || c > 30 {
		t.Fatalf("1000 accesses with log factor 10 gave %d, want about 18 (redis.conf table)", c)
	}
}

func TestLRUIdleWrapsAndRestores(t *testing.T) {
	ks := New(1)
	now := int64(LRUClockMax+100) * 1000 // the clock has just wrapped: 100 s... minus one turn
	e := Entry{}
	if !ks.SetAccessRestored(&e, -1, 1000, now) {
		t.Fatal("IDLETIME not applied in LRU mode")
	}
	if idle := LRUIdle(e.Access, now); idle != 1000*1000 {
		t.Fatalf("idle across the wrap = %d ms", idle)
	}
	if ks.SetAccessRestored(&e, 7, -1, now) {
		t.Fatal("FREQ applied in LRU mode")
	}
	ks.SetAccessMode(true, 10, 1)
	if ks.SetAccessRestored(&e, -1, 5, now) || !ks.SetAccessRestored(&e, 7, -1, now) || ks.LFUCounter(e.Access, now) != 7 {
		t.Fatal("FREQ in LFU mode")
	}
}
