package jwtauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestIssueVerifyAllAlgorithms(t *testing.T) {
	for _, k := range []Key{hsKey(), esKey(), rsKey(), psKey(), edKey()} {
		t.Run(string(k.Algorithm), func(t *testing.T) {
			clk := newClock()
			a := mustAuth(t, testConfig(clk, k))
			tok, issued, err := a.Issue(Grant{Subject: "alice", Scopes: []string{"ledger:read", "ledger:write"}})
			if err != nil {
				t.Fatal(err)
			}
			h, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
			if want := `{"alg":"` + string(k.Algorithm) + `","kid":"` + k.ID + `","typ":"JWT"}`; string(h) != want {
				t.Errorf("header: got %s, want %s", h, want)
			}
			c, err := a.Verify(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			if c.Issuer != "trialbalance" || c.Subject != "alice" || len(c.Audience) != 1 || c.Audience[0] != "trialbalance-api" {
				t.Errorf("registered claims: got %+v", c)
			}
			if !c.IssuedAt.Equal(t0) || !c.NotBefore.Equal(t0) || !c.ExpiresAt.Equal(t0.Add(15*time.Minute)) {
				t.Errorf("times: got iat %v nbf %v exp %v", c.IssuedAt, c.NotBefore, c.ExpiresAt)
			}
			if raw, err := base64.RawURLEncoding.DecodeString(c.ID); err != nil || len(raw) != 16 {
				t.Errorf("jti %q is not 128 random bits", c.ID)
			}
			if c.ID != issued.ID || !c.HasScope("ledger:write") || c.HasScope("admin") {
				t.Errorf("got %+v, issued %+v", c, issued)
			}
			clk.Advance(15*time.Minute + DefaultLeeway)
			if _, err := a.Verify(context.Background(), tok); !errors.Is(err, ErrTokenExpired) {
				t.Errorf("after TTL+leeway: got %v, want ErrTokenExpired", err)
			}
		})
	}
}

type profile struct {
	TenantID string   `json:"tenant_id"`
	Roles    []string `json:"roles"`
}

func TestIssueCustomClaims(t *testing.T) {
	a := mustAuth(t, testConfig(newClock()))
	tok, _, err := a.Issue(Grant{Subject: "alice", Custom: profile{TenantID: "t-42", Roles: []string{"auditor"}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	var p profile
	if err := c.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if p.TenantID != "t-42" || len(p.Roles) != 1 {
		t.Errorf("custom claims: got %+v", p)
	}
	if err := (Claims{}).Decode(&p); !errors.Is(err, ErrInvalidClaims) {
		t.Errorf("Decode of empty claims: got %v", err)
	}
}

func TestIssueErrors(t *testing.T) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Audience = ""
	a := mustAuth(t, cfg)
	tests := []struct {
		name string
		g    Grant
	}{
		{"empty subject", Grant{}},
		{"custom redefines exp", Grant{Subject: "a", Custom: map[string]int64{"exp": 1}}},
		{"custom redefines sub", Grant{Subject: "a", Custom: struct {
			Sub string `json:"sub"`
		}{"admin"}}},
		// Omitted when empty (no Scopes, no Config.Audience), these must
		// not be filled in by custom members either.
		{"custom sets scope", Grant{Subject: "a", Custom: map[string]string{"scope": "admin"}}},
		{"custom sets aud", Grant{Subject: "a", Custom: map[string]string{"aud": "other-api"}}},
		{"custom duplicate member", Grant{Subject: "a", Custom: json.RawMessage(`{"x":1,"x":2}`)}},
		{"custom not an object", Grant{Subject: "a", Custom: []int{1}}},
		{"custom not marshalable", Grant{Subject: "a", Custom: func() {}}},
		{"scope with space", Grant{Subject: "a", Scopes: []string{"a b"}}},
		{"TTL above MaxLifetime", Grant{Subject: "a", TTL: 48 * time.Hour}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := a.Issue(tc.g); !errors.Is(err, ErrInvalidClaims) {
				t.Fatalf("got %v, want ErrInvalidClaims", err)
			}
		})
	}
	verifyOnly := mustAuth(t, testConfig(clk, Key{ID: "es", Algorithm: ES256, PublicKey: &fixtures().ec.PublicKey}))
	if _, _, err := verifyOnly.Issue(Grant{Subject: "a"}); !errors.Is(err, ErrNoSigningKey) {
		t.Errorf("verify-only: got %v, want ErrNoSigningKey", err)
	}
	es := mustAuth(t, testConfig(clk, esKey()))
	tok, _, _ := es.Issue(Grant{Subject: "alice"})
	if _, err := verifyOnly.Verify(context.Background(), tok); err != nil {
		t.Errorf("verify-only Authenticator refused a good token: %v", err)
	}
}

func TestIssueTypeAndTTL(t *testing.T) {
	clk := newClock()
	cfg := testConfig(clk)
	cfg.Type = "application/at+jwt" // written as "at+jwt"
	cfg.TTL = time.Hour
	a := mustAuth(t, cfg)
	tok, c, err := a.Issue(Grant{Subject: "svc", TTL: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0]); !strings.Contains(string(h), `"typ":"at+jwt"`) {
		t.Errorf("header: %s", h)
	}
	if !c.ExpiresAt.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("exp: got %v", c.ExpiresAt)
	}
	if _, err := a.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	// An ordinary JWT from the same key is not an at+jwt.
	plain := mustAuth(t, testConfig(clk))
	tok2, _, _ := plain.Issue(Grant{Subject: "svc"})
	if _, err := a.Verify(context.Background(), tok2); !errors.Is(err, ErrTokenType) {
		t.Errorf("got %v, want ErrTokenType", err)
	}
}

func TestIssueUniqueIDs(t *testing.T) {
	a := mustAuth(t, testConfig(newClock()))
	seen := map[string]bool{}
	for range 1000 {
		_, c, err := a.Issue(Grant{Subject: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		if seen[c.ID] {
			t.Fatalf("jti %q issued twice", c.ID)
		}
		seen[c.ID] = true
	}
}

// Rotation: new tokens use the first key, old tokens verify until the old
// key is removed.
func TestKeyRotation(t *testing.T) {
	clk := newClock()
	old := Key{ID: "2026-01", Algorithm: HS256, Secret: NewHMACSecret([]byte("Zk3pQ9wX2mV7rT4yL8nB1cJ6hF5dG0sA"))}
	next := Key{ID: "2026-02", Algorithm: ES256, PrivateKey: fixtures().ec}
	before := mustAuth(t, testConfig(clk, old))
	oldTok, _, _ := before.Issue(Grant{Subject: "alice"})

	during := mustAuth(t, testConfig(clk, next, old))
	newTok, _, _ := during.Issue(Grant{Subject: "alice"})
	if !strings.HasPrefix(newTok, b64(`{"alg":"ES256","kid":"2026-02"`)[:20]) {
		t.Errorf("new token not signed with the first key")
	}
	for _, tok := range []string{oldTok, newTok} {
		if _, err := during.Verify(context.Background(), tok); err != nil {
			t.Errorf("during rotation: %v", err)
		}
	}
	after := mustAuth(t, testConfig(clk, next))
	if _, err := after.Verify(context.Background(), oldTok); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("old key removed: got %v, want ErrKeyNotFound", err)
	}
}

// encoding/json matches member names to struct fields case-insensitively,
// so a custom "Sub" would reach a field tagged "sub" in Claims.Decode in
// place of the verified sub. Issue refuses case variants (Unicode case
// folding included) of every registered claim.
func TestIssueRefusesRegisteredClaimVariants(t *testing.T) {
	a := mustAuth(t, testConfig(newClock()))
	for _, name := range []string{"Sub", "ISS", "Aud", "eXp", "NBF", "Iat", "JTI", "Scope", "\u017fub", "\u017fcope"} {
		_, _, err := a.Issue(Grant{Subject: "alice", Custom: map[string]string{name: "admin"}})
		if !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("custom %q: got %v, want ErrInvalidClaims", name, err)
		}
	}
	// Two custom names that Decode could not tell apart.
	if _, _, err := a.Issue(Grant{Subject: "alice", Custom: json.RawMessage(`{"role":"user","Role":"admin"}`)}); !errors.Is(err, ErrInvalidClaims) {
		t.Errorf(`"role" and "Role": got %v, want ErrInvalidClaims`, err)
	}
	if _, _, err := a.Issue(Grant{Subject: "alice", Custom: map[string]string{"subject": "x", "Tenant": "t"}}); err != nil {
		t.Errorf("ordinary custom claims refused: %v", err)
	}
}

// Claims.Decode agrees with the verifier whatever the token holds, here
// tokens signed by another issuer sharing the key.
func TestDecodeAgreesWithVerifier(t *testing.T) {
	a := mustAuth(t, testConfig(newClock()))
	type view struct {
		Sub  string `json:"sub"`
		Role string `json:"role"`
		Org  struct {
			ID string `json:"id"`
		} `json:"org"`
	}
	for _, tc := range []struct {
		name, mod string
		verifyErr error // the verifier refuses
		decodeErr bool  // Decode refuses
	}{
		// encoding/json keeps the last of "sub" and "Sub": whichever
		// order, the verifier and Decode would disagree.
		{"Sub after sub", `+"Sub":"admin"`, ErrTokenMalformed, false},
		{"folded sub", `+"\u017fub":"admin"`, ErrTokenMalformed, false},
		{"role twice by case", `+"role":"user","ROLE":"admin"`, nil, true},
		{"nested by case", `+"org":{"id":"a","Id":"b"}`, nil, true},
		{"nested in array", `+"x":[{"k":1,"K":2}]`, nil, true},
		{"plain", `+"role":"user","org":{"id":"a"}`, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := a.Verify(context.Background(), forge(t, hsKey(), hdr("HS256", "hs"), payload(tc.mod)))
			if tc.verifyErr != nil {
				if !errors.Is(err, tc.verifyErr) {
					t.Fatalf("Verify: got %v, want %v", err, tc.verifyErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var v view
			err = c.Decode(&v)
			if tc.decodeErr != (err != nil) || err != nil && !errors.Is(err, ErrInvalidClaims) {
				t.Fatalf("Decode: got %v, want refused=%v", err, tc.decodeErr)
			}
			if err == nil && v.Sub != c.Subject {
				t.Fatalf("Decode sub %q, verified sub %q", v.Sub, c.Subject)
			}
		})
	}
}

// Every ES256 token Issue signs has the low-S signature, the only one
// Verify accepts.
func TestIssueES256LowS(t *testing.T) {
	a := mustAuth(t, testConfig(newClock(), esKey()))
	for range 64 { // s is high half the time before normalisation
		tok, _, err := a.Issue(Grant{Subject: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Verify(context.Background(), tok); err != nil {
			t.Fatalf("own token refused: %v", err)
		}
		// The other spelling is a valid ECDSA signature, and refused.
		m := malleateES256(t, tok)
		i := strings.LastIndexByte(m, '.')
		sig, _ := base64.RawURLEncoding.DecodeString(m[i+1:])
		if err := jwt.SigningMethodES256.Verify(m[:i], sig, &fixtures().ec.PublicKey); err != nil {
			t.Fatalf("malleated signature is not valid ECDSA: %v", err)
		}
		if _, err := a.Verify(context.Background(), m); !errors.Is(err, ErrSignatureInvalid) {
			t.Fatalf("malleated token: got %v, want ErrSignatureInvalid", err)
		}
	}
}
