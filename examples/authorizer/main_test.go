package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/smfake"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
	"github.com/lambdasec/lambdasec/jwtauth/secretkeys"
	"github.com/lambdasec/lambdasec/secrets"
)

const (
	methodARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/trial-balance"
	routeARN  = "arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/v1/trial-balance"
)

// service is the trial-balance service's side of the contract: it issues
// and revokes tokens with the same key, issuer, audience and Redis keys.
type service struct {
	secret string
	auth   *jwtauth.Authenticator
}

func newService(t *testing.T, rdb redis.UniversalClient, prefix string) service {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret := hex.EncodeToString(b)
	rev, err := redisrevoker.New(redisrevoker.Config{Client: rdb, Prefix: prefix + "jwt"})
	if err != nil {
		t.Fatal(err)
	}
	// As the service does at start, before it issues tokens (the
	// authorizer only verifies, and needs no Prepare).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rev.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	auth, err := jwtauth.New(jwtauth.Config{
		Keys:   []jwtauth.Key{{ID: keyID, Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret([]byte(secret))}},
		Issuer: issuer, Audience: audience, Revoker: rev,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return service{secret: secret, auth: auth}
}

func (s service) token(t *testing.T, mod func(*jwtauth.Config)) string {
	t.Helper()
	a := s.auth
	if mod != nil {
		cfg := jwtauth.Config{
			Keys:   []jwtauth.Key{{ID: keyID, Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret([]byte(s.secret))}},
			Issuer: issuer, Audience: audience, Logger: slog.New(slog.DiscardHandler),
		}
		mod(&cfg)
		var err error
		if a, err = jwtauth.New(cfg); err != nil {
			t.Fatal(err)
		}
	}
	tok, _, err := a.Issue(jwtauth.Grant{Subject: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (s service) revoked(t *testing.T) string {
	t.Helper()
	tok := s.token(t, nil)
	c, err := s.auth.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.auth.Revoke(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return tok
}

func tokenEvent(header string) []byte {
	b, _ := json.Marshal(map[string]string{"type": "TOKEN", "authorizationToken": header, "methodArn": methodARN})
	return b
}

func requestEvent(header string) []byte {
	b, _ := json.Marshal(map[string]any{"type": "REQUEST", "methodArn": methodARN, "httpMethod": "GET",
		"resource": "/v1/trial-balance", "path": "/v1/trial-balance",
		"headers": map[string]string{"Authorization": header}, "multiValueHeaders": map[string][]string{"Authorization": {header}},
		"requestContext": map[string]any{"stage": "prod", "requestId": "r-1", "identity": map[string]string{"sourceIp": "203.0.113.9"}}})
	return b
}

func httpEvent(header string) []byte {
	b, _ := json.Marshal(map[string]any{"version": "2.0", "type": "REQUEST", "routeArn": routeARN,
		"routeKey": "GET /v1/trial-balance", "rawPath": "/v1/trial-balance", "identitySource": []string{header},
		"headers":        map[string]string{"authorization": header},
		"requestContext": map[string]any{"http": map[string]string{"method": "GET", "sourceIp": "203.0.113.9"}}})
	return b
}

// verdict is what API Gateway makes of an answer for the event's route.
func verdict(t *testing.T, payload []byte, fnErr string, arn string) string {
	t.Helper()
	// The emulator may not set X-Amz-Function-Error; the payload of a
	// failed invocation is {"errorMessage", "errorType"} either way.
	var e struct {
		ErrorMessage *string `json:"errorMessage"`
		ErrorType    string  `json:"errorType"`
	}
	_ = json.Unmarshal(payload, &e)
	if fnErr != "" || (e.ErrorMessage != nil && e.ErrorType != "") {
		if e.ErrorMessage != nil && *e.ErrorMessage == "Unauthorized" {
			return "401"
		}
		msg := "no message"
		if e.ErrorMessage != nil {
			msg = *e.ErrorMessage
		}
		return "500 (" + msg + ")"
	}
	var r struct {
		IsAuthorized   *bool `json:"isAuthorized"`
		PolicyDocument struct {
			Statement []struct {
				Effect   string
				Resource []string
			}
		} `json:"policyDocument"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		t.Fatalf("%v: %s", err, payload)
	}
	if r.IsAuthorized != nil {
		if *r.IsAuthorized {
			return "allow"
		}
		return "403"
	}
	allowed := false
	for _, st := range r.PolicyDocument.Statement {
		for _, res := range st.Resource {
			if res == arn || (strings.HasSuffix(res, "*") && strings.HasPrefix(arn, strings.TrimSuffix(res, "*"))) {
				if st.Effect == "Deny" {
					return "403"
				}
				allowed = true
			}
		}
	}
	if allowed {
		return "allow"
	}
	return "403"
}

// TestUnderEmulator runs the authorizer as Lambda runs it, with the real
// Redis the service writes revocations to, for every event format.
func TestUnderEmulator(t *testing.T) {
	addr := testenv.RedisAddr(t)
	prefix := fmt.Sprintf("authz-%d:", time.Now().UnixNano())
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	svc := newService(t, rdb, prefix)
	fn := testenv.StartLambda(t, ".", "JWT_SECRET="+svc.secret, "REDIS_ADDR="+addr, "REDIS_KEY_PREFIX="+prefix, "AUTHORIZER_TTL=60")

	good := "Bearer " + svc.token(t, nil)
	cases := []struct {
		name, header, want string
	}{
		{"allow", good, "allow"},
		{"revoked", "Bearer " + svc.revoked(t), "401"},
		{"expired", "Bearer " + svc.token(t, func(c *jwtauth.Config) { c.Now = func() time.Time { return time.Now().Add(-time.Hour) } }), "401"},
		{"wrong audience", "Bearer " + svc.token(t, func(c *jwtauth.Config) { c.Audience = "billing-api" }), "401"},
		{"missing header", "", "401"},
		{"extra spaces inside", "Bearer    " + strings.TrimPrefix(good, "Bearer "), "allow"},
		{"trailing space", good + " ", "401"},
		{"wrong scheme", "Basic " + strings.TrimPrefix(good, "Bearer "), "401"},
		{"oversized", "Bearer " + strings.Repeat("A", 10_000), "401"},
	}
	for _, format := range []struct {
		name  string
		event func(string) []byte
		arn   string
	}{{"rest-token", tokenEvent, methodARN}, {"rest-request", requestEvent, methodARN}, {"http-2.0", httpEvent, routeARN}} {
		for _, tc := range cases {
			t.Run(format.name+"/"+tc.name, func(t *testing.T) {
				payload, fnErr := fn.Call(t, format.event(tc.header))
				if got := verdict(t, payload, fnErr, format.arn); got != tc.want {
					t.Fatalf("got %s, want %s: %s", got, tc.want, payload)
				}
			})
		}
	}
	// An event of no known format is a loud 500, not a 401 or an Allow.
	payload, fnErr := fn.Call(t, []byte(`{"type":"MESSAGE"}`))
	if got := verdict(t, payload, fnErr, methodARN); !strings.HasPrefix(got, "500") {
		t.Fatalf("unknown event: %s", got)
	}
}

// TestStoreDownUnderEmulator: with its Redis gone, the authorizer denies
// (403), never allows, and never answers 500.
func TestStoreDownUnderEmulator(t *testing.T) {
	srv := testenv.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	svc := newService(t, rdb, "trialbalance:")
	fn := testenv.StartLambda(t, ".", "JWT_SECRET="+svc.secret, "REDIS_ADDR="+srv.Addr())
	good := "Bearer " + svc.token(t, nil)
	if got := verdict(t, first(fn.Call(t, tokenEvent(good))), "", methodARN); got != "allow" {
		t.Fatalf("with Redis up: %s", got)
	}
	srv.Stop()
	for _, ev := range [][]byte{tokenEvent(good), requestEvent(good), httpEvent(good)} {
		payload, fnErr := fn.Call(t, ev)
		arn := methodARN
		if strings.Contains(string(ev), "routeArn") {
			arn = routeARN
		}
		if got := verdict(t, payload, fnErr, arn); got != "403" {
			t.Fatalf("Redis down: got %s, want 403: %s", got, payload)
		}
	}
}

func first(b []byte, _ string) []byte { return b }

// TestConfig: the required settings are checked before the first event.
func TestConfig(t *testing.T) {
	mr := miniredis.RunT(t)
	env := map[string]string{"JWT_SECRET": strings.Repeat("k", 8) + hex.EncodeToString(make([]byte, 16)), "REDIS_ADDR": mr.Addr()}
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name, key, value string
	}{
		{"no secret", "JWT_SECRET", ""},
		{"weak secret", "JWT_SECRET", "password"},
		{"no redis", "REDIS_ADDR", ""},
		{"bad ttl", "AUTHORIZER_TTL", "soon"},
		{"ttl above an hour", "AUTHORIZER_TTL", "7200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range env {
				m[k] = v
			}
			m[tc.key] = tc.value
			if _, err := newAuthorizer(get(m), slog.New(slog.DiscardHandler)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestSecretsManagerKeyUnderEmulator: with JWT_SECRET_ID the authorizer
// reads the key from Secrets Manager (the real SDK against a loopback
// endpoint), and a rotation logs no one out: tokens of the old and of the
// new key both pass, without a restart.
func TestSecretsManagerKeyUnderEmulator(t *testing.T) {
	addr := testenv.RedisAddr(t)
	sm := smfake.New()
	defer sm.Close()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	first, _ := secretkeys.NewHS256Secret(b)
	sm.Put("trialbalance/jwt", first)
	// The service that issues the tokens prepares the revocation store at
	// its start, as newService does.
	prefix := fmt.Sprintf("test:authorizer:sm:%d:", time.Now().UnixNano())
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	newService(t, rdb, prefix)
	fn := testenv.StartLambda(t, ".", "JWT_SECRET_ID=trialbalance/jwt", "REDIS_ADDR="+addr, "REDIS_KEY_PREFIX="+prefix,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER="+sm.URL(), "AWS_REGION="+smfake.Region,
		"AWS_ACCESS_KEY_ID="+smfake.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+smfake.SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true")

	issue := func() string {
		t.Helper()
		cache, _ := secrets.New(secrets.Config{Client: sm.Client()})
		src, _ := secretkeys.New(secretkeys.Config{Cache: cache, SecretID: "trialbalance/jwt", Logger: slog.New(slog.DiscardHandler)})
		if err := src.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		auth, err := jwtauth.New(jwtauth.Config{KeySource: src, Issuer: issuer, Audience: audience, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := auth.Issue(jwtauth.Grant{Subject: "ada@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	old := issue()
	payload, fnErr := fn.Call(t, tokenEvent(old))
	if got := verdict(t, payload, fnErr, methodARN); got != "allow" {
		t.Fatalf("before rotation: %s", got)
	}
	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		if err := secretkeys.Rotate(context.Background(), sm.Client(), secretkeys.RotationEvent{
			SecretID: "trialbalance/jwt", ClientRequestToken: "rotation-0000000000000000000000000001", Step: step}); err != nil {
			t.Fatal(err)
		}
	}
	fresh := issue()
	for name, tok := range map[string]string{"old key": old, "new key": fresh} {
		payload, fnErr := fn.Call(t, tokenEvent(tok))
		if got := verdict(t, payload, fnErr, methodARN); got != "allow" {
			t.Errorf("after rotation, %s: %s", name, got)
		}
	}
}
