package server

import (
	"sync"
	"time"

	"github.com/peregrinedb/peregrine/internal/resp"
)

// LocalClient runs commands in-process through the same dispatch path as a
// network client, without a socket (the embedding API's Do).
type LocalClient struct {
	mu sync.Mutex
	c  *Client
}

// NewLocalClient registers an in-process client.
func (s *Server) NewLocalClient() *LocalClient {
	c := &Client{
		id:        s.nextID.Add(1),
		srv:       s,
		rd:        resp.NewReader(nil),
		w:         resp.NewWriter(),
		addr:      "local:0",
		laddr:     "local:0",
		createdMs: nowMs(),
		user:      "default",
		authed:    s.defaultAuthed(),
		aclUser:   s.acl.reg.Default(),
	}
	c.fd = -1
	c.lastActive.Store(c.createdMs)
	return &LocalClient{c: c}
}

// Do executes one command and returns its raw RESP reply.
func (l *LocalClient) Do(args [][]byte) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c.w.Reset()
	l.c.clock = time.Now()
	l.c.srv.execute(l.c, args)
	out := make([]byte, l.c.w.Len())
	copy(out, l.c.w.Bytes())
	l.c.w.Reset()
	return out
}
