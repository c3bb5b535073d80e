package jwtauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// verifyErrors are the sentinels Verify documents.
var verifyErrors = []error{
	ErrTokenMalformed, ErrAlgorithm, ErrKeyNotFound, ErrSignatureInvalid,
	ErrCriticalHeader, ErrTokenType, ErrClaimMissing, ErrTokenExpired,
	ErrTokenNotValidYet, ErrTokenLifetime, ErrInvalidIssuer, ErrInvalidAudience,
	ErrTokenRevoked, ErrRevocationUnavailable, ErrKeySourceUnavailable,
}

func checkVerifyError(t *testing.T, token string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	documented := false
	for _, e := range verifyErrors {
		if errors.Is(err, e) {
			documented = true
		}
	}
	if !documented {
		t.Fatalf("undocumented error %v", err)
	}
	if len(token) >= 16 && strings.Contains(err.Error(), token) {
		t.Fatalf("error echoes the token: %v", err)
	}
}

func fuzzAuthenticator(t testing.TB) *Authenticator {
	clk := newClock()
	cfg := testConfig(clk, hsKey(), esKey(), edKey())
	cfg.Revoker = &MemoryRevoker{Now: clk.Now}
	return mustAuth(t, cfg)
}

// FuzzVerify feeds arbitrary strings to Verify: no panic, only documented
// errors, never the token in an error.
func FuzzVerify(f *testing.F) {
	a := fuzzAuthenticator(f)
	for _, k := range []Key{hsKey(), esKey(), edKey()} {
		f.Add(forge(f, k, hdr(string(k.Algorithm), k.ID), payload()))
	}
	good := forge(f, hsKey(), hdr("HS256", "hs"), payload())
	h, p, s := splitT(good)
	for _, seed := range []string{
		"", ".", "..", "a.b.c", good + ".", h + "." + p + ".", h + "." + p + "." + s + "=",
		b64(`{"alg":"none","typ":"JWT"}`) + "." + p + ".",
		b64(`{"alg":"HS256","crit":["x"]}`) + "." + p + "." + s,
		b64(`{"alg":"HS256","alg":"HS256"}`) + "." + p + "." + s,
		strings.Repeat(".", 100), strings.Repeat("A", 9000),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := a.Verify(context.Background(), token)
		checkVerifyError(t, token, err)
		if err == nil && (c.Subject == "" || c.ExpiresAt.IsZero()) {
			t.Fatalf("accepted a token without sub or exp: %+v", c)
		}
	})
}

// FuzzClaims signs arbitrary header and payload JSON with the HS256 key,
// so the fuzzer reaches the header and claims parsers past the signature.
func FuzzClaims(f *testing.F) {
	a := fuzzAuthenticator(f)
	f.Add(hdr("HS256", "hs"), payload())
	f.Add(hdr("HS256", "hs"), payload("exp=\"1\""))
	f.Add(hdr("HS256", "hs"), payload(`aud=["a",1]`))
	f.Add(hdr("HS256", "hs"), payload(`+"sub":"admin"`))
	f.Add(hdr("HS256", "hs"), payload(`+"Sub":"admin"`))
	f.Add(hdr("HS256", "hs"), payload(`+"x":{"a":1,"A":2}`))
	f.Add(hdr("HS256", "hs"), payload(`x={"a":[1,2,{"b":null}],"c":"\u00e9"}`))
	f.Add(`{"alg":"HS256","typ":"JWT","crit":[]}`, payload())
	f.Add(`{"alg":"HS256","typ":"JWT","kid":"hs","x":1e400}`, "{}")
	f.Fuzz(func(t *testing.T, header, pl string) {
		in := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(pl))
		sig, _ := jwt.SigningMethodHS256.Sign(in, testSecret)
		token := in + "." + base64.RawURLEncoding.EncodeToString(sig)
		c, err := a.Verify(context.Background(), token)
		checkVerifyError(t, token, err)
		if err == nil {
			// Whatever was accepted is valid JSON without duplicates,
			// as any other JSON parser would read it.
			if !json.Valid([]byte(header)) || !json.Valid([]byte(pl)) {
				t.Fatalf("accepted invalid JSON %q %q", header, pl)
			}
			var m map[string]any
			if json.Unmarshal([]byte(pl), &m) != nil || m["sub"] != c.Subject {
				t.Fatalf("sub differs from encoding/json's reading: %q", pl)
			}
			// Decode (encoding/json, case-insensitive) agrees with the
			// verifier, or refuses.
			var v struct {
				Sub string `json:"sub"`
				Iss string `json:"iss"`
			}
			if err := c.Decode(&v); err == nil && (v.Sub != c.Subject || v.Iss != c.Issuer) {
				t.Fatalf("Decode read sub %q iss %q, verifier %q %q: %q", v.Sub, v.Iss, c.Subject, c.Issuer, pl)
			}
		}
	})
}

// FuzzMembers checks the JSON reader against encoding/json: whatever it
// accepts, encoding/json accepts too.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":[1,"x",null,true]}}`, `{"\u0061":1,"a":2}`, `[1]`, `{"a":1}x`, `{"a":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		err := members(b, func(_, _ []byte) error { n++; return nil })
		if err == nil && !json.Valid(b) {
			t.Fatalf("accepted invalid JSON %q", b)
		}
		if err == nil {
			var m map[string]json.RawMessage
			if json.Unmarshal(b, &m) != nil || len(m) != n {
				t.Fatalf("member count %d, encoding/json sees %d in %q", n, len(m), b)
			}
		}
	})
}
