package integration

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peregrinedb/peregrine/internal/testutil"
	"github.com/redis/go-redis/v9"
)

// testCerts is a throwaway CA with a server and a client certificate,
// written as PEM files in dir.
type testCerts struct {
	dir                                        string
	ca, serverCert, serverKey, cliCert, cliKey string
	pool                                       *x509.CertPool
	client                                     tls.Certificate
}

func makeTestCerts(t *testing.T) *testCerts {
	t.Helper()
	dir := t.TempDir()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey := newKey()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "peregrine test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	c := &testCerts{dir: dir, ca: write("ca.crt", "CERTIFICATE", caDER), pool: x509.NewCertPool()}
	c.pool.AddCert(caCert)
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage) (string, string) {
		k := newKey()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return write(name+".crt", "CERTIFICATE", der), write(name+".key", "EC PRIVATE KEY", kder)
	}
	c.serverCert, c.serverKey = leaf("server", 2, x509.ExtKeyUsageServerAuth)
	c.cliCert, c.cliKey = leaf("client", 3, x509.ExtKeyUsageClientAuth)
	if c.client, err = tls.LoadX509KeyPair(c.cliCert, c.cliKey); err != nil {
		t.Fatal(err)
	}
	return c
}

// serverArgs are the directives of a TLS server on port tlsPort.
func (c *testCerts) serverArgs(tlsPort int) []string {
	return []string{"--tls-port", strconv.Itoa(tlsPort), "--tls-cert-file", c.serverCert,
		"--tls-key-file", c.serverKey, "--tls-ca-cert-file", c.ca}
}

// clientArgs make a server dial its master over TLS with the client
// certificate.
func (c *testCerts) clientArgs() []string {
	return []string{"--tls-replication", "yes", "--tls-cert-file", c.cliCert,
		"--tls-key-file", c.cliKey, "--tls-ca-cert-file", c.ca}
}

func (c *testCerts) clientConfig(withCert bool) *tls.Config {
	cfg := &tls.Config{RootCAs: c.pool, ServerName: "127.0.0.1"}
	if withCert {
		cfg.Certificates = []tls.Certificate{c.client}
	}
	return cfg
}

// TestTLSClients: a client speaks TLS on tls-port while the plain port
// still serves; tls-auth-clients yes (the default) turns away a client
// without a certificate, CONFIG SET tls-auth-clients no lets it in, and a
// certificate that cannot load is refused by CONFIG SET in Redis's words,
// leaving TLS working.
func TestTLSClients(t *testing.T) {
	ctx := context.Background()
	certs := makeTestCerts(t)
	port := testutil.FreePort(t)
	plain := testutil.StartPeregrine(t, certs.serverArgs(port)...)
	tlsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := redis.NewClient(&redis.Options{Addr: tlsAddr, TLSConfig: certs.clientConfig(true)})
	defer c.Close()
	if err := c.Set(ctx, "k", "over tls", 0).Err(); err != nil {
		t.Fatalf("SET over TLS: %v", err)
	}
	p := redis.NewClient(&redis.Options{Addr: plain})
	defer p.Close()
	if v := p.Get(ctx, "k").Val(); v != "over tls" {
		t.Fatalf("plain port GET = %q", v)
	}
	anon := redis.NewClient(&redis.Options{Addr: tlsAddr, TLSConfig: certs.clientConfig(false), MaxRetries: -1})
	defer anon.Close()
	if err := anon.Ping(ctx).Err(); err == nil {
		t.Fatal("a client without a certificate was served with tls-auth-clients yes")
	}
	if err := c.ConfigSet(ctx, "tls-auth-clients", "no").Err(); err != nil {
		t.Fatal(err)
	}
	anon2 := redis.NewClient(&redis.Options{Addr: tlsAddr, TLSConfig: certs.clientConfig(false)})
	defer anon2.Close()
	if err := anon2.Ping(ctx).Err(); err != nil {
		t.Fatalf("tls-auth-clients no: %v", err)
	}
	err := c.ConfigSet(ctx, "tls-cert-file", filepath.Join(certs.dir, "missing.crt")).Err()
	want := "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs."
	if err == nil || err.Error() != want {
		t.Fatalf("CONFIG SET of a missing certificate: %v", err)
	}
	if v := c.ConfigGet(ctx, "tls-cert-file").Val()["tls-cert-file"]; v != certs.serverCert {
		t.Fatalf("tls-cert-file after the failed CONFIG SET = %q", v)
	}
	fresh := redis.NewClient(&redis.Options{Addr: tlsAddr, TLSConfig: certs.clientConfig(true)})
	defer fresh.Close()
	if err := fresh.Ping(ctx).Err(); err != nil {
		t.Fatalf("new TLS client after the failed reload: %v", err)
	}
	// A pipeline written before reading, with requests and replies far
	// larger than the socket buffers, does not stall a TLS connection:
	// the server keeps reading while the replies wait.
	bigKey := strings.Repeat("k", 1000)
	if err := c.Set(ctx, bigKey, strings.Repeat("v", 1000), 0).Err(); err != nil {
		t.Fatal(err)
	}
	raw, err := tls.Dial("tcp", tlsAddr, certs.clientConfig(true))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	const n = 60000 // 60 MB of requests, 60 MB of replies
	written := make(chan error, 1)
	go func() {
		_, err := raw.Write([]byte(strings.Repeat("*2\r\n$3\r\nGET\r\n$1000\r\n"+bigKey+"\r\n", n)))
		written <- err
	}()
	select {
	case err := <-written:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a TLS client's pipeline stalled while its replies were unread")
	}
	raw.SetReadDeadline(time.Now().Add(20 * time.Second))
	if got, err := io.CopyN(io.Discard, raw, n*(1000+9)); err != nil {
		t.Fatalf("read %d bytes of replies: %v", got, err)
	}
	// tls-protocols limits the versions offered.
	if err := c.ConfigSet(ctx, "tls-protocols", "TLSv1.3").Err(); err != nil {
		t.Fatal(err)
	}
	old := certs.clientConfig(true)
	old.MaxVersion = tls.VersionTLS12
	v12 := redis.NewClient(&redis.Options{Addr: tlsAddr, TLSConfig: old, MaxRetries: -1})
	defer v12.Close()
	if err := v12.Ping(ctx).Err(); err == nil {
		t.Fatal("a TLS 1.2 client was served with tls-protocols TLSv1.3")
	}
	if err := c.ConfigSet(ctx, "tls-protocols", "SSLv3").Err(); err == nil || !strings.Contains(err.Error(), "Unable to update TLS configuration") {
		t.Fatalf("CONFIG SET tls-protocols SSLv3: %v", err)
	}
}

