package main

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/redisrevoker"
	"github.com/lambdasec/lambdasec/problem"
	"github.com/lambdasec/lambdasec/ratelimit"
	"github.com/lambdasec/lambdasec/reqlog"
	"github.com/lambdasec/lambdasec/secevent"
	"github.com/lambdasec/lambdasec/tracing"
	"github.com/lambdasec/lambdasec/validate"
)

// The steps of newApp, in the order it takes them.

// setupObservability builds the access log and the tracer.
func (a *app) setupObservability(cfg config) error {
	// The per-IP limiter, built later, names the client of each line.
	clientIP := func(r *http.Request) string {
		ip, err := a.perIP.ClientIP(r)
		if err != nil {
			return ""
		}
		return ip.String()
	}
	var err error
	if a.access, err = reqlog.NewAccessLog(reqlog.Config{Logger: a.log, ClientIP: clientIP}); err != nil {
		return err
	}
	a.tracer, err = tracing.New(tracing.Config{Service: serviceName, DaemonAddr: cfg.xrayAddr, Logger: a.log})
	if err != nil {
		return configErr("%v", err)
	}
	// Closed last, after what was opened before it: spans the OTLP
	// backend still exports in the background (outside Lambda) are sent
	// before the process exits.
	a.closers = slices.Insert(a.closers, 0, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), tracing.DefaultOTLPTimeout)
		defer cancel()
		return a.tracer.Flush(ctx)
	})
	return nil
}

// setupAuth builds the Authenticator of the service's own tokens.
func (a *app) setupAuth(cfg config, keys jwtauth.Config, revoker *redisrevoker.Revoker) error {
	var err error
	a.auth, err = jwtauth.New(jwtauth.Config{
		Keys:      keys.Keys,
		KeySource: keys.KeySource,
		Issuer:    issuer,
		Audience:  audience,
		Revoker:   revoker,
		// Zero (100 ms) against a networked Redis; a second against the
		// in-process one, whose latency is the service's own CPU.
		RevocationTimeout: a.redisTimeout(),
		Logger:            a.log,
		Events:            a.events, // refused tokens become security events
	})
	if err != nil {
		// ErrWeakKey and ErrInvalidKey name the problem without the key.
		if cfg.jwtSecretID != "" {
			return configErr("JWT_SECRET_ID: %v", err)
		}
		return configErr("JWT_SECRET: %v", err)
	}
	return nil
}

// setupLimits builds the per-IP limit and the failed-login guard.
func (a *app) setupLimits(cfg config, rdb redis.UniversalClient) error {
	var err error
	a.perIP, err = ratelimit.New(ratelimit.Config{
		Redis:   rdb,
		Name:    "ip",
		Prefix:  cfg.redisPrefix + "ip:",
		Timeout: a.redisTimeout(),
		Events:  a.events, // refusals become excess_rate_limit_exceeded
		// Behind API Gateway every event names its source address; one
		// without is a malformed event, which gets a 400 rather than the
		// 500 of a wiring mistake.
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, ratelimit.ErrNoKey) {
				problem.Write(w, problem.Problem{Status: http.StatusBadRequest, Detail: "the request has no client address"})
				return
			}
			ratelimit.WriteError(w, r, err)
		},
		Logger: a.log,
	})
	if err != nil {
		return err
	}
	a.logins, err = ratelimit.NewAttempts(ratelimit.AttemptsConfig{
		Redis: rdb, Prefix: cfg.redisPrefix + "logins:", Logger: a.log, Timeout: a.redisTimeout(),
		// Store outages and data losses become events; locks are reported
		// by the login handler, which can name the account.
		Events: secevent.SinkFunc(func(ctx context.Context, e secevent.Event) {
			if e.Name != secevent.AuthnLoginLock {
				a.events.Record(ctx, e)
			}
		}),
	})
	return err
}

// setupValidation builds the request validator and registers the body
// and query types.
func (a *app) setupValidation() error {
	var err error
	a.validate, err = validate.New(validate.Config{
		MaxBodyBytes: maxBodyBytes,
		RuleMessages: map[string]string{"gtefield": "must not be before {param}"},
		Logger:       a.log,
		Events:       a.events, // refused bodies become input_validation_fail
	})
	if err != nil {
		return err
	}
	for _, t := range []any{credentials{}, period{}} {
		if err := a.validate.Register(t); err != nil {
			return err
		}
	}
	return nil
}

// openStore opens the users and ledger: MySQL with DB_SECRET_ID, else in
// memory.
func (a *app) openStore(ctx context.Context, cfg config) error {
	if cfg.dbSecretID == "" {
		a.store = newMemStore()
		if cfg.lambda {
			a.log.Warn("DB_SECRET_ID is not set: users and ledger live in memory, one copy per execution environment")
		}
	} else {
		var err error
		if a.store, err = a.openDatabase(ctx, cfg); err != nil {
			return err
		}
	}
	a.closers = append(a.closers, a.store.close)
	return nil
}
