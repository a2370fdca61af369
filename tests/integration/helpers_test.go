package integration

import (
	"context"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// newClient starts a server and returns a go-redis client speaking proto (2 or 3).
func newClient(t *testing.T, proto int, args ...string) (*redis.Client, string) {
	t.Helper()
	addr := testutil.StartPeregrine(t, args...)
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c, addr
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
