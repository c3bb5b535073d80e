package authorizer_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/authorizer"
	"github.com/lambdasec/lambdasec/secevent"
)

// TestCacheSafePolicy is the cache-scope rule: with the token as the only
// cache key, the policy depends on the token alone (the same whichever
// route triggered the call), allows exactly the routes its scopes permit,
// and never reaches another API or stage.
func TestCacheSafePolicy(t *testing.T) {
	f := newFixture(t)
	az := newAuthorizer(t, f.auth, nil)
	for _, tc := range []struct {
		name    string
		scopes  []string
		allowed map[string]bool // method ARN suffix -> allowed
	}{
		{"reader", []string{"ledger:read"}, map[string]bool{
			"GET/v1/trial-balance": true, "POST/v1/auth/logout": true, "DELETE/v1/entries/42": false}},
		{"writer", []string{"ledger:write"}, map[string]bool{
			"GET/v1/trial-balance": false, "POST/v1/auth/logout": true, "DELETE/v1/entries/42": true}},
		{"no scope", nil, map[string]bool{
			"GET/v1/trial-balance": false, "POST/v1/auth/logout": true, "DELETE/v1/entries/42": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := f.token(t, "ada", tc.scopes...)
			var first *reply
			for trigger := range tc.allowed {
				r, err := handle(t, az, tokenEvent(bearer(tok), methodBase+trigger))
				if err != nil {
					t.Fatal(err)
				}
				if first == nil {
					first = &r
				} else if fmt.Sprint(r.PolicyDocument) != fmt.Sprint(first.PolicyDocument) {
					t.Fatalf("policy depends on the route that triggered it:\n%v\n%v", r.PolicyDocument, first.PolicyDocument)
				}
				for res, want := range tc.allowed {
					if got := allows(r.PolicyDocument, methodBase+res); got != want {
						t.Errorf("cached policy from %s: %s allowed=%v, want %v", trigger, res, got, want)
					}
				}
				// Never another stage, API, method or path.
				for _, other := range []string{
					"arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/v1/trial-balance",
					"arn:aws:execute-api:eu-west-1:123456789012:zzz999/prod/GET/v1/trial-balance",
					methodBase + "GET/v1/admin", methodBase + "PUT/v1/trial-balance",
				} {
					if allows(r.PolicyDocument, other) {
						t.Errorf("policy allows %s", other)
					}
				}
				if r.PrincipalID != "ada" {
					t.Errorf("principal %q", r.PrincipalID)
				}
			}
		})
	}
}

// With the route in the cache key, the policy names that route only.
func TestPerRoutePolicy(t *testing.T) {
	f := newFixture(t)
	az := newAuthorizer(t, f.auth, func(c *authorizer.Config) { c.CachePerRoute = true })
	tok := f.token(t, "ada", "ledger:read")
	r, err := handle(t, az, requestEvent(map[string]string{"Authorization": bearer(tok)}, nil, "GET", "/v1/trial-balance", methodBase+"GET/v1/trial-balance"))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.PolicyDocument.Statement[0].Resource; !slices.Equal(got, []string{methodBase + "GET/v1/trial-balance"}) || r.PolicyDocument.Statement[0].Effect != "Allow" {
		t.Fatalf("policy %v", r.PolicyDocument)
	}
	if allows(r.PolicyDocument, methodBase+"POST/v1/auth/logout") {
		t.Fatal("per-route policy allows another route")
	}
	// A route the token may not use: an explicit Deny.
	r, err = handle(t, az, requestEvent(map[string]string{"Authorization": bearer(tok)}, nil, "DELETE", "/v1/entries/{id}", methodBase+"DELETE/v1/entries/9"))
	if err != nil || r.PolicyDocument.Statement[0].Effect != "Deny" {
		t.Fatalf("got %v, %v; want a Deny", r.PolicyDocument, err)
	}
}

