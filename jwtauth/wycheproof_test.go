package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// The Wycheproof JSON Web Signature vectors (testdata/wycheproof, Apache
// 2.0, C2SP/wycheproof testvectors_v1) run against the signature layer:
// their payloads are not claim sets, so claims are not checked.

type wpFile struct {
	NumberOfTests int `json:"numberOfTests"`
	TestGroups    []struct {
		Comment string          `json:"comment"`
		Public  json.RawMessage `json:"public"`
		Private json.RawMessage `json:"private"`
		Tests   []struct {
			TcID    int    `json:"tcId"`
			Comment string `json:"comment"`
			JWS     string `json:"jws"`
			Result  string `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

type wpJWK struct {
	Kty, Alg, Kid, Use, Crv string
	KeyOps                  []string `json:"key_ops"`
	K, X, Y, N, E           string
}

func wpInt(s string) *big.Int {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return new(big.Int).SetBytes(b)
}

// wpKey turns a JWK into an internal key. jwtauth takes no JWKs, so the
// JWK-layer rules (use, key_ops) are applied here, as any JWK loader in
// front of jwtauth must; a key that fails them verifies nothing.
func wpKey(t *testing.T, raw json.RawMessage) (*key, string) {
	var j wpJWK
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	if j.Use != "" && j.Use != "sig" || j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify") {
		return nil, "JWK not for signatures (use/key_ops)"
	}
	id := j.Kid
	if id == "" {
		id = "wycheproof"
	}
	switch j.Kty {
	case "oct":
		// Built directly: some vectors use an all-zero secret that New
		// rightly refuses as weak.
		k, _ := base64.RawURLEncoding.DecodeString(j.K)
		if Algorithm(j.Alg) != HS256 {
			return nil, "unsupported alg " + j.Alg
		}
		return &key{id: id, alg: HS256, method: jwt.SigningMethodHS256, verify: k}, ""
	case "EC":
		if j.Crv != "P-256" {
			return nil, "unsupported curve " + j.Crv
		}
		x, y := make([]byte, 32), make([]byte, 32)
		wpInt(j.X).FillBytes(x)
		wpInt(j.Y).FillBytes(y)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, "bad EC key: " + err.Error()
		}
		k, err := newKey(Key{ID: id, Algorithm: Algorithm(j.Alg), PublicKey: pub})
		if err != nil {
			return nil, err.Error()
		}
		return k, ""
	case "RSA":
		pub := &rsa.PublicKey{N: wpInt(j.N), E: int(wpInt(j.E).Int64())}
		k, err := newKey(Key{ID: id, Algorithm: Algorithm(j.Alg), PublicKey: pub})
		if err != nil {
			return nil, err.Error()
		}
		return k, ""
	}
	return nil, "unsupported kty " + j.Kty
}

// wpExceptions are vectors whose outcome here differs from Wycheproof's
// label, each with the reason.
var wpExceptions = map[string]string{
	// Wycheproof marks these valid because a lenient decoder may skip the
	// inserted character; jwtauth accepts only the canonical encoding.
	"InvalidCharacterInsertedInMac":       "strict base64url: stricter than required",
	"InvalidCharacterInsertedInSignature": "strict base64url: stricter than required",
	"InvalidCharacterInsertedInHeader":    "strict base64url: stricter than required",
	"InvalidCharacterInsertedInPayload":   "strict base64url: stricter than required",
	// A PS384 token against a JWK whose alg is PS256: one key, one
	// algorithm (RFC 8725bis §3.1) refuses it.
	"Figure20": "key bound to another algorithm: stricter than required",
}

// wpDuplicates are invalid-labelled vectors whose stored token is
// byte-identical to a valid vector of the same group (a data quirk); the
// test checks that they really are, then expects them to verify.
var wpDuplicates = map[string]bool{"invalidBase64Padding": true, "invalidBase64PaddingInPayload": true}

func TestWycheproof(t *testing.T) {
	data, err := os.ReadFile("testdata/wycheproof/json_web_signature_test.json")
	if err != nil {
		t.Fatal(err)
	}
	var f wpFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var total, agree, unsupported int
	for _, g := range f.TestGroups {
		raw := g.Public
		if raw == nil {
			raw = g.Private
		}
		k, why := wpKey(t, raw)
		valid := map[string]bool{}
		for _, tc := range g.Tests {
			if tc.Result == "valid" {
				valid[tc.JWS] = true
			}
		}
		for _, tc := range g.Tests {
			total++
			var verr error
			if k == nil {
				verr = ErrKeyNotFound
			} else {
				a := &Authenticator{keys: staticKeys{&KeySet{keys: []*key{k}, byID: map[string]*key{k.id: k}}}, maxSize: DefaultMaxTokenSize, b64: base64.RawURLEncoding.Strict()}
				_, _, verr = a.verifyJWS(context.Background(), tc.JWS)
			}
			accepted := verr == nil
			want := tc.Result == "valid" || tc.Result == "acceptable" && accepted
			if accepted == want {
				agree++
				continue
			}
			if k == nil && tc.Result == "valid" {
				unsupported++
				t.Logf("tcId %d (%s): valid vector not verified: %s", tc.TcID, tc.Comment, why)
				continue
			}
			if wpDuplicates[tc.Comment] && valid[tc.JWS] {
				t.Logf("tcId %d (%s): identical to a valid vector", tc.TcID, tc.Comment)
				continue
			}
			if k != nil && k.alg == ES256 && tc.Result == "valid" && highS(tc.JWS) {
				t.Logf("tcId %d (%s): high-S ECDSA signature: refused so that each token has one spelling", tc.TcID, tc.Comment)
				continue
			}
			if reason, ok := wpExceptions[tc.Comment]; ok {
				t.Logf("tcId %d (%s): %s", tc.TcID, tc.Comment, reason)
				continue
			}
			t.Errorf("tcId %d (%s, %s): result %s, got %v", tc.TcID, g.Comment, tc.Comment, tc.Result, verr)
		}
	}
	if total != f.NumberOfTests {
		t.Errorf("ran %d vectors, file has %d", total, f.NumberOfTests)
	}
	t.Logf("%d/%d agree; %d valid vectors use an unsupported algorithm or key", agree, total, unsupported)
}

// highS reports whether the ES256 signature of jws has s above n/2.
func highS(jws string) bool {
	i := strings.LastIndexByte(jws, '.')
	sig, err := base64.RawURLEncoding.DecodeString(jws[i+1:])
	if err != nil || len(sig) != 64 {
		return false
	}
	s := new(big.Int).SetBytes(sig[32:])
	return s.Cmp(new(big.Int).Rsh(elliptic.P256().Params().N, 1)) > 0
}

// p256HalfOrder is written out; it must be (n-1)/2 of the curve itself.
func TestP256HalfOrder(t *testing.T) {
	var want [32]byte
	new(big.Int).Rsh(elliptic.P256().Params().N, 1).FillBytes(want[:])
	if p256HalfOrder != want {
		t.Errorf("p256HalfOrder %x, want %x", p256HalfOrder, want)
	}
}
