package jwtauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/clocktest"
)

// t0 is the fake "now" of the tests.
var t0 = time.Unix(1_800_000_000, 0)

// testSecret is a fixed random HS256 secret for tests only; generate your
// own for any real use.
var testSecret = []byte("q8Jz4nW1rT0vXy7LpM3sB6dF9gH2kC5e")

// clock is a fake clock that moves only when told to.
type clock = clocktest.Clock

func newClock() *clock { return clocktest.At(t0) }

type fixtureKeys struct {
	ec  *ecdsa.PrivateKey
	rsa *rsa.PrivateKey
	ed  ed25519.PrivateKey
	// attacker's keys
	ec2 *ecdsa.PrivateKey
}

var fixtures = sync.OnceValue(func() fixtureKeys {
	var f fixtureKeys
	var err error
	if f.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if f.ec2, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	if f.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if _, f.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	return f
})

func hsKey() Key { return Key{ID: "hs", Algorithm: HS256, Secret: NewHMACSecret(testSecret)} }
func esKey() Key { return Key{ID: "es", Algorithm: ES256, PrivateKey: fixtures().ec} }
func rsKey() Key { return Key{ID: "rs", Algorithm: RS256, PrivateKey: fixtures().rsa} }
func psKey() Key { return Key{ID: "ps", Algorithm: PS256, PrivateKey: fixtures().rsa} }
func edKey() Key { return Key{ID: "ed", Algorithm: EdDSA, PrivateKey: fixtures().ed} }

// testConfig is the Config the tests start from.
func testConfig(clk *clock, keys ...Key) Config {
	if len(keys) == 0 {
		keys = []Key{hsKey()}
	}
	return Config{
		Keys:     keys,
		Issuer:   "trialbalance",
		Audience: "trialbalance-api",
		Now:      clk.Now,
		// Long, so a loaded machine cannot trip it.
		RevocationTimeout: 2 * time.Second,
	}
}

func mustAuth(t testing.TB, cfg Config) *Authenticator {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// forge signs header and payload (raw JSON text) with k, whatever they say.
func forge(t testing.TB, k Key, header, payload string) string {
	t.Helper()
	vk, err := newKey(k)
	if err != nil {
		t.Fatalf("newKey: %v", err)
	}
	in := b64(header) + "." + b64(payload)
	sig, err := vk.method.Sign(in, vk.sign)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func hdr(alg, kid string) string {
	if kid == "" {
		return fmt.Sprintf(`{"alg":%q,"typ":"JWT"}`, alg)
	}
	return fmt.Sprintf(`{"alg":%q,"kid":%q,"typ":"JWT"}`, alg, kid)
}