// TestRefusals: what API Gateway answers for each bad token.
func TestRefusals(t *testing.T) {
	f := newFixture(t)
	good := f.token(t, "ada", "ledger:read")
	revoked := f.token(t, "eve", "ledger:read")
	claims, err := f.auth.Verify(t.Context(), revoked)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.auth.Revoke(t.Context(), claims); err != nil {
		t.Fatal(err)
	}
	past := newAuth(t, func(c *jwtauth.Config) { c.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) } })
	expired, _, _ := past.Issue(jwtauth.Grant{Subject: "ada"})
	otherAud := newAuth(t, func(c *jwtauth.Config) { c.Audience = "billing-api" })
	wrongAud, _, _ := otherAud.Issue(jwtauth.Grant{Subject: "ada"})
	otherKey := newAuth(t, func(c *jwtauth.Config) {
		other := sha256.Sum256([]byte("another key"))
		c.Keys = []jwtauth.Key{{ID: "k1", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(other[:])}}
	})
	forged, _, _ := otherKey.Issue(jwtauth.Grant{Subject: "admin"})
	az := newAuthorizer(t, f.auth, nil)
	arn := methodBase + "GET/v1/trial-balance"
	for _, tc := range []struct {
		name, header string
	}{
		{"missing header", ""},
		{"wrong scheme", "Basic YWRhOnB3"},
		{"no scheme", good},
		{"trailing space", bearer(good) + " "},
		{"leading space", " " + bearer(good)},
		{"two tokens", bearer(good) + " " + good},
		{"oversized", bearer(strings.Repeat("a", 9000))},
		{"malformed", bearer("not.a.jwt")},
		{"expired", bearer(expired)},
		{"wrong audience", bearer(wrongAud)},
		{"forged signature", bearer(forged)},
		{"revoked", bearer(revoked)},
		{"alg none", bearer("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiJ9.")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := handle(t, az, tokenEvent(tc.header, arn))
			if !isUnauthorized(err) {
				t.Fatalf("got %v, want the exact error Unauthorized (API Gateway's 401)", err)
			}
		})
	}
	// Extra spaces between the scheme and the token are allowed (RFC 7235: 1*SP).
	if _, err := handle(t, az, tokenEvent("Bearer   "+good, arn)); err != nil {
		t.Fatalf("several spaces after the scheme: %v", err)
	}
	// Two Authorization headers are ambiguous: refused, not guessed between.
	_, err = handle(t, az, requestEvent(nil, map[string][]string{"Authorization": {bearer(good), bearer(forged)}}, "GET", "/v1/trial-balance", arn))
	if !isUnauthorized(err) {
		t.Fatalf("two Authorization headers: %v", err)
	}
}

// A revocation store that fails yields a Deny of the whole API, never an
// Allow and never a 500.
func TestStoreDownDenies(t *testing.T) {
	f := newFixture(t)
	tok := f.token(t, "ada", "ledger:read")
	down := newAuth(t, func(c *jwtauth.Config) { c.Revoker = failingRevoker{} })
	var got []secevent.Event
	az := newAuthorizer(t, down, func(c *authorizer.Config) {
		c.Logger = discard()
		c.Events = secevent.SinkFunc(func(_ context.Context, e secevent.Event) { got = append(got, e) })
	})
	for _, ev := range []string{
		tokenEvent(bearer(tok), methodBase+"GET/v1/trial-balance"),
		requestEvent(map[string]string{"authorization": bearer(tok)}, nil, "GET", "/v1/trial-balance", methodBase+"GET/v1/trial-balance"),
		httpEvent(map[string]string{"authorization": bearer(tok)}, "GET /v1/trial-balance", routeBase+"GET/v1/trial-balance"),
	} {
		r, err := handle(t, az, ev)
		if err != nil {
			t.Fatalf("got %v, want a Deny policy", err)
		}
		if allows(r.PolicyDocument, methodBase+"GET/v1/trial-balance") || allows(r.PolicyDocument, routeBase+"GET/v1/trial-balance") {
			t.Fatalf("store down but allowed: %v", r.PolicyDocument)
		}
		if r.Context != nil {
			t.Fatalf("context %v on a Deny", r.Context)
		}
	}
	simple := newAuthorizer(t, down, func(c *authorizer.Config) {
		c.Logger = discard()
		c.SimpleResponses, c.CachePerRoute = true, true
	})
	r, err := handle(t, simple, httpEvent(map[string]string{"authorization": bearer(tok)}, "GET /v1/trial-balance", routeBase+"GET/v1/trial-balance"))
	if err != nil || r.IsAuthorized == nil || *r.IsAuthorized {
		t.Fatalf("simple response with the store down: %+v, %v", r, err)
	}
	if len(got) == 0 || got[0].Name != secevent.SysDependencyFail {
		t.Fatalf("events %v", got)
	}
}

