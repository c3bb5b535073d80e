package secevent

import (
	"context"
	"log/slog"
)

// Name is an event name from the OWASP Logging Vocabulary, or one of the
// few this package adds where the vocabulary has none (each says so).
type Name string

// Event names. The level each is reported at by default is given by
// [Name.Level].
const (
	// AuthnLoginSuccess: a login succeeded.
	AuthnLoginSuccess Name = "authn_login_success"
	// AuthnLoginSuccessAfterFail: a login succeeded after failures.
	AuthnLoginSuccessAfterFail Name = "authn_login_successafterfail"
	// AuthnLoginFail: a login failed (wrong password or unknown account).
	AuthnLoginFail Name = "authn_login_fail"
	// AuthnLoginLock: an account refuses logins for now (too many failures).
	AuthnLoginLock Name = "authn_login_lock"
	// AuthnTokenCreated: a token was issued.
	AuthnTokenCreated Name = "authn_token_created"
	// AuthnTokenRevoked: a token, a session family or all of a subject's
	// tokens were revoked.
	AuthnTokenRevoked Name = "authn_token_revoked"
	// AuthnTokenReuse: a single-use token (a refresh token) was presented
	// again: it was probably stolen.
	AuthnTokenReuse Name = "authn_token_reuse"
	// AuthnTokenInvalid: a token was refused as malformed, badly signed,
	// expired, revoked or for another audience. Not in the OWASP list,
	// which has no name for a refused bearer token.
	AuthnTokenInvalid Name = "authn_token_invalid"
	// AuthzFail: an authenticated caller asked for what it may not do.
	AuthzFail Name = "authz_fail"
	// InputValidationFail: a request was refused by input validation.
	InputValidationFail Name = "input_validation_fail"
	// ExcessRateLimitExceeded: a rate limit refused a request.
	ExcessRateLimitExceeded Name = "excess_rate_limit_exceeded"
	// SessionCreated: a session (a refresh-token family) began.
	SessionCreated Name = "session_created"
	// SessionRenewed: a session was renewed (a refresh-token exchange).
	SessionRenewed Name = "session_renewed"
	// SessionExpired: a session ended (logout, timeout, revocation).
	SessionExpired Name = "session_expired"
	// UserCreated: an account was created.
	UserCreated Name = "user_created"
	// SysStartup: the service started (a Lambda cold start).
	SysStartup Name = "sys_startup"
	// SysShutdown: the service is stopping.
	SysShutdown Name = "sys_shutdown"
	// SysDependencyFail: a dependency a security check relies on (Redis,
	// Secrets Manager, the database) failed, and the check failed closed
	// or open as configured. Not in the OWASP list.
	SysDependencyFail Name = "sys_dependency_fail"
)

// levels are the OWASP vocabulary's levels; CRITICAL maps to slog's
// LevelError+4.
var levels = map[Name]slog.Level{
	AuthnLoginSuccess:          slog.LevelInfo,
	AuthnLoginSuccessAfterFail: slog.LevelInfo,
	AuthnLoginFail:             slog.LevelWarn,
	AuthnLoginLock:             slog.LevelWarn,
	AuthnTokenCreated:          slog.LevelInfo,
	AuthnTokenRevoked:          slog.LevelInfo,
	AuthnTokenReuse:            LevelCritical,
	AuthnTokenInvalid:          slog.LevelWarn,
	AuthzFail:                  LevelCritical,
	InputValidationFail:        slog.LevelWarn,
	ExcessRateLimitExceeded:    slog.LevelWarn,
	SessionCreated:             slog.LevelInfo,
	SessionRenewed:             slog.LevelInfo,
	SessionExpired:             slog.LevelInfo,
	UserCreated:                slog.LevelWarn,
	SysStartup:                 slog.LevelWarn,
	SysShutdown:                slog.LevelWarn,
	SysDependencyFail:          slog.LevelError,
}

// LevelCritical is the OWASP vocabulary's CRITICAL, above slog.LevelError.
const LevelCritical = slog.LevelError + 4

// Level returns the level the vocabulary gives n; Warn for names it does
// not list.
func (n Name) Level() slog.Level {
	if l, ok := levels[n]; ok {
		return l
	}
	return slog.LevelWarn
}

// Event is one security event.
type Event struct {
	// Name is what happened. Required.
	Name Name
	// Level overrides Name.Level() when non-zero. (slog.LevelInfo is zero:
	// an event reported at Info whose name defaults higher keeps the
	// higher level.)
	Level slog.Level
	// UserID is the account the event is about, when known.
	UserID string
	// ClientIP is the caller's address, when known.
	ClientIP string
	// Route is the route pattern ("POST /v1/auth/login"), not the raw
	// path, so metrics per route stay few.
	Route string
	// Reason is a short machine-readable cause ("bad_password",
	// "expired", "revoked", "missing_scope").
	Reason string
	// Attrs are further attributes; see the package doc for what is
	// cleaned.
	Attrs []slog.Attr
}

// Sink receives events. Implementations must be safe for concurrent use
// and should return quickly: they run on the request path.
type Sink interface {
	Record(ctx context.Context, e Event)
}

// SinkFunc adapts a function to [Sink].
type SinkFunc func(ctx context.Context, e Event)

// Record calls f.
func (f SinkFunc) Record(ctx context.Context, e Event) { f(ctx, e) }

// Emit cleans e and hands it to s. A nil s does nothing, so packages call
// Emit unconditionally. A panicking Sink is recovered: reporting an event
// must never break the security check that reports it.
func Emit(ctx context.Context, s Sink, e Event) {
	if s == nil || e.Name == "" {
		return
	}
	e = Clean(e)
	defer func() { _ = recover() }()
	s.Record(ctx, e)
}

// Multi returns a Sink that hands each event to every non-nil sink, in
// order.
func Multi(sinks ...Sink) Sink {
	var all []Sink
	for _, s := range sinks {
		if s != nil {
			all = append(all, s)
		}
	}
	return multi(all)
}

type multi []Sink

func (m multi) Record(ctx context.Context, e Event) {
	for _, s := range m {
		func() {
			defer func() { _ = recover() }()
			s.Record(ctx, e)
		}()
	}
}
