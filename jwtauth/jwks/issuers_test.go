package jwks_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/jwks"
	"github.com/lambdasec/lambdasec/jwtauth/jwks/jwkstest"
)

func TestIssuers(t *testing.T) {
	srvA, keysA := newIssuer(t, jwkstest.Options{Path: "/a"})
	srvB, _ := newIssuer(t, jwkstest.Options{Path: "/b"})
	a, b := newHarness(t, srvA, jwks.Config{}), newHarness(t, srvB, jwks.Config{})
	is, err := jwks.NewIssuers(map[string]jwks.Verifier{srvA.Issuer: a.auth, srvB.Issuer: b.auth})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := is.Verify(ctx, a.token(t, keysA["es"])); err != nil {
		t.Errorf("issuer A: got %v, want nil", err)
	}
	for _, tc := range []struct {
		name string
		iss  string
	}{
		// An attacker's iss must never pick a URL: no fetch may follow.
		{"unlisted issuer", "https://attacker.example"},
		{"listed issuer with a trailing slash", srvA.Issuer + "/"},
		{"no iss", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := claims(tc.iss, a.clock.Now())
			if tc.iss == "" {
				delete(c, "iss")
			}
			forged, err := jwkstest.NewKey("unknown-kid", "ES256", 0)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := forged.Sign(c)
			if err != nil {
				t.Fatal(err)
			}
			dA, jA := srvA.Fetches()
			dB, jB := srvB.Fetches()
			_, err = is.Verify(ctx, tok)
			if !errors.Is(err, jwks.ErrUnknownIssuer) || !errors.Is(err, jwtauth.ErrInvalidIssuer) {
				t.Errorf("got %v, want ErrUnknownIssuer and jwtauth.ErrInvalidIssuer", err)
			}
			dA2, jA2 := srvA.Fetches()
			dB2, jB2 := srvB.Fetches()
			if dA2 != dA || jA2 != jA || dB2 != dB || jB2 != jB {
				t.Errorf("a token of an unlisted issuer caused a fetch")
			}
		})
	}
	// A token claiming issuer B but signed with a key of A only: B's
	// keys decide.
	onlyA, err := srvA.AddKey("only-a", "ES256", 0)
	if err != nil {
		t.Fatal(err)
	}
	a.clock.Advance(jwks.DefaultMinLookupInterval)
	if _, err := is.Verify(ctx, a.token(t, onlyA)); err != nil {
		t.Errorf("A's new key at A: got %v, want nil", err)
	}
	tok, _ := onlyA.Sign(claims(srvB.Issuer, a.clock.Now()))
	if _, err := is.Verify(ctx, tok); !errors.Is(err, jwtauth.ErrKeyNotFound) {
		t.Errorf("token of B signed by A's key: got %v, want ErrKeyNotFound", err)
	}
}

func TestIssuersMalformed(t *testing.T) {
	is, err := jwks.NewIssuers(map[string]jwks.Verifier{"https://idp.example": nilVerifier{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"", "a.b", "a.!.c", "e30.eyJpc3MiOjF9.c", "e30.W10.c"} {
		if _, err := is.Verify(context.Background(), tok); !errors.Is(err, jwtauth.ErrTokenMalformed) {
			t.Errorf("%q: got %v, want ErrTokenMalformed", tok, err)
		}
	}
}

func TestNewIssuersRefuses(t *testing.T) {
	var nilAuth *jwtauth.Authenticator
	for name, m := range map[string]map[string]jwks.Verifier{
		"empty":        {},
		"empty issuer": {"": nilVerifier{}},
		"nil pointer":  {"https://idp.example": nilAuth},
	} {
		if _, err := jwks.NewIssuers(m); !errors.Is(err, jwks.ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", name, err)
		}
	}
}

type nilVerifier struct{}

func (nilVerifier) Verify(context.Context, string) (jwtauth.Claims, error) {
	return jwtauth.Claims{}, errors.New("not reached")
}
