package main

import (
	"context"
	"crypto/tls"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/lambdasec/lambdasec/dbconn"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/jwks"
	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
	"github.com/lambdasec/lambdasec/jwtauth/refresh"
	"github.com/lambdasec/lambdasec/password"
	"github.com/lambdasec/lambdasec/problem"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/lambdasec/lambdasec/reqlog"
	"github.com/lambdasec/lambdasec/secevent"
	"github.com/lambdasec/lambdasec/secrets"
	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/validate"
)

const (
	serviceName = "trialbalance"
	issuer      = "trialbalance"
	audience    = "trialbalance-api"
	// maxBodyBytes is the JSON body limit of every route (64 KiB).
	maxBodyBytes = 64 << 10
)

// app is the service: its dependencies and its routes. Build it with
// newApp and release it with close.
type app struct {
	log   *slog.Logger
	store store
	auth  *jwtauth.Authenticator
	// secrets is the Secrets Manager cache (see secretsCache).
	secrets     *secrets.Cache
	secretsErr  error
	secretsOnce sync.Once
	readers     jwtauth.Verifier // the tokens GET /v1/trial-balance accepts: auth's, and OIDC_ISSUER's
	hasher      *password.Hasher
	policy      password.Policy
	validate    *validate.Validator
	perIP       *ratelimit.Limiter
	logins      *ratelimit.Attempts
	tracer      *tracing.Tracer
	access      *reqlog.AccessLog
	refresh     *refresh.Store  // sessions: refresh tokens (refresh.go)
	db          *sql.DB         // nil with the in-memory store
	mini        *inProcessRedis // the in-process Redis, if any

	// hashSlots bounds the password hashes computed at once. Each argon2id
	// call holds 19 MiB: without a bound, a burst of logins that the
	// per-IP limit lets through (2,000 per address) would take the
	// process's memory. More slots than cores would add no throughput.
	hashSlots chan struct{}
	// onHashWait, if set, is called when a request must wait for a slot
	// (tests use it to observe the wait).
	onHashWait func()

	events  secevent.Sink     // security events: log lines and counts
	metrics *secevent.Metrics // the counts, flushed per request on Lambda
	lambda  bool

	closers []func() error // run in reverse order by close
}

