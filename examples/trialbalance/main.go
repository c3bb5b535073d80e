// Command trialbalance is the service of the security guide, built from
// every lambdasec package: an accounting API that registers users, logs them
// in with JWTs, logs them out by revoking the token, and serves a trial
// balance of a sample ledger.
//
//	go run ./examples/trialbalance
//
// starts it on 127.0.0.1:8080 with embedded defaults and nothing else
// running: an in-process Redis (miniredis), an in-memory store of users and
// the sample ledger, and a random JWT key (logged as a warning). Try:
//
//	curl -si localhost:8080/v1/auth/register -H 'Content-Type: application/json' \
//	  -d '{"email":"ada@example.com","password":"Tr1al-Balance!2026"}'
//	curl -si localhost:8080/v1/auth/login -H 'Content-Type: application/json' \
//	  -d '{"email":"ada@example.com","password":"Tr1al-Balance!2026"}'
//	curl -si 'localhost:8080/v1/trial-balance?from=2026-01-01&to=2026-03-31' \
//	  -H "Authorization: Bearer $TOKEN"
//	curl -si -X POST localhost:8080/v1/auth/logout -H "Authorization: Bearer $TOKEN"
//
// # Endpoints
//
//   - GET /healthz: 200.
//   - POST /v1/auth/register {"email","password"}: 201 {"email"}, also when
//     the address is taken (nothing changes then: the answer must not reveal
//     which addresses have accounts); 422 listing every unmet password rule.
//   - POST /v1/auth/login {"email","password"}: 200 {"access_token",
//     "token_type","expires_in"}, an HS256 JWT for 15 minutes; the same 401
//     for a wrong password and an unknown email; after 10 failures in 15
//     minutes, 429 with Retry-After for that account.
//   - POST /v1/auth/logout (Bearer): 204; that token is revoked.
//   - GET /v1/trial-balance?from=YYYY-MM-DD&to=YYYY-MM-DD (Bearer): each
//     account's net debit or credit over the period and balancing totals,
//     amounts as JSON numbers with two decimals; Cache-Control: no-store,
//     as on the login answer.
//
// Every error is an RFC 9457 application/problem+json document. Bodies must
// be JSON (415), at most 64 KiB (413), without unknown fields, duplicate
// keys or trailing data (400). Every route is limited to 2,000 requests per
// 5 minutes per client address. Password hashing (argon2id, 19 MiB a
// call) runs on at most GOMAXPROCS requests at once; the others wait their
// turn. When Redis fails, authenticated routes and login answer 503 (the
// revocation check and the failed-login guard fail closed) while the
// per-IP limit lets requests through. Each request is logged as one JSON
// line with its X-Ray trace id.
//
// # Environment
//
// These switch it to real resources:
//
//   - ADDR: listen address. Default 127.0.0.1:8080.
//   - JWT_SECRET_ID: the Secrets Manager secret holding the signing key
//     (package jwtauth/secretkeys format, {"alg":"HS256","secret":"<base64>"}).
//     AWSCURRENT signs; AWSCURRENT and AWSPREVIOUS verify, and the secret
//     is reread through the cache every minute, so a rotation
//     (secretkeys.Rotate in a rotation function) logs no one out and
//     needs no restart. This or JWT_SECRET is required in Lambda.
//   - JWT_SECRET: the HS256 key itself, for local use: at least 32 bytes
//     and not a known-weak value, or the program exits with an error.
//   - OIDC_ISSUER and OIDC_AUDIENCE: GET /v1/trial-balance also accepts
//     access tokens of this OpenID Connect issuer (https; keys found
//     through its discovery document) for this audience. For an Amazon
//     Cognito user pool, OIDC_ISSUER is
//     https://cognito-idp.<region>.amazonaws.com/<userPoolId> and
//     OIDC_AUDIENCE the app client id, checked against client_id.
//   - REDIS_ADDR: host:port of Redis, a comma-separated list of cluster
//     nodes, or either as a redis:// or rediss:// (TLS) URL; REDIS_CLUSTER=true
//     treats a single address as a cluster seed (ElastiCache Serverless).
//     Holds revocations, login failures and rate limits. Required in Lambda.
//   - REDIS_KEY_PREFIX: starts every Redis key. Default "trialbalance:".
//   - DB_SECRET_ID: a Secrets Manager secret in the RDS JSON shape (engine,
//     host, port, username, password, dbname). The login is read through a
//     [secrets.Cache] and the pool opened with [dbconn.Open] over verified
//     TLS; the tables are created if missing and the sample ledger seeded
//     once. The AWS settings come from the variables Lambda sets
//     (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//     AWS_SESSION_TOKEN), plus AWS_ENDPOINT_URL_SECRETS_MANAGER; profiles
//     and shared files are not read (elsewhere, run
//     eval "$(aws configure export-credentials --format env)" first).
//     DB_TLS_CA_FILE adds a PEM CA for servers outside RDS.
//   - AWS_XRAY_DAEMON_ADDRESS: send X-Ray traces there ([tracing]); Lambda
//     sets it.
//   - LOG_LEVEL: debug, info (default), warn or error.
//
// # Lambda
//
// When AWS_LAMBDA_RUNTIME_API is set (inside Lambda, or under the runtime
// interface emulator) the same binary serves API Gateway REST API (payload
// 1.0), HTTP API (2.0), Application Load Balancer and Function URL events
// instead of listening ([lambdahttp]), and closes its database pool and
// Redis client on SIGTERM. Build it for provided.al2023:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc \
//	  -trimpath -ldflags='-s -w' -o examples/trialbalance/dist/bootstrap ./examples/trialbalance
//
// template.yaml deploys it with AWS SAM; see README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/reqlog"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "trialbalance:", err)
		if errors.Is(err, errConfig) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run starts the service as the environment (getenv) says and logs to
// stdout. Outside Lambda it serves HTTP until ctx ends, then shuts down
// gracefully; inside Lambda it never returns.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv)
	// JSON lines; reqlog adds the request id, the Lambda request id, the
	// trace id, the route and cold_start to those written for a request.
	log := slog.New(reqlog.NewHandler(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.logLevel})))
	if err != nil {
		return err
	}
	// go-redis has one logger per process, which writes plain text to
	// stderr: its messages (failed dials, pool trouble) join the JSON log.
	redis.SetLogger(redisLogger{log})
	// Lambda allows 10 seconds for the init phase: fail inside it, with
	// the reason in the log, rather than be killed without one.
	initTimeout := 30 * time.Second
	if cfg.lambda {
		initTimeout = 8 * time.Second
	}
	initCtx, cancel := context.WithTimeout(ctx, initTimeout)
	start := time.Now()
	a, err := newApp(initCtx, cfg, log)
	cancel()
	if err != nil {
		return err
	}
	// bench/coldstart reads this line to split the cold start.
	log.Debug("initialised", "init_ms", float64(time.Since(start).Microseconds())/1000)
	return serve(ctx, a, cfg, log)
}

// redisLogger adapts go-redis's logger to slog.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client", "message", fmt.Sprintf(format, v...))
}
