package integration

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// readAOFCommands parses the commands of an AOF file.
func readAOFCommands(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(bytes.NewReader(b))
	var out [][]string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return out
		}
		if !strings.HasPrefix(line, "*") {
			continue
		}
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		cmd := make([]string, n)
		for i := range cmd {
			hdr, _ := r.ReadString('\n')
			l, _ := strconv.Atoi(strings.TrimSpace(hdr[1:]))
			buf := make([]byte, l+2)
			if _, err := io.ReadFull(r, buf); err != nil {
				t.Fatal(err)
			}
			cmd[i] = string(buf[:l])
		}
		out = append(out, cmd)
	}
}

func streamFull(t *testing.T, ctx context.Context, c *redis.Client, key string) any {
	t.Helper()
	v, err := c.Do(ctx, "XINFO", "STREAM", key, "FULL").Result()
	if err != nil {
		t.Fatal(err)
	}
	return dropSeenTimes(v)
}

// dropSeenTimes blanks consumers' seen-time: like Redis, Peregrine does
// not propagate it, so a replayed consumer was last seen at replay time.
func dropSeenTimes(v any) any {
	a, ok := v.([]any)
	if !ok {
		return v
	}
	for i := range a {
		if i > 0 && a[i-1] == "seen-time" {
			a[i] = nil
			continue
		}
		a[i] = dropSeenTimes(a[i])
	}
	return a
}

// TestStreamAOFPropagation: what stream commands write to the AOF is what
// Redis writes (concrete IDs for "*", "~" trims as "=", XREADGROUP as
// XCLAIM, NOACK reads as XGROUP SETID), and replaying it, or a rewrite,
// gives the same stream back.
func TestStreamAOFPropagation(t *testing.T) {
	ctx := ctxT(t)
	dir := t.TempDir()
	s := mustAOFServer(t, dir, "--stream-node-max-entries", "10")
	c := clientFor(t, s.addr, 0)
	id := c.XAdd(ctx, &redis.XAddArgs{Stream: "s", Values: []string{"a", "1"}}).Val()
	c.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "99999999999999-*", Values: []string{"a", "2"}})
	for i := 0; i < 30; i++ {
		c.Do(ctx, "XADD", "s", "*", "n", i)
	}
	c.Do(ctx, "XADD", "s", "MAXLEN", "~", "15", "*", "n", "last")
	c.Do(ctx, "XTRIM", "s", "MINID", "~", "0")
	c.XGroupCreate(ctx, "s", "g", "0")
	c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "alice", Streams: []string{"s", ">"}, Count: 2})
	c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "bob", Streams: []string{"s", ">"}, Count: 1, NoAck: true})
	want := streamFull(t, ctx, c, "s")
	// A history read bumps delivery counts but propagates nothing (as in Redis).
	c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "alice", Streams: []string{"s", "0"}})

	cmds := readAOFCommands(t, filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof"))
	var xadds, xclaims, setids, creates, xreadgroups int
	for _, cmd := range cmds {
		switch strings.ToUpper(cmd[0]) {
		case "XADD":
			xadds++
			for _, a := range cmd {
				if a == "*" || a == "~" || strings.HasSuffix(a, "-*") {
					t.Errorf("propagated %q", cmd)
				}
			}
			if xadds == 1 && cmd[2] != id {
				t.Errorf("first XADD propagated as %q, replied %s", cmd, id)
			}
			if xadds == 2 && cmd[2] != "99999999999999-0" {
				t.Errorf("ms-* XADD propagated as %q", cmd)
			}
			if cmd[2] == "MAXLEN" && (cmd[3] != "=" || cmd[4] == "15") {
				t.Errorf("approximate trim propagated as %q", cmd)
			}
		case "XCLAIM":
			xclaims++
			if len(cmd) != 14 || cmd[6] != "TIME" || cmd[12] != "LASTID" {
				t.Errorf("XCLAIM shape %q", cmd)
			}
		case "XGROUP":
			if strings.EqualFold(cmd[1], "SETID") {
				setids++
			} else if strings.EqualFold(cmd[1], "CREATECONSUMER") {
				creates++
			}
		case "XREADGROUP":
			xreadgroups++
		}
	}
	if xadds != 33 || xclaims != 2 || setids != 1 || creates != 1 || xreadgroups != 0 {
		t.Errorf("AOF has %d XADD, %d XCLAIM, %d XGROUP SETID, %d CREATECONSUMER, %d XREADGROUP; want 33, 2, 1, 1, 0",
			xadds, xclaims, setids, creates, xreadgroups)
	}

	s.srv.Close()
	s2 := mustAOFServer(t, dir, "--stream-node-max-entries", "10")
	if got := streamFull(t, ctx, clientFor(t, s2.addr, 0), "s"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after replay:\n got  %v\n want %v", got, want)
	}
	c2 := clientFor(t, s2.addr, 0)
	if err := c2.BgRewriteAOF(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	waitRewrite(t, ctx, c2)
	s2.srv.Close()
	s3 := mustAOFServer(t, dir, "--stream-node-max-entries", "10")
	if got := streamFull(t, ctx, clientFor(t, s3.addr, 0), "s"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after rewrite:\n got  %v\n want %v", got, want)
	}
}
