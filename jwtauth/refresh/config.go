package refresh

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/internal/redisx"
	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/secevent"
)

// Defaults for the zero values of [Config].
const (
	DefaultPrefix      = "refresh"
	DefaultLifetime    = 30 * 24 * time.Hour
	DefaultIdleTimeout = 7 * 24 * time.Hour
	DefaultTimeout     = 250 * time.Millisecond
	// MaxGracePeriod bounds Config.GracePeriod: a retry comes within
	// seconds, and a longer window is a longer window for a thief.
	MaxGracePeriod = time.Minute
)

// Config configures a [Store]. Every zero value means the documented
// default; Client and Authenticator are required. [New] copies the
// Config, so later changes to it have no effect.
type Config struct {
	// Client is any go-redis client: *redis.Client, *redis.ClusterClient
	// or a Sentinel failover client. Required. Point it at the primary:
	// an exchange writes, and a replica may lag behind a rotation.
	Client redis.UniversalClient
	// Authenticator issues the access tokens (with the family in their
	// fid claim) and revokes them with their family. Required, with a
	// Revoker: without one, revoking a family could not refuse the access
	// tokens it already issued.
	Authenticator *jwtauth.Authenticator
	// Prefix starts every key. Zero means "refresh". It may not contain
	// '{' or '}' (see redisrevoker.Config.Prefix).
	Prefix string
	// Lifetime is the absolute lifetime of a family, counted from the
	// login; rotation never extends it. Zero means 30 days.
	Lifetime time.Duration
	// IdleTimeout ends a family not used for this long. Zero means 7
	// days; it may not exceed Lifetime.
	IdleTimeout time.Duration
	// GracePeriod lets the previous refresh token be presented again for
	// this long after it was exchanged, answering with the same pair as
	// the first time, for a client whose answer was lost. Only the
	// immediately previous token qualifies, only while its family is
	// active, and only the pair already issued is returned (no new
	// branch). Zero means off: any second use revokes the family. At most
	// one minute.
	GracePeriod time.Duration
	// Timeout bounds each store call. Zero means 250 ms. A store that
	// fails or is slower refuses the exchange ([ErrUnavailable]).
	Timeout time.Duration
	// Events receives session_created, session_renewed, session_expired
	// and authn_token_reuse. Nil means none are reported.
	Events secevent.Sink
	// Logger receives store failures. Nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Rand is the source of tokens. Nil means crypto/rand.
	Rand io.Reader
}

// Store issues, rotates and revokes refresh tokens in Redis. Create it
// with [New]; the zero value is not usable. It is safe for concurrent use.
type Store struct {
	redis    redisx.Caller
	auth     *jwtauth.Authenticator
	prefix   string
	life     time.Duration
	idle     time.Duration
	grace    time.Duration
	events   secevent.Sink
	log      *slog.Logger
	now      func() time.Time
	rand     io.Reader
	exchange *redis.Script
	revoke   *redis.Script
	mark     *redis.Script
}

// New validates cfg and returns a Store. It fails with [ErrInvalidConfig]
// for a missing client or Authenticator, a brace in the prefix, or a
// duration out of range.
func New(cfg Config) (*Store, error) {
	s := &Store{
		auth:     cfg.Authenticator,
		prefix:   cmp.Or(cfg.Prefix, DefaultPrefix),
		life:     cmp.Or(cfg.Lifetime, DefaultLifetime),
		idle:     cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout),
		grace:    cfg.GracePeriod,
		events:   cfg.Events,
		log:      cmp.Or(cfg.Logger, slog.Default()),
		now:      cfg.Now,
		rand:     cmp.Or(cfg.Rand, rand.Reader),
		exchange: redis.NewScript(exchangeScript),
		revoke:   redis.NewScript(revokeScript),
		mark:     redis.NewScript(redisx.RaiseScript), // the subject mark only moves forward
	}
	if s.now == nil {
		s.now = time.Now
	}
	timeout := cmp.Or(cfg.Timeout, DefaultTimeout)
	switch {
	case cfg.Client == nil:
		return nil, fmt.Errorf("%w: Client is required", ErrInvalidConfig)
	case cfg.Authenticator == nil:
		return nil, fmt.Errorf("%w: Authenticator is required", ErrInvalidConfig)
	case s.life < time.Minute || s.idle < time.Second || s.idle > s.life:
		return nil, fmt.Errorf("%w: Lifetime must be at least a minute and IdleTimeout between 1s and Lifetime", ErrInvalidConfig)
	case s.grace < 0 || s.grace > MaxGracePeriod:
		return nil, fmt.Errorf("%w: GracePeriod must be between 0 and %v", ErrInvalidConfig, MaxGracePeriod)
	case timeout < 0:
		return nil, fmt.Errorf("%w: negative Timeout", ErrInvalidConfig)
	}
	if err := redisx.CheckPrefix(cfg.Prefix); err != nil {
		return nil, fmt.Errorf("%w: Prefix: %w", ErrInvalidConfig, err)
	}
	// With empty arguments RevokeFamily does no I/O: it only says whether
	// there is a Revoker at all.
	if errors.Is(cfg.Authenticator.RevokeFamily(context.Background(), "", ""), jwtauth.ErrNoRevoker) {
		return nil, fmt.Errorf("%w: the Authenticator has no Revoker", ErrInvalidConfig)
	}
	s.redis = redisx.NewCaller(cfg.Client, timeout)
	return s, nil
}