// newApp builds the service from cfg. On error everything opened so far
// is closed again. What waits on the network (Redis's first round trips,
// the signing key from Secrets Manager, an identity provider's keys) runs
// while the rest is built; each still fails the start if it fails.
func newApp(ctx context.Context, cfg config, log *slog.Logger) (_ *app, err error) {
	a := &app{
		log:    log,
		lambda: cfg.lambda,
		hasher: &password.Hasher{},
		// The policy the password package recommends: NIST SP 800-63B-4
		// for single-factor logins (15 to 128 characters, no composition
		// rules, blocklist and context words).
		policy:    password.NIST(),
		hashSlots: make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	// The network waits start first, Redis's first round trips (the
	// longest) before the others; the security events come before them,
	// as the revoker reports to them.
	if err := a.setupEvents(log, cfg.metricsOut, cfg.lambda); err != nil {
		return nil, err
	}
	rdb, err := a.openRedis(cfg)
	if err != nil {
		return nil, err
	}
	revoker, err := redisrevoker.New(redisrevoker.Config{Client: rdb, Prefix: cfg.redisPrefix + "jwt", Events: a.events, Logger: log})
	if err != nil {
		return nil, err
	}
	prepared := inBackground(func() error { return prepareRedis(ctx, revoker) })
	var oidc jwks.Verifier
	oidcLoaded := inBackground(func() (err error) { oidc, err = oidcFromConfig(ctx, cfg, log); return err })
	keys, keysLoaded, err := a.signingKeys(ctx, cfg)
	if err != nil {
		return nil, err
	}
	steps := []func() error{
		func() error { return a.setupObservability(cfg) },
		func() error { return a.setupAuth(cfg, keys, revoker) },
		func() error { return a.setupLimits(cfg, rdb) },
		a.setupValidation,
		func() error { return a.setupRefresh(rdb, cfg) },
		func() error { return a.openStore(ctx, cfg) },
		prepared, keysLoaded, oidcLoaded,
		func() (err error) { a.readers, err = readers(a.auth, cfg.oidcIssuer, oidc); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	secevent.Emit(ctx, a.events, secevent.Event{Name: secevent.SysStartup, Reason: "init"})
	return a, nil
}

// inBackground starts f and returns a function that waits for its result.
func inBackground(f func() error) func() error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	return func() error { return <-done }
}

// openRedis makes the client of REDIS_ADDR, or starts the in-process Redis of the
// embedded defaults.
func (a *app) openRedis(cfg config) (redis.UniversalClient, error) {
	if len(cfg.redisAddrs) == 0 {
		addr, err := a.startInProcessRedis()
		if err != nil {
			return nil, err
		}
		cfg.redisAddrs = []string{addr}
	}
	var tlsConfig *tls.Config
	if cfg.redisTLS {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	opts := &redis.UniversalOptions{
		Addrs:                 cfg.redisAddrs,
		IsClusterMode:         cfg.redisCluster,
		TLSConfig:             tlsConfig,
		DialTimeout:           2 * time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		ContextTimeoutEnabled: true, // stop at the callers' short deadlines
		// Two round trips fewer on every new connection, the first one
		// at a cold start included: no CLIENT SETINFO (the client's name
		// and version, for CLIENT LIST) and no CLIENT MAINT_NOTIFICATIONS
		// (a Redis Cloud and Enterprise feature; other servers refuse it).
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
	rdb := redis.NewUniversalClient(opts)
	a.closers = append(a.closers, rdb.Close)
	tracing.Redis(rdb)
	return rdb, nil
}

// prepareRedis checks that Redis answers, leaving a connection in the
// pool for the first request, and makes sure the revocation epoch markers
// exist before any token is issued: an empty Redis (the in-process one at
// every start, or one that lost its data) gets them, so the tokens issued
// from now on are not taken for older than a loss.
func prepareRedis(ctx context.Context, revoker *redisrevoker.Revoker) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := revoker.Prepare(ctx); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// openDatabase reads the database login from Secrets Manager through a
// cache, opens a TLS-only pool with dbconn and creates the tables.
func (a *app) openDatabase(ctx context.Context, cfg config) (store, error) {
	cache, err := a.secretsCache()
	if err != nil {
		return nil, err
	}
	id := cfg.dbSecretID
	// Read once now: a missing secret or permission fails the start, and
	// the names label the database's trace subsegments.
	first, err := dbCredentials(cache.Get(ctx, id))
	if err != nil {
		return nil, fmt.Errorf("database secret: %w", err)
	}
	var roots []byte
	if cfg.dbCAFile != "" {
		if roots, err = os.ReadFile(cfg.dbCAFile); err != nil {
			return nil, configErr("DB_TLS_CA_FILE: %v", err)
		}
	}
	db, err := dbconn.Open(ctx, dbconn.Config{
		Credentials: func(ctx context.Context) (dbconn.Credentials, error) {
			s, err := cache.Get(ctx, id)
			return dbCredentials(s, err)
		},
		// After a refused login (a rotation): ask Secrets Manager again,
		// then try the version a rotation in progress is about to promote.
		RefreshCredentials: func(ctx context.Context) (dbconn.Credentials, error) {
			s, err := cache.Refresh(ctx, id)
			return dbCredentials(s, err)
		},
		PendingCredentials: func(ctx context.Context) (dbconn.Credentials, error) {
			s, err := cache.GetStage(ctx, id, secrets.StagePending)
			return dbCredentials(s, err)
		},
		RootCAs: roots,
		Wrap: func(c driver.Connector) driver.Connector {
			return tracing.Connector(c, tracing.DB{Name: first.Database, Host: first.Host, User: first.User, Type: "MySQL"})
		},
		Logger: a.log,
	})
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	a.db = db
	s, err := newSQLStore(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	return s, nil
}

// dbCredentials adapts a Secrets Manager secret in the RDS JSON shape to
// dbconn's login. Neither error text carries the password.
func dbCredentials(s secrets.Secret, err error) (dbconn.Credentials, error) {
	if err != nil {
		return dbconn.Credentials{}, err
	}
	var c secrets.DBCredentials
	if err := s.Decode(&c); err != nil {
		return dbconn.Credentials{}, err
	}
	cr := dbconn.NewCredentials(c.Username, c.Password())
	cr.Host, cr.Port, cr.Database = c.Host, c.Port, c.DBName
	return cr, nil
}

// withHashSlot runs fn, which hashes a password, once one of hashSlots is
// free. It returns ctx's error without running fn when ctx ends first: the
// client went away or the server is shutting down.
func (a *app) withHashSlot(ctx context.Context, fn func()) error {
	select {
	case a.hashSlots <- struct{}{}:
	default:
		if a.onHashWait != nil {
			a.onHashWait()
		}
		select {
		case a.hashSlots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-a.hashSlots }()
	fn()
	return nil
}

// close releases what newApp opened, newest first.
func (a *app) close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// handler is the whole HTTP service: tracing, access log, per-IP limit,
// then the routes, which check authentication where needed.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	authed := a.auth.Handler
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("POST /v1/auth/register", a.register)
	mux.HandleFunc("POST /v1/auth/login", a.login)
	mux.HandleFunc("POST /v1/auth/refresh", a.refreshTokens)
	mux.Handle("POST /v1/auth/logout", authed(http.HandlerFunc(a.logout)))
	mux.Handle("GET /v1/trial-balance", a.auth.HandlerFor(a.readers)(http.HandlerFunc(a.trialBalance)))

	// One JSON line per request (reqlog.AccessLog), outermost so that it
	// also logs what the layers below refuse; a panic becomes a 500
	// problem with its stack logged (problem.Recover). tracing.Routes hands
	// the mux's route pattern to the trace and the log lines even though
	// the middleware in between passes on copies of the request;
	// problem.WrapMux answers the mux's own 404 and 405 as problems.
	h := strictTransport(a.access.Handler(a.tracer.Handler(problem.Recover(a.log)(a.perIP.Handler(tracing.Routes(problem.WrapMux(mux)))))))
	if a.lambda {
		// The environment may freeze once the invocation returns: the
		// event counts leave with every request.
		h = a.metrics.Handler(h)
	}
	return h
}

// hstsValue asks browsers to reach the service over HTTPS only, for two
// years, subdomains included (RFC 6797). API Gateway and Function URLs
// serve HTTPS only, so the header costs nothing and protects a browser
// client that is ever sent to an http:// link on a custom domain.
const hstsValue = "max-age=63072000; includeSubDomains"

// strictTransport sends Strict-Transport-Security on every answer,
// including problems written by middleware and panics recovered below it.
func strictTransport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", hstsValue)
		next.ServeHTTP(w, r)
	})
}
