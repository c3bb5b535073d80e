package dbconn

import (
	"bytes"
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
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServer speaks just enough of the MySQL protocol on loopback to see
// what a client sends: a handshake (with or without TLS), an auth switch
// to mysql_clear_password, and OK to every command. It records the
// password each client sent and every byte received before TLS.
type fakeServer struct {
	t     *testing.T
	ln    net.Listener
	tls   *tls.Config // nil: the server offers no TLS
	CAPEM []byte

	mu        sync.Mutex
	passwords []string
	plain     bytes.Buffer // bytes received outside TLS

	refuse atomic.Bool // answer every login with error 1045
}

// newFakeServer starts a server; withTLS makes it offer TLS with a
// certificate for 127.0.0.1 from a fresh CA (CAPEM), and edit, if any,
// adjusts that TLS configuration before the server starts.
func newFakeServer(t *testing.T, withTLS bool, edit ...func(*tls.Config)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{t: t, ln: ln}
	if withTLS {
		s.tls, s.CAPEM = testCert(t, "127.0.0.1")
		for _, f := range edit {
			f(s.tls)
		}
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); s.serve(c) }()
		}
	}()
	return s
}

func (s *fakeServer) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *fakeServer) Passwords() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.passwords...)
}

func (s *fakeServer) Plain() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.plain.Bytes())
}

type recorder struct {
	net.Conn
	s *fakeServer
}

func (r recorder) Read(b []byte) (int, error) {
	n, err := r.Conn.Read(b)
	r.s.mu.Lock()
	r.s.plain.Write(b[:n])
	r.s.mu.Unlock()
	return n, err
}

func (s *fakeServer) serve(raw net.Conn) {
	defer raw.Close()
	_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
	var c io.ReadWriter = recorder{raw, s}
	hs := handshake(s.tls != nil)
	if writePacket(c, 0, hs) != nil {
		return
	}
	seq, p, err := readPacket(c)
	if err != nil {
		return
	}
	if s.tls != nil && len(p) == 32 { // SSLRequest
		tc := tls.Server(raw, s.tls)
		if tc.Handshake() != nil {
			return
		}
		c = tc
		if seq, _, err = readPacket(c); err != nil { // handshake response
			return
		}
	}
	if s.refuse.Load() {
		writePacket(c, seq+1, append([]byte{0xff, 1045 & 0xff, 1045 >> 8}, "#28000Access denied for user 'app'"...))
		return
	}
	// Ask for the password in clear text, as RDS does for IAM users.
	if writePacket(c, seq+1, append([]byte{0xfe}, "mysql_clear_password\x00"...)) != nil {
		return
	}
	seq, p, err = readPacket(c)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.passwords = append(s.passwords, string(bytes.TrimSuffix(p, []byte{0})))
	s.mu.Unlock()
	ok := []byte{0, 0, 0, 2, 0, 0, 0}
	if writePacket(c, seq+1, ok) != nil {
		return
	}
	for {
		seq, p, err = readPacket(c)
		if err != nil || len(p) == 0 || p[0] == 1 { // COM_QUIT
			return
		}
		if writePacket(c, seq+1, ok) != nil {
			return
		}
	}
}

// handshake is a MySQL 8 style initial handshake packet, offering TLS when
// withTLS is set.
func handshake(withTLS bool) []byte {
	caps := uint32(1 | 1<<9 | 1<<13 | 1<<15 | 1<<19) // long password, protocol 41, transactions, secure conn, plugin auth
	if withTLS {
		caps |= 1 << 11
	}
	hs := []byte{10}
	hs = append(hs, "8.0.0-fake\x00"...)
	hs = append(hs, 1, 0, 0, 0)                   // connection id
	hs = append(hs, "abcdefgh"...)                // auth data part 1
	hs = append(hs, 0, byte(caps), byte(caps>>8)) // filler, caps low
	hs = append(hs, 0x21, 2, 0, byte(caps>>16), byte(caps>>24), 21)
	hs = append(hs, make([]byte, 10)...)
	hs = append(hs, "ijklmnopqrst\x00"...)
	hs = append(hs, "mysql_native_password\x00"...)
	return hs
}

func readPacket(r io.Reader) (byte, []byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	p := make([]byte, n)
	_, err := io.ReadFull(r, p)
	return h[3], p, err
}

func writePacket(w io.Writer, seq byte, p []byte) error {
	h := []byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}
	_, err := w.Write(append(h, p...))
	return err
}

// testCert returns a server TLS config for host, signed by a fresh CA, and
// the CA's PEM.
func testCert(t *testing.T, host string) (*tls.Config, []byte) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dbconn test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP(host)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// serveLoopback listens on host (a loopback address), runs handle for each
// connection, which it then closes, and returns the port. Everything stops
// when t ends.
func serveLoopback(t *testing.T, host string, handle func(net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				handle(c)
			})
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}