// TestTLSReplicationWithRedis: replication over TLS both ways with a real
// redis-server: Peregrine as a replica of a TLS Redis master, and Redis as
// a replica of a TLS Peregrine master.
func TestTLSReplicationWithRedis(t *testing.T) {
	ctx := context.Background()
	certs := makeTestCerts(t)

	t.Run("peregrine replica of redis", func(t *testing.T) {
		port := testutil.FreePort(t)
		ref := testutil.StartReference(t, append(certs.serverArgs(port), "--repl-diskless-sync-delay", "0")...)
		m := redis.NewClient(&redis.Options{Addr: ref.Addr})
		defer m.Close()
		m.Set(ctx, "before", "1", 0)
		rAddr := testutil.StartPeregrine(t, append(certs.clientArgs(), "--replicaof", "127.0.0.1", strconv.Itoa(port))...)
		r := redis.NewClient(&redis.Options{Addr: rAddr})
		defer r.Close()
		waitFor(t, func() bool { return strings.Contains(r.Info(ctx, "replication").Val(), "master_link_status:up") })
		m.Set(ctx, "after", "2", 0)
		waitFor(t, func() bool { return r.Get(ctx, "after").Val() == "2" })
		if v := r.Get(ctx, "before").Val(); v != "1" {
			t.Fatalf("key from the full sync = %q", v)
		}
	})

	t.Run("redis replica of peregrine", func(t *testing.T) {
		port := testutil.FreePort(t)
		mAddr := testutil.StartPeregrine(t, append(certs.serverArgs(port), "--repl-diskless-sync-delay", "0")...)
		m := redis.NewClient(&redis.Options{Addr: mAddr})
		defer m.Close()
		m.Set(ctx, "before", "1", 0)
		ref := testutil.StartReference(t, append(certs.clientArgs(), "--replicaof", "127.0.0.1", strconv.Itoa(port))...)
		r := redis.NewClient(&redis.Options{Addr: ref.Addr})
		defer r.Close()
		waitFor(t, func() bool { return strings.Contains(r.Info(ctx, "replication").Val(), "master_link_status:up") })
		m.Set(ctx, "after", "2", 0)
		waitFor(t, func() bool { return r.Get(ctx, "after").Val() == "2" })
		if v := r.Get(ctx, "before").Val(); v != "1" {
			t.Fatalf("key from the full sync = %q", v)
		}
	})
}
