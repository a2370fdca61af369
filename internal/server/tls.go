package server

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// TLS, as Redis 7 configures it: tls-port listens for TLS clients beside
// (or instead of) the plain port, with the certificate and key of
// tls-cert-file/tls-key-file, client certificates checked against
// tls-ca-cert-file/tls-ca-cert-dir as tls-auth-clients asks, and
// tls-protocols choosing the versions. With tls-replication a replica
// dials its master over TLS, presenting tls-client-cert-file (or the
// server certificate). The handshake and record layer are Go's crypto/tls;
// a TLS connection is served by the generic net.Conn loop (conn.go), not
// the raw-socket one.
//
// Every tls-* directive reloads the whole configuration, as Redis's
// applyTlsCfg does: CONFIG SET of a certificate that cannot be loaded
// fails and leaves the running configuration in place. New connections use
// the configuration current when they handshake.
//
// Differences from Redis's OpenSSL build: tls-ciphersuites (TLS 1.3) and
// tls-dh-params-file have no Go equivalent and are accepted without effect;
// tls-ciphers takes OpenSSL names of the TLS 1.2 suites Go implements;
// tls-prefer-server-ciphers is Go's behaviour anyway; tls-key-file-pass
// decrypts legacy encrypted PEM keys ("Proc-Type: 4,ENCRYPTED").

// tlsState is the server's TLS configuration and listeners.
type tlsState struct {
	server atomic.Pointer[tls.Config] // for accepted connections; nil when TLS is off
	client atomic.Pointer[tls.Config] // for outgoing links (tls-replication)
	// listeners are the tls-port sockets (guarded by Server.listenMu).
	listeners []net.Listener
}

// errTLSConfig is what CONFIG SET reports when a TLS reload fails.
//
//lint:ignore ST1005 Redis's exact text, shown to users
var errTLSConfig = errors.New("Unable to update TLS configuration. Check server logs.")

// tlsNeeded says whether the TLS configuration must load: a TLS port or
// TLS replication is configured.
func (s *Server) tlsNeeded() bool {
	return s.cfg.Int("tls-port") != 0 || s.cfg.Bool("tls-replication")
}

// configureTLS (re)loads the TLS configuration from the directives. With
// no TLS in use it clears it.
func (s *Server) configureTLS() error {
	if !s.tlsNeeded() {
		s.tls.server.Store(nil)
		s.tls.client.Store(nil)
		return nil
	}
	srv, cli, err := s.buildTLSConfigs()
	if err != nil {
		s.log.Warn("Failed to configure TLS: " + err.Error())
		return err
	}
	s.tls.server.Store(srv)
	s.tls.client.Store(cli)
	return nil
}

// buildTLSConfigs reads the certificate files and returns the server and
// client configurations.
func (s *Server) buildTLSConfigs() (srv, cli *tls.Config, err error) {
	certFile, keyFile := s.cfg.String("tls-cert-file"), s.cfg.String("tls-key-file")
	if certFile == "" || keyFile == "" {
		return nil, nil, errors.New("tls-cert-file and tls-key-file must be set")
	}
	cert, err := loadKeyPair(certFile, keyFile, s.cfg.String("tls-key-file-pass"))
	if err != nil {
		return nil, nil, err
	}
	clientCert := cert
	if cf := s.cfg.String("tls-client-cert-file"); cf != "" {
		kf := s.cfg.String("tls-client-key-file")
		if clientCert, err = loadKeyPair(cf, kf, s.cfg.String("tls-client-key-file-pass")); err != nil {
			return nil, nil, err
		}
	}
	roots, err := loadCAs(s.cfg.String("tls-ca-cert-file"), s.cfg.String("tls-ca-cert-dir"))
	if err != nil {
		return nil, nil, err
	}
	minV, maxV, err := parseTLSProtocols(s.cfg.String("tls-protocols"))
	if err != nil {
		return nil, nil, err
	}
	suites, err := parseTLSCiphers(s.cfg.String("tls-ciphers"))
	if err != nil {
		return nil, nil, err
	}
	srv = &tls.Config{
		Certificates:           []tls.Certificate{cert},
		MinVersion:             minV,
		MaxVersion:             maxV,
		CipherSuites:           suites,
		SessionTicketsDisabled: !s.cfg.Bool("tls-session-caching"),
		ClientCAs:              roots,
	}
	switch s.cfg.String("tls-auth-clients") {
	case "yes":
		srv.ClientAuth = tls.RequireAndVerifyClientCert
	case "optional":
		srv.ClientAuth = tls.VerifyClientCertIfGiven
	default:
		srv.ClientAuth = tls.NoClientCert
	}
	if srv.ClientAuth != tls.NoClientCert && roots == nil {
		return nil, nil, errors.New("tls-auth-clients needs tls-ca-cert-file or tls-ca-cert-dir")
	}
	cli = &tls.Config{
		Certificates: []tls.Certificate{clientCert},
		MinVersion:   minV,
		MaxVersion:   maxV,
		CipherSuites: suites,
		// Redis checks the peer's chain against its CAs but not the
		// host name (masters are often addressed by IP): the chain is
		// verified by hand below.
		InsecureSkipVerify: true,
		VerifyConnection:   verifyChain(roots),
	}
	return srv, cli, nil
}

