// Command authorizer is an API Gateway Lambda authorizer for the
// trial-balance API's own tokens: it verifies them once at the gateway,
// with the same key, issuer ("trialbalance"), audience
// ("trialbalance-api") and Redis revocation records as the service, so a
// logged-out token is refused before any backend runs.
//
// It answers REST API TOKEN and REQUEST authorizer events and HTTP API
// authorizer events (payload format 2.0), detected from each event, with
// policies that are safe to cache under the token alone (see
// jwtauth/authorizer). examples/trialbalance/template-rest.yaml deploys it
// in front of the service's REST API variant.
//
// Environment:
//
//   - JWT_SECRET_ID: the Secrets Manager secret holding the service's
//     signing key (jwtauth/secretkeys format); its AWSCURRENT and
//     AWSPREVIOUS versions verify, so a rotation logs no one out.
//   - JWT_SECRET: the service's HS256 key itself, when JWT_SECRET_ID is not
//     set. One of the two is required.
//   - REDIS_ADDR (required): where the service keeps revocations
//     ("host:port", "rediss://host:port" for TLS); REDIS_CLUSTER=true for a
//     Redis Cluster; REDIS_KEY_PREFIX as the service's (default
//     "trialbalance:").
//   - AUTHORIZER_TTL: the authorizer's result TTL in seconds, as configured
//     in API Gateway (default 300): the longest a logged-out token keeps
//     working through a cached decision. At most 3600.
//   - AUTHORIZER_SIMPLE_RESPONSES=true: answer HTTP API events with simple
//     responses ({"isAuthorized": ...}) instead of IAM policies.
//
// It runs only on Lambda (or under the runtime interface emulator).
package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/authorizer"
	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
	"github.com/lambdasec/lambdasec/jwtauth/secretkeys"
	"github.com/lambdasec/lambdasec/secevent"
	"github.com/lambdasec/lambdasec/secrets"
)

// The trial-balance service's token contract.
const (
	issuer   = "trialbalance"
	audience = "trialbalance-api"
	keyID    = "trialbalance-1"
)

// routes are the service's authenticated routes. Its tokens carry no
// scopes, so any token that authenticates may use both.
var routes = []authorizer.Route{
	{Method: "GET", Path: "/v1/trial-balance"},
	{Method: "POST", Path: "/v1/auth/logout"},
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	az, err := newAuthorizer(os.Getenv, log)
	if err != nil {
		log.Error("authorizer: configuration", slog.Any("error", err))
		os.Exit(1)
	}
	lambda.Start(az.Handle)
}

// newAuthorizer builds the authorizer from the environment.
func newAuthorizer(getenv func(string) string, log *slog.Logger) (*authorizer.Authorizer, error) {
	keyCfg, err := keys(getenv, log)
	if err != nil {
		return nil, err
	}
	rdb, err := openRedis(getenv)
	if err != nil {
		return nil, err
	}
	prefix := getenv("REDIS_KEY_PREFIX")
	if prefix == "" {
		prefix = "trialbalance:"
	}
	revoker, err := redisrevoker.New(redisrevoker.Config{Client: rdb, Prefix: prefix + "jwt"})
	if err != nil {
		return nil, err
	}
	keyCfg.Issuer, keyCfg.Audience, keyCfg.Revoker, keyCfg.Logger = issuer, audience, revoker, log
	auth, err := jwtauth.New(keyCfg)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	ttl, err := seconds(getenv("AUTHORIZER_TTL"), 300)
	if err != nil {
		return nil, fmt.Errorf("AUTHORIZER_TTL: %w", err)
	}
	return authorizer.New(authorizer.Config{
		Authenticator:   auth,
		Routes:          routes,
		SimpleResponses: getenv("AUTHORIZER_SIMPLE_RESPONSES") == "true",
		CacheTTL:        ttl,
		Events:          secevent.NewLogSink(log),
		Logger:          log,
	})
}

// keys returns the key part of the jwtauth configuration: the secret
// named by JWT_SECRET_ID, read at init, or the JWT_SECRET key.
func keys(getenv func(string) string, log *slog.Logger) (jwtauth.Config, error) {
	id := getenv("JWT_SECRET_ID")
	if id == "" {
		secret := getenv("JWT_SECRET")
		if secret == "" {
			return jwtauth.Config{}, fmt.Errorf("JWT_SECRET_ID or JWT_SECRET is required")
		}
		return jwtauth.Config{Keys: []jwtauth.Key{{ID: keyID, Algorithm: jwtauth.HS256, Secret: jwtauth.NewHMACSecret([]byte(secret))}}}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return jwtauth.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	cache, err := secrets.New(secrets.Config{Client: secretsmanager.NewFromConfig(awsCfg), Logger: log})
	if err != nil {
		return jwtauth.Config{}, err
	}
	src, err := secretkeys.New(secretkeys.Config{Cache: cache, SecretID: id, Logger: log})
	if err != nil {
		return jwtauth.Config{}, err
	}
	if err := src.Load(ctx); err != nil {
		return jwtauth.Config{}, fmt.Errorf("JWT_SECRET_ID: %w", err)
	}
	return jwtauth.Config{KeySource: src}, nil
}

func seconds(s string, def int) (time.Duration, error) {
	if s == "" {
		return time.Duration(def) * time.Second, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a number of seconds", s)
	}
	return time.Duration(n) * time.Second, nil
}

// openRedis connects to REDIS_ADDR. The client stops at the callers'
// deadlines, so a stalled Redis costs a request its revocation budget, not
// the function's timeout.
func openRedis(getenv func(string) string) (redis.UniversalClient, error) {
	addr := getenv("REDIS_ADDR")
	var tlsConfig *tls.Config
	switch {
	case addr == "":
		return nil, fmt.Errorf("REDIS_ADDR is required: revocations live there")
	case strings.HasPrefix(addr, "rediss://"):
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		addr = strings.TrimPrefix(addr, "rediss://")
	case strings.HasPrefix(addr, "redis://"):
		addr = strings.TrimPrefix(addr, "redis://")
	}
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs:                 strings.Split(addr, ","),
		IsClusterMode:         getenv("REDIS_CLUSTER") == "true",
		TLSConfig:             tlsConfig,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		ContextTimeoutEnabled: true,
	})
	// No PING here: the first check dials, and a Redis that is down then
	// yields a Deny rather than a function that cannot start.
	return rdb, nil
}
