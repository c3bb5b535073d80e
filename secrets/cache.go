package secrets

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lambdasec/lambdasec/secevent"
)

// Version stages that Secrets Manager manages. Any other label attached to a
// version can be requested too.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// Defaults for the zero values of [Config].
const (
	DefaultTTL          = 5 * time.Minute
	DefaultMaxStale     = 15 * time.Minute
	DefaultMaxEntries   = 1024
	DefaultFetchTimeout = 10 * time.Second
	DefaultMinBackoff   = time.Second
	DefaultMaxBackoff   = time.Minute
)

// Client is the one Secrets Manager operation the cache uses.
// *secretsmanager.Client satisfies it, as do [Static] and test fakes.
type Client interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Config configures a [Cache]. Only Client is required.
type Config struct {
	// Client fetches secrets. Required: New never creates an AWS client
	// behind the caller's back. Pass secretsmanager.NewFromConfig(cfg), or
	// [Static] for local runs and tests.
	Client Client

	// TTL is how long a fetched value is served without asking Secrets
	// Manager again. Each value expires at a random point in the last tenth
	// of its TTL, so that values fetched together, and execution
	// environments started together, do not refresh in lockstep. Zero means
	// 5 minutes. Values requested by version id never change and are kept
	// until evicted or invalidated.
	//
	// A hit reads no clock: the TTL ends on a runtime timer, which can fire
	// a little late when the process is busy or has just been thawed, so a
	// value may be served for a moment past its TTL. With Now set, hits
	// read that clock instead.
	TTL time.Duration

	// MaxStale is how long past its TTL a value may still be served while
	// Secrets Manager is throttling, failing or unreachable. After that, the
	// error is returned. Definitive answers ([ErrNotFound],
	// [ErrAccessDenied], [ErrDecryption], [ErrInvalidRequest]) are returned
	// at once, never papered over with a stale value: someone deleted the
	// secret or revoked access on purpose. Zero means 15 minutes; set
	// NoStale to never serve a stale value.
	MaxStale time.Duration

	// NoStale turns off serving stale values: a failed refresh returns its
	// error as soon as the TTL has passed.
	NoStale bool

	// MaxEntries bounds the number of (secret, stage or version) values
	// held; the least recently used is evicted first.
	// Zero means 1024. Hits cost the same at any size, but adding an entry
	// copies the index and, when full, scans it for the victim, so it
	// costs time in proportion to MaxEntries: keep it in the thousands,
	// and do not let request input choose secret ids.
	MaxEntries int

	// FetchTimeout bounds each GetSecretValue call, SDK retries included.
	// The call runs under its own deadline, apart from the contexts of the
	// callers waiting for it, so a caller that gives up does not cancel it
	// for the others. Zero means 10 seconds.
	FetchTimeout time.Duration

	// MinBackoff and MaxBackoff bound the wait after a failed fetch before
	// the cache asks Secrets Manager again: MinBackoff after the first
	// failure, doubling (with jitter) up to MaxBackoff. Meanwhile callers
	// get the stale value or the cached error at once. [Cache.Refresh] and
	// [Cache.Invalidate] skip the wait. Zero means 1 second and 1 minute.
	MinBackoff, MaxBackoff time.Duration

	// Now is the clock, for tests; every hit then reads it. Nil means the
	// monotonic clock that time.Now reads, so that wall clock steps
	// neither expire nor extend values.
	Now func() time.Time

	// Logger receives failed fetches (Warn, at most one per backoff
	// period), fetches and stale values served (Debug). Values are never
	// logged. Nil means slog.Default(). To silence it, pass
	// slog.New(slog.DiscardHandler).
	Logger *slog.Logger

	// Metrics receives cache events. The zero value records nothing.
	Metrics Metrics

	// Events receives a sys_dependency_fail security event (package
	// secevent, reason "secrets_manager", with the secret id as "name" and the
	// count of failures in a row) for each failed fetch, so an outage of
	// Secrets Manager, or a lost permission, reaches the same alarms as
	// the other security checks. Values are never included. Nil means
	// none.
	Events secevent.Sink
}