// verifyChain checks a peer's certificate chain against roots (the system
// pool when nil), without a host name, as Redis's OpenSSL setup does.
func verifyChain(roots *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: the peer sent no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
}

// loadKeyPair reads a certificate and its key; pass decrypts a legacy
// encrypted PEM key.
func loadKeyPair(certFile, keyFile, pass string) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("reading tls certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("reading tls key: %w", err)
	}
	if pass != "" {
		if keyPEM, err = decryptPEMKey(keyPEM, pass); err != nil {
			return tls.Certificate{}, err
		}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("loading %s / %s: %w", certFile, keyFile, err)
	}
	return cert, nil
}

// decryptPEMKey decrypts the first block of a legacy encrypted PEM key.
func decryptPEMKey(keyPEM []byte, pass string) ([]byte, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("tls key: no PEM block")
	}
	//lint:ignore SA1019 legacy PEM encryption is what tls-key-file-pass keys use
	if !x509.IsEncryptedPEMBlock(block) {
		return keyPEM, nil
	}
	//lint:ignore SA1019 as above
	der, err := x509.DecryptPEMBlock(block, []byte(pass))
	if err != nil {
		return nil, fmt.Errorf("tls key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: der}), nil
}

// loadCAs reads the CA certificates of a file and of a directory's files;
// nil when neither is set.
func loadCAs(file, dir string) (*x509.CertPool, error) {
	if file == "" && dir == "" {
		return nil, nil
	}
	pool := x509.NewCertPool()
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading tls-ca-cert-file: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("no certificate in tls-ca-cert-file %s", file)
		}
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("reading tls-ca-cert-dir: %w", err)
		}
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				pool.AppendCertsFromPEM(b)
			}
		}
	}
	return pool, nil
}

// parseTLSProtocols maps tls-protocols ("TLSv1.2 TLSv1.3"; empty means
// both) to a version range. TLS 1.0 and 1.1 are accepted by name.
func parseTLSProtocols(v string) (minV, maxV uint16, err error) {
	if strings.TrimSpace(v) == "" {
		return tls.VersionTLS12, tls.VersionTLS13, nil
	}
	for _, p := range strings.Fields(v) {
		var ver uint16
		switch strings.ToLower(p) {
		case "tlsv1":
			ver = tls.VersionTLS10
		case "tlsv1.1":
			ver = tls.VersionTLS11
		case "tlsv1.2":
			ver = tls.VersionTLS12
		case "tlsv1.3":
			ver = tls.VersionTLS13
		default:
			return 0, 0, fmt.Errorf("invalid tls-protocols specified: %s", p)
		}
		if minV == 0 || ver < minV {
			minV = ver
		}
		maxV = max(maxV, ver)
	}
	return minV, maxV, nil
}

