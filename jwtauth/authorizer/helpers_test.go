package authorizer_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/authorizer"
)

// secret is a test key; generate your own (32 random bytes or more).
var secret = func() []byte { s := sha256.Sum256([]byte("authorizer test key")); return s[:] }()

const (
	methodBase = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/"
	routeBase  = "arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/"
)

type fixture struct {
	auth *jwtauth.Authenticator
	rev  *jwtauth.MemoryRevoker
}

func newAuth(t testing.TB, mod func(*jwtauth.Config)) *jwtauth.Authenticator {
	t.Helper()
	cfg := jwtauth.Config{
		Keys:     []jwtauth.Key{{ID: "k1", Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret(secret)}},
		Issuer:   "trialbalance",
		Audience: "trialbalance-api",
		Logger:   discard(),
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := jwtauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newFixture(t testing.TB) fixture {
	rev := &jwtauth.MemoryRevoker{}
	return fixture{auth: newAuth(t, func(c *jwtauth.Config) { c.Revoker = rev }), rev: rev}
}

func (f fixture) token(t testing.TB, sub string, scopes ...string) string {
	t.Helper()
	tok, _, err := f.auth.Issue(jwtauth.Grant{Subject: sub, Scopes: scopes, Custom: map[string]any{"groups": []string{"a", "b"}, "tenant": 7}})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// routes is the trial-balance API's table.
var routes = []authorizer.Route{
	{Method: "GET", Path: "/v1/trial-balance", Scopes: []string{"ledger:read"}},
	{Method: "POST", Path: "/v1/auth/logout"},
	{Method: "DELETE", Path: "/v1/entries/{id}", Scopes: []string{"ledger:write"}},
}

func newAuthorizer(t testing.TB, auth *jwtauth.Authenticator, mod func(*authorizer.Config)) *authorizer.Authorizer {
	t.Helper()
	cfg := authorizer.Config{Authenticator: auth, Routes: routes, ContextClaims: []string{"groups", "tenant"}}
	if mod != nil {
		mod(&cfg)
	}
	az, err := authorizer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return az
}

// allows evaluates an IAM policy document the way API Gateway does for
// execute-api:Invoke: an explicit Deny wins, else some Allow must match;
// "*" in a resource matches any characters (also across "/").
func allows(doc policyDoc, resource string) bool {
	allowed := false
	for _, st := range doc.Statement {
		for _, r := range st.Resource {
			if !wildcardMatch(r, resource) {
				continue
			}
			if st.Effect == "Deny" {
				return false
			}
			allowed = true
		}
	}
	return allowed
}

func wildcardMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	if pattern[0] == '*' {
		for i := 0; i <= len(s); i++ {
			if wildcardMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	}
	return s != "" && pattern[0] == s[0] && wildcardMatch(pattern[1:], s[1:])
}

type policyDoc struct {
	Version   string
	Statement []struct {
		Action   []string
		Effect   string
		Resource []string
	}
}

// reply is what a handler answered, decoded from its JSON as Lambda sends it.
type reply struct {
	PrincipalID    string         `json:"principalId"`
	PolicyDocument policyDoc      `json:"policyDocument"`
	Context        map[string]any `json:"context"`
	IsAuthorized   *bool          `json:"isAuthorized"`
	UsageKey       string         `json:"usageIdentifierKey"`
}

func handle(t testing.TB, az *authorizer.Authorizer, event string) (reply, error) {
	t.Helper()
	out, err := az.Handle(context.Background(), json.RawMessage(event))
	if err != nil {
		return reply{}, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	var r reply
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r, nil
}

func tokenEvent(header, methodARN string) string {
	b, _ := json.Marshal(map[string]string{"type": "TOKEN", "authorizationToken": header, "methodArn": methodARN})
	return string(b)
}

func requestEvent(headers map[string]string, multi map[string][]string, method, resource, methodARN string) string {
	b, _ := json.Marshal(map[string]any{"type": "REQUEST", "methodArn": methodARN, "httpMethod": method, "resource": resource,
		"headers": headers, "multiValueHeaders": multi, "requestContext": map[string]any{"stage": "prod"}})
	return string(b)
}

func httpEvent(headers map[string]string, routeKey, routeARN string) string {
	b, _ := json.Marshal(map[string]any{"version": "2.0", "type": "REQUEST", "routeArn": routeARN, "routeKey": routeKey,
		"identitySource": []string{headers["authorization"]}, "headers": headers})
	return string(b)
}

type failingRevoker struct{}

func (failingRevoker) RevokeToken(context.Context, jwtauth.Claims, time.Time) error {
	return errors.New("down")
}
func (failingRevoker) RevokeSubject(context.Context, string, string, time.Time, time.Time) error {
	return errors.New("down")
}
func (failingRevoker) RevokeFamily(context.Context, string, string, string, time.Time) error {
	return errors.New("down")
}
func (failingRevoker) Revoked(context.Context, jwtauth.Claims) (bool, error) {
	return false, errors.New("redis: connection refused")
}

func bearer(tok string) string { return "Bearer " + tok }

func isUnauthorized(err error) bool {
	return errors.Is(err, authorizer.ErrUnauthorized) && err.Error() == "Unauthorized"
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