// Metrics are optional hooks for cache events, for counters in CloudWatch
// EMF, Prometheus or anything else. Nil fields are skipped. Hooks run
// synchronously on the goroutine that caused the event, so they must be fast
// and safe for concurrent use, and must not panic: Refresh and RefreshError
// may run on a goroutine of the cache's own, where a panic ends the
// process. id is the secret id as requested.
type Metrics struct {
	// Hit: a fresh value was served from the cache.
	Hit func(id string)
	// Miss: no fresh value was cached (none yet, or past its TTL), so the
	// caller waits for a fetch, its own or one already in flight.
	Miss func(id string)
	// Refresh: a GetSecretValue call succeeded after took.
	Refresh func(id string, took time.Duration)
	// RefreshError: a GetSecretValue call failed.
	RefreshError func(id string, err error)
	// StaleServed: a value past its TTL was served, age past expiry,
	// because fetching a new one failed or is backing off.
	StaleServed func(id string, age time.Duration)
}

// Cache is an in-memory cache of Secrets Manager secrets, meant to live for
// the whole life of a Lambda execution environment: create it once, at
// init, and share it.
//
// A Cache is safe for concurrent use. Its zero value is not usable; call
// [New].
type Cache struct {
	client       Client
	ttl          time.Duration
	maxStale     time.Duration
	maxEntries   int
	fetchTimeout time.Duration
	minBackoff   time.Duration
	maxBackoff   time.Duration
	nowFn        func() time.Time // nil: the monotonic clock
	epoch        time.Time        // clock readings count from here
	log          *slog.Logger
	metrics      Metrics
	events       secevent.Sink

	// entries is replaced, never modified: readers load it without locking.
	// New keys are rare (a fetch per key), so the copy on write is cheap
	// next to the network call that comes with it. mu serialises writers.
	mu      sync.Mutex
	entries atomic.Pointer[table]

	uses atomic.Int64 // the latest LRU stamp; see touch
}

// New returns a Cache configured by cfg, or an error wrapping
// [ErrInvalidConfig] if cfg is invalid.
func New(cfg Config) (*Cache, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	c := &Cache{
		client:       cfg.Client,
		ttl:          cmp.Or(cfg.TTL, DefaultTTL),
		maxStale:     cmp.Or(cfg.MaxStale, DefaultMaxStale),
		maxEntries:   cmp.Or(cfg.MaxEntries, DefaultMaxEntries),
		fetchTimeout: cmp.Or(cfg.FetchTimeout, DefaultFetchTimeout),
		minBackoff:   cmp.Or(cfg.MinBackoff, DefaultMinBackoff),
		maxBackoff:   cmp.Or(cfg.MaxBackoff, DefaultMaxBackoff),
		nowFn:        cfg.Now,
		log:          cmp.Or(cfg.Logger, slog.Default()),
		metrics:      cfg.Metrics,
		events:       cfg.Events,
	}
	if cfg.NoStale {
		c.maxStale = 0
	}
	if c.minBackoff > c.maxBackoff {
		return nil, fmt.Errorf("%w: MinBackoff must not exceed MaxBackoff", ErrInvalidConfig)
	}
	if c.nowFn == nil {
		c.epoch = time.Now()
	} else {
		c.epoch = c.nowFn()
	}
	c.publish(&table{byID: map[string]*group{}})
	return c, nil
}

// check refuses a Config that New cannot use.
func (cfg *Config) check() error {
	if cfg.Client == nil {
		return fmt.Errorf("%w: Client is required", ErrInvalidConfig)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"TTL", cfg.TTL}, {"MaxStale", cfg.MaxStale}, {"FetchTimeout", cfg.FetchTimeout}, {"MinBackoff", cfg.MinBackoff}, {"MaxBackoff", cfg.MaxBackoff}} {
		if d.v < 0 {
			return fmt.Errorf("%w: %s must not be negative", ErrInvalidConfig, d.name)
		}
	}
	if cfg.MaxEntries < 0 {
		return fmt.Errorf("%w: MaxEntries must not be negative", ErrInvalidConfig)
	}
	return nil
}