// opensslSuites maps OpenSSL's names of the TLS 1.2 suites Go implements
// to Go's identifiers.
var opensslSuites = map[string]uint16{
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	"AES128-GCM-SHA256":             tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	"AES256-GCM-SHA384":             tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
}

// parseTLSCiphers maps tls-ciphers (OpenSSL's colon-separated list) to Go
// suites. OpenSSL keywords and exclusions ("HIGH", "!aNULL") leave Go's
// defaults; a list naming only suites Go lacks is an error, as OpenSSL
// refuses a list that selects nothing.
func parseTLSCiphers(v string) ([]uint16, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []uint16
	named := false
	for _, name := range strings.FieldsFunc(v, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		if id, ok := opensslSuites[name]; ok {
			out = append(out, id)
			continue
		}
		if strings.ToUpper(name) == name && strings.Contains(name, "-") {
			named = true // a specific suite Go does not implement
		}
	}
	if len(out) == 0 && named {
		return nil, fmt.Errorf("failed to configure ciphers: %s", v)
	}
	return out, nil
}

// openTLSListeners opens the tls-port listeners on the bind addresses,
// wrapping each TCP listener so accepted connections speak TLS with the
// configuration current at their handshake.
func (s *Server) openTLSListeners(binds []string, port int) ([]net.Listener, error) {
	if port == 0 {
		return nil, nil
	}
	tcp, err := s.openTCP(binds, port)
	if err != nil {
		return nil, err
	}
	base := &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		if c := s.tls.server.Load(); c != nil {
			return c, nil
		}
		return nil, errors.New("tls: not configured")
	}}
	lns := make([]net.Listener, len(tcp))
	for i, ln := range tcp {
		lns[i] = tls.NewListener(ln, base)
	}
	return lns, nil
}

// rebindTLS replaces the tls-port listeners (CONFIG SET tls-port, bind).
func (s *Server) rebindTLS(binds []string, port int) error {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	if s.closing {
		return nil
	}
	old := s.tls.listeners
	closeAll(old) // the same port may be asked again
	lns, err := s.openTLSListeners(binds, port)
	if err != nil {
		s.tls.listeners = nil
		return err
	}
	s.tls.listeners = lns
	for _, ln := range lns {
		s.startAccepting(ln)
	}
	return nil
}

// TLSAddr returns the first TLS listener's address, "" without one.
func (s *Server) TLSAddr() string {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	if len(s.tls.listeners) == 0 {
		return ""
	}
	return s.tls.listeners[0].Addr().String()
}

// registerTLSHooks makes every tls-* directive reload the configuration,
// and tls-port rebind.
func (s *Server) registerTLSHooks() {
	reload := func(string) error {
		if err := s.configureTLS(); err != nil {
			return errTLSConfig
		}
		return nil
	}
	for _, name := range []string{"tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
		"tls-client-key-file", "tls-client-key-file-pass", "tls-ca-cert-file", "tls-ca-cert-dir", "tls-protocols",
		"tls-ciphers", "tls-ciphersuites", "tls-auth-clients", "tls-session-caching", "tls-replication",
		"tls-prefer-server-ciphers", "tls-dh-params-file"} {
		s.cfg.OnApply(name, reload)
	}
	s.cfg.OnApply("tls-port", func(v string) error {
		if err := s.configureTLS(); err != nil {
			return errTLSConfig
		}
		port, _ := strconv.Atoi(v)
		if err := s.rebindTLS(strings.Fields(s.cfg.String("bind")), port); err != nil {
			return errors.New("Unable to listen on this port: " + strerror(err))
		}
		return nil
	})
}

// tlsClient wraps an outgoing connection in TLS when tls-replication is on.
func (s *Server) tlsClient(conn net.Conn) net.Conn {
	if !s.cfg.Bool("tls-replication") {
		return conn
	}
	cfg := s.tls.client.Load()
	if cfg == nil {
		return conn
	}
	return tls.Client(conn, cfg)
}
