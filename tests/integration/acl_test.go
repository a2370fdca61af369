package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// TestACLUsers: several users connect with go-redis (which authenticates
// with HELLO AUTH, or AUTH under RESP2), each limited to its keys and
// commands; denials are NOPERM errors and appear in ACL LOG.
func TestACLUsers(t *testing.T) {
	for _, proto := range []int{2, 3} {
		admin, addr := newClient(t, proto)
		ctx := ctxT(t)
		for _, rules := range [][]any{
			{"ACL", "SETUSER", "reader", "on", ">rpass", "~app:*", "+@read", "+@connection"},
			{"ACL", "SETUSER", "writer", "on", ">wpass", "%W~app:*", "+set", "+lpush", "+get", "+@connection"},
		} {
			if err := admin.Do(ctx, rules...).Err(); err != nil {
				t.Fatal(err)
			}
		}
		reader := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, Username: "reader", Password: "rpass", DisableIdentity: true})
		defer reader.Close()
		writer := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, Username: "writer", Password: "wpass", DisableIdentity: true})
		defer writer.Close()

		if err := writer.Set(ctx, "app:1", "v", 0).Err(); err != nil {
			t.Fatalf("writer SET: %v", err)
		}
		if got, err := reader.Get(ctx, "app:1").Result(); err != nil || got != "v" {
			t.Fatalf("reader GET: %q %v", got, err)
		}
		if err := reader.Set(ctx, "app:1", "x", 0).Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'set' command" {
			t.Fatalf("reader SET: %v", err)
		}
		if err := reader.Get(ctx, "other").Err(); err == nil || err.Error() != "NOPERM this user has no permissions to access one of the keys used as arguments" {
			t.Fatalf("reader GET other: %v", err)
		}
		if err := writer.Get(ctx, "app:1").Err(); err == nil || !strings.HasPrefix(err.Error(), "NOPERM") {
			t.Fatalf("writer GET needs read permission: %v", err)
		}
		if err := reader.Do(ctx, "ACL", "WHOAMI").Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'acl|whoami' command" {
			t.Fatalf("reader ACL WHOAMI: %v", err)
		}
		bad := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, Username: "reader", Password: "nope", DisableIdentity: true})
		if err := bad.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
			t.Fatalf("bad password: %v", err)
		}
		bad.Close()
		log, err := admin.Do(ctx, "ACL", "LOG").Slice()
		if err != nil || len(log) < 3 {
			t.Fatalf("ACL LOG: %v %v", log, err)
		}
		list, err := admin.Do(ctx, "CLIENT", "LIST").Text()
		if err != nil || !strings.Contains(list, "user=reader") || !strings.Contains(list, "user=writer") {
			t.Fatalf("CLIENT LIST users: %v %q", err, list)
		}
		// Deleting a user disconnects its clients.
		if n, err := admin.Do(ctx, "ACL", "DELUSER", "reader").Int(); err != nil || n != 1 {
			t.Fatalf("DELUSER: %d %v", n, err)
		}
		time.Sleep(50 * time.Millisecond)
		if list, _ := admin.Do(ctx, "CLIENT", "LIST").Text(); strings.Contains(list, "user=reader") {
			t.Fatalf("reader still connected: %q", list)
		}
	}
}

// TestACLRevokedChannelKillsSubscriber: a subscriber whose user loses the
// channel is disconnected, as in Redis.
func TestACLRevokedChannelKillsSubscriber(t *testing.T) {
	admin, addr := newClient(t, 2)
	ctx := ctxT(t)
	if err := admin.Do(ctx, "ACL", "SETUSER", "sub", "on", "nopass", "resetchannels", "&news", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: addr, Username: "sub", Password: "x", DisableIdentity: true})
	defer c.Close()
	ps := c.Subscribe(ctx, "news")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(ctx, "ACL", "SETUSER", "sub", "resetchannels", "&sports").Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		list, _ := admin.Do(ctx, "CLIENT", "LIST").Text()
		if !strings.Contains(list, "user=sub") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("subscriber of a revoked channel still connected")
}

// TestACLFile: users from an aclfile, ACL SAVE and ACL LOAD with
// validation errors leaving the users unchanged.
func TestACLFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "users.acl")
	if err := os.WriteFile(file, []byte("user alice on >secret ~* +@all\nuser default on nopass ~* &* +@all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := testutil.StartPeregrine(t, "--aclfile", file)
	admin := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer admin.Close()
	ctx := ctxT(t)
	users, err := admin.Do(ctx, "ACL", "USERS").StringSlice()
	if err != nil || strings.Join(users, ",") != "alice,default" {
		t.Fatalf("users: %v %v", users, err)
	}
	if err := admin.Do(ctx, "ACL", "SETUSER", "bob", "on", "nopass").Err(); err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(ctx, "ACL", "SAVE").Err(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	if !strings.Contains(string(data), "user bob on nopass resetchannels -@all\n") {
		t.Fatalf("saved file: %q", data)
	}
	if err := os.WriteFile(file, []byte("user carol on +nosuch\nuser dave bogus\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = admin.Do(ctx, "ACL", "LOAD").Err()
	want := "ERR " + file + ":1: Error in applying operation '+nosuch': Unknown command or category name in ACL. " + file + ":2: Syntax error. WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
	if err == nil || err.Error() != want {
		t.Fatalf("LOAD errors:\n got %v\nwant %s", err, want)
	}
	if users, _ := admin.Do(ctx, "ACL", "USERS").StringSlice(); strings.Join(users, ",") != "alice,bob,default" {
		t.Fatalf("users after failed load: %v", users)
	}
}

// TestACLConfigUsers: "user" directives of the configuration define users
// at start-up, the default user included.
func TestACLConfigUsers(t *testing.T) {
	addr := testutil.StartPeregrine(t, "--user", "alice", "on", ">apass", "~*", "+@all",
		"--user", "default", "on", "nopass", "~*", "&*", "+@all", "-flushdb")
	c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	defer c.Close()
	ctx := ctxT(t)
	if err := c.FlushDB(ctx).Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'flushdb' command" {
		t.Fatalf("FLUSHDB: %v", err)
	}
	list, err := c.Do(ctx, "ACL", "LIST").StringSlice()
	if err != nil || len(list) != 2 || list[1] != "user default on nopass sanitize-payload ~* &* +@all -flushdb" {
		t.Fatalf("ACL LIST: %q %v", list, err)
	}
	alice := redis.NewClient(&redis.Options{Addr: addr, Username: "alice", Password: "apass", DisableIdentity: true})
	defer alice.Close()
	if err := alice.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("alice FLUSHDB: %v", err)
	}
}