// Get returns the current version (AWSCURRENT) of the secret id, a name or
// an ARN, from the cache or, when it is missing or past its TTL, from
// Secrets Manager.
//
// Concurrent calls for a value that is not cached share one GetSecretValue
// call. A caller whose ctx ends stops waiting at once and gets ctx's error
// (or, if it has one, the stale value); the fetch goes on for the others
// under its own deadline ([Config.FetchTimeout]).
//
// When the fetch fails because Secrets Manager is throttling, failing or
// unreachable, Get returns the previous value if it expired less than
// [Config.MaxStale] ago. Otherwise it returns the error, which wraps the
// SDK's error and, for the failures Secrets Manager names, one of
// [ErrNotFound], [ErrAccessDenied], [ErrDecryption], [ErrThrottled],
// [ErrInvalidRequest] or [ErrUnavailable]. An error that fits none of them
// (a custom Client's own error, or the SDK failing to load AWS
// credentials) is wrapped without a sentinel and treated as an outage.
// Until the
// backoff after a failure has passed, Get answers from the cache (the stale
// value or the same error) without calling Secrets Manager.
func (c *Cache) Get(ctx context.Context, id string) (Secret, error) {
	// The hit path, inlined here for the common stage: one atomic load of
	// the index, one map lookup, one atomic load of the state, and no
	// clock read (see Config.TTL) or lock.
	if e := c.entries.Load().current(id); e != nil {
		if st := c.hitState(e); st != nil {
			c.hit(e)
			return st.secret, nil
		}
	}
	return c.get(ctx, key{id: id, stage: StageCurrent})
}

// GetStage is [Cache.Get] for the version carrying the staging label stage,
// such as [StagePending] or [StagePrevious]. An empty stage means
// [StageCurrent].
func (c *Cache) GetStage(ctx context.Context, id, stage string) (Secret, error) {
	if stage == "" {
		stage = StageCurrent
	}
	return c.get(ctx, key{id: id, stage: stage})
}

// GetVersion is [Cache.Get] for the version with the given version id.
// Versions are immutable, so it is cached without a TTL.
func (c *Cache) GetVersion(ctx context.Context, id, versionID string) (Secret, error) {
	if versionID == "" {
		return Secret{}, fmt.Errorf("%w: get %q: empty version id", ErrInvalidRequest, id)
	}
	return c.get(ctx, key{id: id, version: versionID})
}

// Refresh fetches the current version of the secret id now, whatever its
// TTL or backoff, and caches it. Call it when the cached value proved wrong,
// for example when a database rejects the password after a rotation; then
// compare [Secret.VersionID] with the old one to tell whether the secret
// changed. A Refresh while a fetch of the same value is in flight waits for
// that fetch rather than starting another; beyond that, Refresh calls are
// not rate-limited, so call it when a value is rejected, not in a loop. It
// never serves a stale value: a failed fetch returns its error. After a
// definitive answer ([ErrNotFound], [ErrAccessDenied], [ErrDecryption],
// [ErrInvalidRequest]) the cached value is dropped, so Get stops serving
// it too, even within its TTL; after an outage Get keeps serving it within
// TTL and MaxStale.
func (c *Cache) Refresh(ctx context.Context, id string) (Secret, error) {
	return c.RefreshStage(ctx, id, StageCurrent)
}

// RefreshStage is [Cache.Refresh] for the version carrying the staging
// label stage, for example [StagePending] during a rotation.
func (c *Cache) RefreshStage(ctx context.Context, id, stage string) (Secret, error) {
	if stage == "" {
		stage = StageCurrent
	}
	k := key{id: id, stage: stage}
	if err := checkID(k); err != nil {
		return Secret{}, err
	}
	if err := ctx.Err(); err != nil {
		return Secret{}, fmt.Errorf("secrets: refresh %s: %w", k, context.Cause(ctx))
	}
	e := c.entry(k)
	return c.wait(ctx, e, c.join(ctx, e), false)
}

// Invalidate drops every cached version and stage of the secret id, along
// with any backoff, so that the next Get fetches it. It does not fetch.
func (c *Cache) Invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.entries.Load()
	if g := old.byID[id]; g != nil {
		c.publish(old.without(id))
		for _, e := range g.all() {
			e.retire()
		}
	}
}

// Prefetch gets the current version of each of ids concurrently and caches
// them, for a Lambda function's init phase. It returns when all are done or
// ctx ends, with the errors of those that failed joined. Give ctx a
// deadline well inside the init phase's limit.
func (c *Cache) Prefetch(ctx context.Context, ids ...string) error {
	errs := make([]error, len(ids))
	sem := make(chan struct{}, 16) // bounds the connections opened at once
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
				_, errs[i] = c.Get(ctx, id)
			case <-ctx.Done():
				errs[i] = fmt.Errorf("secrets: prefetch %q: %w", id, context.Cause(ctx))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func checkID(k key) error {
	if k.id == "" {
		return fmt.Errorf("%w: empty secret id", ErrInvalidRequest)
	}
	return nil
}
