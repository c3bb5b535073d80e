package secretkeys

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/secrets"
)

// Defaults of [Config].
const (
	DefaultRefreshInterval   = time.Minute
	DefaultMinLookupInterval = 10 * time.Second
	DefaultTimeout           = 5 * time.Second
)

// ErrInvalidConfig is returned by [New]; ErrInvalidSecret by [Source.Load]
// for a secret version that is not a key. Always wrapped; use errors.Is.
var (
	ErrInvalidConfig = errors.New("secretkeys: invalid config")
	ErrInvalidSecret = errors.New("secretkeys: secret is not a usable key")
)

// Config configures [New].
type Config struct {
	// Cache reads the secret. Required.
	Cache *secrets.Cache
	// SecretID is the secret's name or ARN. Required.
	SecretID string
	// RefreshInterval is how often the source rereads the secret through
	// the cache (which fetches only once its own TTL has ended). Zero
	// means one minute.
	RefreshInterval time.Duration
	// MinLookupInterval bounds the forced refetches a token with an
	// unknown key id causes: at most one per interval, shared by all
	// callers. Zero means 10 seconds.
	MinLookupInterval time.Duration
	// Timeout bounds a background reread. Zero means 5 seconds.
	Timeout time.Duration
	// Logger receives failed rereads and invalid versions. Nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// Source is a [jwtauth.KeySource] backed by a Secrets Manager secret.
// Create it with [New] and call [Source.Load] at init. It is safe for
// concurrent use.
type Source struct {
	cache       *secrets.Cache
	id          string
	every, wait time.Duration
	timeout     time.Duration
	log         *slog.Logger
	now         func() time.Time

	set        atomic.Pointer[jwtauth.KeySet]
	nextReread atomic.Int64 // unix nanoseconds
	rereading  atomic.Bool
	lookup     chan struct{} // a one-slot lock for forced refetches
	lastForced atomic.Int64  // unix nanoseconds
}

// New returns a Source. It fails with [ErrInvalidConfig] when Cache or
// SecretID is missing. It does no I/O; call [Source.Load].
func New(cfg Config) (*Source, error) {
	if cfg.Cache == nil || cfg.SecretID == "" {
		return nil, fmt.Errorf("%w: Cache and SecretID are required", ErrInvalidConfig)
	}
	s := &Source{
		cache: cfg.Cache, id: cfg.SecretID,
		every:   cmp.Or(cfg.RefreshInterval, DefaultRefreshInterval),
		wait:    cmp.Or(cfg.MinLookupInterval, DefaultMinLookupInterval),
		timeout: cmp.Or(cfg.Timeout, DefaultTimeout),
		log:     cmp.Or(cfg.Logger, slog.Default()),
		now:     cfg.Now,
		lookup:  make(chan struct{}, 1),
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Load reads the secret now and fails if its current version is not a
// usable key. Call it at init, with a deadline well inside Lambda's
// 10-second init phase.
func (s *Source) Load(ctx context.Context) error {
	return s.reread(ctx, false)
}

// Keys implements [jwtauth.KeySource]: one atomic load, plus a background
// reread once per RefreshInterval.
func (s *Source) Keys() *jwtauth.KeySet {
	if s.now().UnixNano() >= s.nextReread.Load() && s.rereading.CompareAndSwap(false, true) {
		go func() {
			defer s.rereading.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
			defer cancel()
			_ = s.reread(ctx, false)
		}()
	}
	return s.set.Load()
}

// Lookup implements [jwtauth.KeySource]: a token names a key id the
// current set lacks, which is what a rotation looks like before the cache
// has seen it. It refetches the secret, bypassing the cache's TTL, at most
// once per MinLookupInterval for all callers, and never waits past ctx.
func (s *Source) Lookup(ctx context.Context, kid string) (*jwtauth.KeySet, error) {
	if set := s.set.Load(); set.Has(kid) {
		return set, nil
	}
	select {
	case s.lookup <- struct{}{}:
	case <-ctx.Done():
		return s.set.Load(), ctx.Err()
	}
	defer func() { <-s.lookup }()
	if set := s.set.Load(); set.Has(kid) {
		return set, nil // another caller's refetch found it
	}
	now := s.now().UnixNano()
	if now-s.lastForced.Load() < int64(s.wait) {
		return s.set.Load(), nil // refetched moments ago: the kid stays unknown
	}
	s.lastForced.Store(now)
	err := s.reread(ctx, true)
	return s.set.Load(), err
}

// reread builds the key set from AWSCURRENT and AWSPREVIOUS, through the
// cache or (forced) from Secrets Manager.
func (s *Source) reread(ctx context.Context, forced bool) error {
	s.nextReread.Store(s.now().Add(s.every).UnixNano())
	get := s.cache.Get
	getPrev := func(ctx context.Context) (secrets.Secret, error) {
		return s.cache.GetStage(ctx, s.id, secrets.StagePrevious)
	}
	if forced {
		get = s.cache.Refresh
		getPrev = func(ctx context.Context) (secrets.Secret, error) {
			return s.cache.RefreshStage(ctx, s.id, secrets.StagePrevious)
		}
	}
	cur, err := get(ctx, s.id)
	if err != nil {
		return s.failed(err)
	}
	curKey, err := parseVersion(cur, true)
	if err != nil {
		s.log.Error("secretkeys: current version is not a key; keeping the previous keys",
			slog.String("secret", s.id), slog.String("version", cur.VersionID()), slog.Any("error", err))
		return err
	}
	keys := []jwtauth.Key{curKey}
	if prev, err := getPrev(ctx); err == nil {
		if k, err := parseVersion(prev, false); err == nil && k.ID != curKey.ID {
			keys = append(keys, k)
		}
	} else if !errors.Is(err, secrets.ErrNotFound) {
		s.log.Warn("secretkeys: cannot read the previous version; tokens it signed are refused until it can be read",
			slog.String("secret", s.id), slog.Any("error", err))
	}
	set, err := jwtauth.NewKeySet(keys...)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidSecret, s.id, err)
	}
	s.set.Store(set)
	return nil
}

// failed handles a failed read: a definitive answer withdraws the keys.
func (s *Source) failed(err error) error {
	if errors.Is(err, secrets.ErrNotFound) || errors.Is(err, secrets.ErrAccessDenied) || errors.Is(err, secrets.ErrDecryption) {
		s.set.Store(nil)
		s.log.Error("secretkeys: secret withdrawn; no key verifies or signs", slog.String("secret", s.id), slog.Any("error", err))
	} else {
		s.log.Warn("secretkeys: cannot reread the secret; keeping the last keys", slog.String("secret", s.id), slog.Any("error", err))
	}
	return fmt.Errorf("%w: %w", jwtauth.ErrKeySourceUnavailable, err)
}