func TestHTTPAPI(t *testing.T) {
	f := newFixture(t)
	reader := f.token(t, "ada", "ledger:read")
	simple := newAuthorizer(t, f.auth, func(c *authorizer.Config) { c.SimpleResponses, c.CachePerRoute = true, true })
	iam := newAuthorizer(t, f.auth, nil)
	for _, tc := range []struct {
		routeKey, arn string
		want          bool
	}{
		{"GET /v1/trial-balance", routeBase + "GET/v1/trial-balance", true},
		{"DELETE /v1/entries/{id}", routeBase + "DELETE/v1/entries/3", false},
	} {
		ev := httpEvent(map[string]string{"authorization": bearer(reader)}, tc.routeKey, tc.arn)
		r, err := handle(t, simple, ev)
		if err != nil || r.IsAuthorized == nil || *r.IsAuthorized != tc.want {
			t.Errorf("simple %s: %+v %v, want %v", tc.routeKey, r, err, tc.want)
		}
		if tc.want && (r.Context["sub"] != "ada" || r.Context["scope"] != "ledger:read" || r.Context["groups"] != "a,b" || r.Context["tenant"] != "7") {
			t.Errorf("context %v", r.Context)
		}
		r, err = handle(t, iam, ev)
		if err != nil || allows(r.PolicyDocument, tc.arn) != tc.want {
			t.Errorf("iam %s: %+v %v, want %v", tc.routeKey, r.PolicyDocument, err, tc.want)
		}
	}
	if _, err := handle(t, simple, httpEvent(map[string]string{}, "GET /v1/trial-balance", routeBase+"GET/v1/trial-balance")); !isUnauthorized(err) {
		t.Fatalf("no token: %v", err)
	}
}

// Simple responses cached under the token alone would let one route's
// answer decide every route's.
func TestNewRefusesUnsafeConfig(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		cfg  authorizer.Config
	}{
		{"no authenticator", authorizer.Config{}},
		{"simple without per-route cache", authorizer.Config{Authenticator: f.auth, Routes: routes, SimpleResponses: true}},
		{"ttl above bound", authorizer.Config{Authenticator: f.auth, CacheTTL: time.Hour, MaxCacheTTL: time.Minute}},
		{"ttl above an hour", authorizer.Config{Authenticator: f.auth, CacheTTL: 2 * time.Hour}},
		{"route without slash", authorizer.Config{Authenticator: f.auth, Routes: []authorizer.Route{{Method: "GET", Path: "v1"}}}},
		{"route with wildcard", authorizer.Config{Authenticator: f.auth, Routes: []authorizer.Route{{Method: "GET", Path: "/v1/*"}}}},
		{"route without method", authorizer.Config{Authenticator: f.auth, Routes: []authorizer.Route{{Path: "/v1"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := authorizer.New(tc.cfg); !errors.Is(err, authorizer.ErrInvalidConfig) {
				t.Fatalf("got %v, want ErrInvalidConfig", err)
			}
		})
	}
	// Simple responses are fine when no route needs a scope.
	if _, err := authorizer.New(authorizer.Config{Authenticator: f.auth, SimpleResponses: true}); err != nil {
		t.Fatal(err)
	}
}

func TestBadEvents(t *testing.T) {
	f := newFixture(t)
	az := newAuthorizer(t, f.auth, func(c *authorizer.Config) { c.Logger = discard() })
	tok := f.token(t, "ada")
	for _, tc := range []struct{ name, event string }{
		{"not json", "{"},
		{"no type", `{"methodArn":"x"}`},
		{"websocket-like", `{"type":"MESSAGE"}`},
		{"bad arn", tokenEvent(bearer(tok), "arn:aws:s3:::bucket")},
		{"arn with wildcard", tokenEvent(bearer(tok), methodBase+"GET/v1/*")},
		{"arn without method", tokenEvent(bearer(tok), "arn:aws:execute-api:eu-west-1:1:abc/prod")},
		{"huge", `{"type":"TOKEN","x":"` + strings.Repeat("a", 2<<20) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := handle(t, az, tc.event); !errors.Is(err, authorizer.ErrUnknownEvent) {
				t.Fatalf("got %v, want ErrUnknownEvent", err)
			}
		})
	}
}

func TestUsageIdentifierAndPartitions(t *testing.T) {
	f := newFixture(t)
	tok, _, err := f.auth.Issue(jwtauth.Grant{Subject: "ada", Scopes: []string{"ledger:read"}, Custom: map[string]string{"api_key": "key-123"}})
	if err != nil {
		t.Fatal(err)
	}
	az := newAuthorizer(t, f.auth, func(c *authorizer.Config) { c.UsageIdentifierClaim = "api_key" })
	arn := "arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/prod/GET/v1/trial-balance"
	r, err := handle(t, az, tokenEvent(bearer(tok), arn))
	if err != nil {
		t.Fatal(err)
	}
	if r.UsageKey != "key-123" || !allows(r.PolicyDocument, arn) {
		t.Fatalf("%+v", r)
	}
}
