package jwks_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/jwks"
	"github.com/lambdasec/lambdasec/jwtauth/jwks/jwkstest"
)

const (
	testRegion = "eu-west-1"
	testPool   = "eu-west-1_AbCdEf123"
	testClient = "3n4b5urk1ft4fl3mg5e62d9ado"
)

// newCognito serves a user pool's keys on loopback under the real
// Cognito host name, which the server's client maps to loopback.
func newCognito(t *testing.T, use string) (*jwks.Cognito, *jwkstest.Key, *clocktest.Clock) {
	t.Helper()
	srv, keys := newIssuer(t, jwkstest.Options{Host: "cognito-idp." + testRegion + ".amazonaws.com", Path: "/" + testPool})
	clock := clocktest.At(time.Now())
	c, err := jwks.NewCognito(jwks.CognitoConfig{
		Region: testRegion, UserPoolID: testPool, TokenUse: use, ClientIDs: []string{testClient},
		Keys: jwks.Config{Client: srv.Client, Logger: quiet, Now: clock.Now},
		Auth: jwtauth.Config{Logger: quiet, Now: clock.Now},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer() != srv.Issuer {
		t.Fatalf("issuer %q, server %q", c.Issuer(), srv.Issuer)
	}
	if err := c.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c, keys["rs"], clock
}

// cognitoClaims are the claims of a Cognito access token.
func cognitoClaims(now time.Time) map[string]any {
	return map[string]any{
		"sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "cognito:groups": []string{"accountants", "admins"},
		"iss": "https://cognito-idp." + testRegion + ".amazonaws.com/" + testPool, "client_id": testClient,
		"origin_jti": "o-1", "event_id": "e-1", "token_use": "access", "scope": "aws.cognito.signin.user.admin",
		"auth_time": now.Unix(), "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "jti": "j-1", "username": "alice",
	}
}

func TestCognitoAccessToken(t *testing.T) {
	c, key, clock := newCognito(t, "")
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want error
		typ  string // the typ header; empty means none, as Cognito writes
	}{
		{"valid", func(map[string]any) {}, nil, ""},
		{"valid with typ JWT", func(map[string]any) {}, nil, "JWT"},
		{"typ of another kind", func(map[string]any) {}, jwtauth.ErrTokenType, "refresh+jwt"},
		{"other app client", func(m map[string]any) { m["client_id"] = "someoneelse" }, jwtauth.ErrInvalidAudience, ""},
		{"no client_id", func(m map[string]any) { delete(m, "client_id") }, jwtauth.ErrInvalidAudience, ""},
		// An ID token offered where access tokens are expected.
		{"id token", func(m map[string]any) { m["token_use"] = "id"; m["aud"] = testClient }, jwtauth.ErrTokenType, ""},
		{"other pool", func(m map[string]any) {
			m["iss"] = "https://cognito-idp." + testRegion + ".amazonaws.com/eu-west-1_Other"
		}, jwtauth.ErrInvalidIssuer, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := cognitoClaims(clock.Now())
			tc.edit(m)
			header := map[string]any{"kid": key.Kid, "alg": key.Alg}
			if tc.typ != "" {
				header["typ"] = tc.typ
			}
			tok, err := key.SignHeader(header, m)
			if err != nil {
				t.Fatal(err)
			}
			claims, err := c.Verify(context.Background(), tok)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil {
				return
			}
			cc, err := jwks.DecodeCognito(claims)
			if err != nil || !slices.Equal(cc.Groups, []string{"accountants", "admins"}) || cc.Username != "alice" {
				t.Errorf("DecodeCognito: got %+v, %v", cc, err)
			}
		})
	}
}

func TestCognitoIDToken(t *testing.T) {
	c, key, clock := newCognito(t, jwks.CognitoID)
	m := cognitoClaims(clock.Now())
	delete(m, "client_id")
	m["token_use"], m["aud"], m["email"] = "id", testClient, "alice@example.com"
	tok, _ := key.Sign(m)
	claims, err := c.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	if cc, _ := jwks.DecodeCognito(claims); cc.Email != "alice@example.com" {
		t.Errorf("email: got %q", cc.Email)
	}
	m["aud"] = "another-client"
	tok, _ = key.Sign(m)
	if _, err := c.Verify(context.Background(), tok); !errors.Is(err, jwtauth.ErrInvalidAudience) {
		t.Errorf("other client: got %v, want ErrInvalidAudience", err)
	}
}

func TestCognitoConfig(t *testing.T) {
	ok := jwks.CognitoConfig{Region: testRegion, UserPoolID: testPool, ClientIDs: []string{testClient}}
	for _, tc := range []struct {
		name string
		edit func(c *jwks.CognitoConfig)
	}{
		{"no region", func(c *jwks.CognitoConfig) { c.Region = "" }},
		// The region and pool id are spliced into a URL: nothing but
		// their own alphabet may pass.
		{"region with a host", func(c *jwks.CognitoConfig) { c.Region = "evil.example/x" }},
		{"pool of another region", func(c *jwks.CognitoConfig) { c.UserPoolID = "us-east-1_AbCdEf123" }},
		{"pool with a path", func(c *jwks.CognitoConfig) { c.UserPoolID = testPool + "/../x" }},
		{"bad token use", func(c *jwks.CognitoConfig) { c.TokenUse = "refresh" }},
		{"no client ids", func(c *jwks.CognitoConfig) { c.ClientIDs = nil }},
		{"empty client id", func(c *jwks.CognitoConfig) { c.ClientIDs = []string{""} }},
		{"issuer override", func(c *jwks.CognitoConfig) { c.Keys.Issuer = "https://idp.example" }},
		{"audience override", func(c *jwks.CognitoConfig) { c.Auth.Audience = "x" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			if _, err := jwks.NewCognito(cfg); !errors.Is(err, jwks.ErrInvalidConfig) {
				t.Errorf("got %v, want ErrInvalidConfig", err)
			}
		})
	}
	if iss, err := jwks.CognitoIssuer(testRegion, testPool); err != nil || iss != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123" {
		t.Errorf("CognitoIssuer: got %q, %v", iss, err)
	}
}
