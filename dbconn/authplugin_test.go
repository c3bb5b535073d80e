package dbconn

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// A rogue server, holding a certificate valid for the host dialled, names
// each authentication plugin in its greeting or in an auth switch, and the
// real driver answers. The table is what reaches the server for a password
// login, as the package documentation states it.
func TestWhatReachesTheServer(t *testing.T) {
	const pw = "correct horse battery staple"
	greetNonce := []byte("abcdefghijklmnopqrst")
	switchNonce := []byte("ABCDEFGHIJKLMNOPQRST")
	clear := append([]byte(pw), 0)
	tests := []struct {
		name     string
		greeting string // plugin named in the greeting
		switchTo string // plugin named in an auth switch; "" for none
		fullAuth bool   // caching_sha2_password: demand full authentication
		want     []byte // auth data the last packet the server receives holds; nil: login refused
		clear    bool   // whether the password itself reaches the server
	}{
		{"native greeting", "mysql_native_password", "", false, nativeScramble(greetNonce, pw), false},
		{"native switch", "caching_sha2_password", "mysql_native_password", false, nativeScramble(switchNonce, pw), false},
		{"caching_sha2 fast greeting", "caching_sha2_password", "", false, sha2Scramble(greetNonce, pw), false},
		{"caching_sha2 fast switch", "mysql_native_password", "caching_sha2_password", false, sha2Scramble(switchNonce, pw), false},
		{"caching_sha2 full greeting", "caching_sha2_password", "", true, clear, true},
		{"caching_sha2 full switch", "mysql_native_password", "caching_sha2_password", true, clear, true},
		{"sha256_password greeting", "sha256_password", "", false, clear, true},
		{"sha256_password switch", "mysql_native_password", "sha256_password", false, clear, true},
		// The driver falls back to mysql_native_password for a plugin it
		// will not use in the greeting, and fails on one in a switch.
		{"clear_password greeting", "mysql_clear_password", "", false, nativeScramble(greetNonce, pw), false},
		{"clear_password switch", "mysql_native_password", "mysql_clear_password", false, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srvTLS, caPEM := testCert(t, "127.0.0.1")
			var mu sync.Mutex
			var got [][]byte // auth data the client sent, inside TLS
			port := serveLoopback(t, "127.0.0.1", func(c net.Conn) {
				rogueServe(c, srvTLS, tc.greeting, tc.switchTo, tc.fullAuth, greetNonce, switchNonce, func(p []byte) {
					mu.Lock()
					got = append(got, bytes.Clone(p))
					mu.Unlock()
				})
			})
			cfg := fakeConfig(port)
			cfg.RootCAs = caPEM
			cfg.Credentials = StaticCredentials(NewCredentials("app", pw))
			c, err := NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			conn, err := c.Connect(context.Background())
			if conn != nil {
				conn.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.want == nil {
				if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "clear text") {
					t.Fatalf("got %v, want the clear-text request refused", err)
				}
				for _, p := range got[1:] {
					if bytes.Contains(p, []byte(pw)) {
						t.Fatal("password sent after a clear-text auth switch")
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("login failed: %v", err)
			}
			if len(got) == 0 || !bytes.Contains(got[len(got)-1], tc.want) {
				t.Fatalf("server received %q, want its last packet to hold %q", got, tc.want)
			}
			sawClear := false
			for _, p := range got {
				sawClear = sawClear || bytes.Contains(p, []byte(pw))
			}
			if sawClear != tc.clear {
				t.Fatalf("password itself reached the server: %v, want %v", sawClear, tc.clear)
			}
		})
	}
}

// rogueServe runs one connection of a server that offers TLS, names
// greeting in its handshake, optionally switches to switchTo, and accepts
// whatever the client answers. record receives each authentication packet
// the client sent inside TLS (the handshake response first).
func rogueServe(raw net.Conn, cfg *tls.Config, greeting, switchTo string, fullAuth bool, nonce, switchNonce []byte, record func([]byte)) {
	_ = raw.SetDeadline(time.Now().Add(10 * time.Second))
	if writePacket(raw, 0, greetingPacket(greeting, nonce)) != nil {
		return
	}
	if _, _, err := readPacket(raw); err != nil { // SSLRequest
		return
	}
	c := tls.Server(raw, cfg)
	if c.Handshake() != nil {
		return
	}
	seq, p, err := readPacket(c)
	if err != nil {
		return
	}
	record(p)
	plugin := greeting
	if switchTo != "" {
		sw := append(append([]byte{0xfe}, switchTo+"\x00"...), switchNonce...)
		if writePacket(c, seq+1, append(sw, 0)) != nil {
			return
		}
		if seq, p, err = readPacket(c); err != nil {
			return
		}
		record(p)
		plugin = switchTo
	}
	if plugin == "caching_sha2_password" {
		if !fullAuth {
			if writePacket(c, seq+1, []byte{1, 3}) != nil { // fast auth success
				return
			}
			seq++
		} else {
			if writePacket(c, seq+1, []byte{1, 4}) != nil { // perform full authentication
				return
			}
			if seq, p, err = readPacket(c); err != nil {
				return
			}
			record(p)
		}
	}
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

// greetingPacket is a MySQL 8 initial handshake offering TLS, naming
// plugin, with a 20-byte nonce.
func greetingPacket(plugin string, nonce []byte) []byte {
	caps := uint32(1 | 1<<9 | 1<<11 | 1<<13 | 1<<15 | 1<<19)
	hs := []byte{10}
	hs = append(hs, "8.0.0-rogue\x00"...)
	hs = append(hs, 1, 0, 0, 0)
	hs = append(hs, nonce[:8]...)
	hs = append(hs, 0, byte(caps), byte(caps>>8))
	hs = append(hs, 0x21, 2, 0, byte(caps>>16), byte(caps>>24), 21)
	hs = append(hs, make([]byte, 10)...)
	hs = append(hs, nonce[8:]...)
	hs = append(hs, 0)
	return append(hs, plugin+"\x00"...)
}

// nativeScramble is mysql_native_password's answer:
// SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))).
func nativeScramble(nonce []byte, pw string) []byte {
	h1 := sha1.Sum([]byte(pw))
	h2 := sha1.Sum(h1[:])
	h3 := sha1.Sum(append(bytes.Clone(nonce), h2[:]...))
	for i := range h1 {
		h1[i] ^= h3[i]
	}
	return h1[:]
}

// sha2Scramble is caching_sha2_password's fast answer:
// SHA256(password) XOR SHA256(SHA256(SHA256(password)) + nonce).
func sha2Scramble(nonce []byte, pw string) []byte {
	h1 := sha256.Sum256([]byte(pw))
	h2 := sha256.Sum256(h1[:])
	h3 := sha256.Sum256(append(h2[:], nonce...))
	for i := range h1 {
		h1[i] ^= h3[i]
	}
	return h1[:]
}
