package peregrine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/peregrinedb/peregrine"
	"github.com/redis/go-redis/v9"
)

// TestEmbeddedServersAreIndependent runs two servers in one process and
// checks each serves its own data over TCP and through Do.
func TestEmbeddedServersAreIndependent(t *testing.T) {
	ctx := context.Background()
	var srvs [2]*peregrine.Server
	for i := range srvs {
		s, err := peregrine.New(peregrine.Options{Args: []string{"--port", "0", "--save", ""}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		srvs[i] = s
	}
	if srvs[0].Addr() == srvs[1].Addr() {
		t.Fatalf("both servers on %s", srvs[0].Addr())
	}
	c := redis.NewClient(&redis.Options{Addr: srvs[0].Addr(), DisableIdentity: true})
	defer c.Close()
	if err := c.Set(ctx, "k", "v0", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := srvs[0].Do(ctx, "GET", "k"); err != nil || v != "v0" {
		t.Fatalf("Do GET on server 0 = %v, %v", v, err)
	}
	if v, err := srvs[1].Do(ctx, "GET", "k"); err != nil || v != nil {
		t.Fatalf("Do GET on server 1 = %v, %v; want nil (separate keyspace)", v, err)
	}
	if n, err := srvs[1].Do(ctx, "INCRBY", "n", "5"); err != nil || n != int64(5) {
		t.Fatalf("INCRBY = %v, %v", n, err)
	}
	if _, err := srvs[1].Do(ctx, "LCS", "n"); err == nil {
		t.Fatal("wrong arity gave no error")
	} else if !errors.As(err, new(peregrine.ErrReply)) || err.Error() != "ERR wrong number of arguments for 'lcs' command" {
		t.Fatalf("error = %q", err)
	}
	if v, _ := srvs[1].Do(ctx, "MGET", "n", "missing"); len(v.([]any)) != 2 || v.([]any)[0] != "5" || v.([]any)[1] != nil {
		t.Fatalf("MGET = %#v", v)
	}
	if err := srvs[0].Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srvs[0].Done():
	default:
		t.Fatal("Done not closed after Close")
	}
}
