// Package jwkstest runs an OpenID Connect issuer for tests: a loopback
// HTTPS server with its own certificate authority that serves a discovery
// document and a JWK Set, and signs tokens with the keys it publishes.
//
// The server's certificate is issued by a CA made for it, which only
// [Server.Client] trusts, the way a deployment's client trusts a public
// CA: the code under test runs its real TLS, discovery and key set
// handling. Hosts lets the certificate name a real issuer's host (such as
// an Amazon Cognito endpoint), which the client then dials on loopback.
// Nothing leaves the machine.
package jwkstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures [NewServer].
type Options struct {
	// Host is the DNS name in the issuer URL and the certificate; the
	// server's client dials it on loopback. Zero means 127.0.0.1.
	Host string
	// Path is the issuer URL's path, such as "/eu-west-1_AbCdEf123".
	// Zero means none.
	Path string
}

// Server is an OpenID Connect issuer on loopback. Its methods are safe
// for concurrent use.
type Server struct {
	// Issuer is the issuer identifier: https://127.0.0.1:<port><path>,
	// or https://<Host><path> when Options.Host is set.
	Issuer string
	// Client trusts the server's CA and reaches Host on loopback.
	Client *http.Client

	srv *httptest.Server

	mu        sync.Mutex
	keys      []*Key
	jwks      []byte // overrides the published set when not nil
	discovery []byte // overrides the discovery document when not nil
	hook      func(w http.ResponseWriter, r *http.Request) bool

	discoveryHits, jwksHits atomic.Int64
}

// NewServer starts a Server. Close it when done.
func NewServer(opts Options) (*Server, error) {
	host := opts.Host
	if host == "" {
		host = "127.0.0.1"
	}
	caCert, leaf, err := newCertificates(host)
	if err != nil {
		return nil, err
	}
	s := &Server{}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Clients giving up mid-handshake is what some tests do.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}
	s.srv.StartTLS()
	addr := s.srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	s.Issuer = "https://" + net.JoinHostPort(host, port) + opts.Path
	if opts.Host != "" {
		s.Issuer = "https://" + host + opts.Path // port 443, which the client maps to the server
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	s.Client = &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr) // every host is this server
		},
	}}
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// URL returns the server's base URL with the given path, on the issuer's
// host.
func (s *Server) URL(path string) string {
	u := s.Issuer
	if i := strings.Index(u[len("https://"):], "/"); i >= 0 {
		u = u[:len("https://")+i]
	}
	return u + path
}

// Fetches returns how many discovery documents and key sets were served.
func (s *Server) Fetches() (discovery, jwks int64) {
	return s.discoveryHits.Load(), s.jwksHits.Load()
}

// SetHook installs fn to see every request first; when it returns true it
// has answered and the server does nothing more. Nil removes it. Use it
// to delay, fail or redirect.
func (s *Server) SetHook(fn func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	s.hook = fn
	s.mu.Unlock()
}

// SetJWKS makes the server publish body as its key set instead of its
// keys; nil goes back to the keys.
func (s *Server) SetJWKS(body []byte) {
	s.mu.Lock()
	s.jwks = body
	s.mu.Unlock()
}

// SetDiscovery makes the server answer body for its discovery document;
// nil goes back to the default one.
func (s *Server) SetDiscovery(body []byte) {
	s.mu.Lock()
	s.discovery = body
	s.mu.Unlock()
}

// JWKSPath is where the key set is served.
const JWKSPath = "/.well-known/jwks.json"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	hook, jwks, disc := s.hook, s.jwks, s.discovery
	s.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		s.discoveryHits.Add(1)
	case strings.HasSuffix(r.URL.Path, JWKSPath):
		s.jwksHits.Add(1)
	}
	if hook != nil && hook(w, r) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		if disc == nil {
			disc, _ = json.Marshal(map[string]string{"issuer": s.Issuer, "jwks_uri": s.Issuer + JWKSPath})
		}
		_, _ = w.Write(disc)
	case strings.HasSuffix(r.URL.Path, JWKSPath):
		if jwks == nil {
			jwks = s.publishedSet()
		}
		_, _ = w.Write(jwks)
	default:
		http.NotFound(w, r)
	}
}

// newCertificates makes a CA and a leaf certificate for host signed by it.
func newCertificates(host string) (*x509.Certificate, tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jwkstest CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if ip := net.ParseIP(host); ip != nil {
		leafTmpl.IPAddresses = []net.IP{ip}
	} else {
		leafTmpl.DNSNames = []string{host}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, errors.New("jwkstest: cannot issue the server certificate")
	}
	return caCert, tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}, nil
}
