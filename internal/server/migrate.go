package server

import (
	"bufio"
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/peregrinedb/peregrine/internal/aof"
	"github.com/peregrinedb/peregrine/internal/keyspace"
	"github.com/peregrinedb/peregrine/internal/rdb"
)

// MIGRATE keeps up to 64 connections to target instances, closed after
// 10 seconds unused, as Redis does (INFO migrate_cached_sockets).
const (
	migrateCacheItems = 64
	migrateCacheTTL   = 10 * time.Second
)

// migrateConn is a cached connection to a MIGRATE target.
type migrateConn struct {
	conn     net.Conn
	r        *bufio.Reader
	lastDB   int64 // database last selected on it; -1 unknown
	lastUsed time.Time
}

// migrateCache holds the cached connections by "host:port".
type migrateCache struct {
	mu    sync.Mutex
	conns map[string]*migrateConn
}

func (m *migrateCache) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.conns)
}

// get returns the cached connection to addr or dials a new one.
func (m *migrateCache) get(addr string, timeout time.Duration, dial func(string, time.Duration) (net.Conn, error)) (*migrateConn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.conns[addr]; c != nil {
		c.lastUsed = time.Now()
		return c, nil
	}
	if m.conns == nil {
		m.conns = map[string]*migrateConn{}
	}
	if len(m.conns) >= migrateCacheItems {
		for k, c := range m.conns { // evict an arbitrary one
			c.conn.Close()
			delete(m.conns, k)
			break
		}
	}
	conn, err := dial(addr, timeout)
	if err != nil {
		return nil, err
	}
	c := &migrateConn{conn: conn, r: bufio.NewReader(conn), lastDB: -1, lastUsed: time.Now()}
	m.conns[addr] = c
	return c, nil
}

// drop closes and forgets the connection to addr.
func (m *migrateCache) drop(addr string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.conns[addr]; c != nil {
		c.conn.Close()
		delete(m.conns, addr)
	}
}

// expire closes connections unused for migrateCacheTTL (from the cron).
func (m *migrateCache) expire(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, c := range m.conns {
		if now.Sub(c.lastUsed) > migrateCacheTTL {
			c.conn.Close()
			delete(m.conns, k)
		}
	}
}

// closeAll closes every cached connection (shutdown).
func (m *migrateCache) closeAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, c := range m.conns {
		c.conn.Close()
		delete(m.conns, k)
	}
}

// migrateCommand implements MIGRATE: the keys (those that exist) are sent
// to the target as RESTORE commands with DUMP payloads over a cached
// connection, and deleted here once the target acknowledged them unless
// COPY. Like Redis it runs synchronously, bounded by the timeout, and
// retries once on a fresh connection when a cached one turns out dead.
func migrateCommand(x *Ctx) {
	m, ok := parseMigrate(x)
	if !ok {
		return
	}
	var keys [][]byte
	for _, k := range x.args[m.firstKey : m.firstKey+m.numKeys] {
		if x.lookupRead(k) != nil {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		x.w.Simple("NOKEY")
		return
	}
	addr := net.JoinHostPort(string(x.args[1]), string(x.args[2]))
	timeout := time.Duration(m.timeoutMs) * time.Millisecond
	for attempt := 0; ; attempt++ {
		retry, done := x.migrateOnce(&m, addr, keys, timeout, attempt == 0)
		if done || !retry {
			return
		}
	}
}

// migrateOnce makes one attempt; retry reports a connection failure
// before anything was processed, done that a reply was written.
func (x *Ctx) migrateOnce(m *migrateArgs, addr string, keys [][]byte, timeout time.Duration, mayRetry bool) (retry, done bool) {
	cache := &x.s.migrate
	c, err := cache.get(addr, timeout, x.s.dialOut)
	if err != nil {
		x.Err("IOERR error or timeout connecting to the client")
		return false, true
	}
	var buf []byte
	if m.pass != nil {
		if m.user != nil {
			buf = aof.AppendCommand(buf, []byte("AUTH"), m.user, m.pass)
		} else {
			buf = aof.AppendCommand(buf, []byte("AUTH"), m.pass)
		}
	}
	sel := c.lastDB != m.db
	if sel {
		buf = aof.AppendCommand(buf, []byte("SELECT"), strconv.AppendInt(nil, m.db, 10))
	}
	opts := x.s.rdbWriteOptions()
	var sent [][]byte
	for _, k := range keys {
		e := x.db.Peek(k)
		if e == nil {
			continue
		}
		var ttl int64
		if e.Expire != 0 {
			ttl = e.Expire - time.Now().UnixMilli()
			if ttl < 0 {
				continue // expired since the first look
			}
			if ttl < 1 {
				ttl = 1
			}
		}
		payload, err := rdb.Payload(e, &opts)
		if err != nil {
			continue
		}
		args := [][]byte{[]byte("RESTORE"), k, strconv.AppendInt(nil, ttl, 10), payload}
		if m.replace {
			args = append(args, []byte("REPLACE"))
		}
		buf = aof.AppendCommand(buf, args...)
		sent = append(sent, k)
	}
	ioErr := func(writing bool) (bool, bool) {
		cache.drop(addr)
		if mayRetry && !errors.Is(err, os.ErrDeadlineExceeded) {
			return true, false
		}
		if writing {
			x.Err("IOERR error or timeout writing to target instance")
		} else {
			x.Err("IOERR error or timeout reading to target instance")
		}
		return false, true
	}
	_ = c.conn.SetDeadline(time.Now().Add(timeout))
	if _, err = c.conn.Write(buf); err != nil {
		return ioErr(true)
	}
	var authReply, selReply string
	if m.pass != nil {
		if authReply, err = readLine(c.r); err != nil {
			return ioErr(false)
		}
	}
	if sel {
		if selReply, err = readLine(c.r); err != nil {
			return ioErr(false)
		}
	}
	targetErr := false
	for j, k := range sent {
		line, rerr := readLine(c.r)
		if rerr != nil {
			err = rerr
			if j == 0 && !targetErr {
				return ioErr(false)
			}
			cache.drop(addr)
			if !targetErr {
				x.Err("IOERR error or timeout reading to target instance")
			}
			return false, true
		}
		var bad string
		switch {
		case len(authReply) > 0 && authReply[0] == '-':
			bad = authReply
		case len(selReply) > 0 && selReply[0] == '-':
			bad = selReply
		case len(line) > 0 && line[0] == '-':
			bad = line
		}
		if bad != "" {
			if !targetErr {
				c.lastDB = -1
				targetErr = true
				x.Err("ERR Target instance replied with error: " + bad[1:])
			}
			continue
		}
		if !m.copy {
			x.db.Delete(k)
			x.changed(k, keyspace.NotifyGeneric, "del")
		}
	}
	if !targetErr {
		c.lastDB = m.db
		x.w.OK()
	}
	return false, true
}

// readLine reads one reply line (without CRLF); MIGRATE's replies are all
// single-line (+OK or -ERR ...).
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if n := len(line); n >= 2 && line[n-2] == '\r' {
		return line[:n-2], nil
	}
	return line[:len(line)-1], nil
}
