package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
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
	// held; the least recently used (to the millisecond) is evicted first.
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

	// Now is the clock, for tests. Nil means the monotonic clock that
	// time.Now reads, so that wall clock steps neither expire nor extend
	// values.
	Now func() time.Time

	// Logger receives failed fetches (Warn, at most one per backoff
	// period), fetches and stale values served (Debug). Values are never
	// logged. Nil means slog.Default(). To silence it, pass
	// slog.New(slog.DiscardHandler).
	Logger *slog.Logger

	// Metrics receives cache events. The zero value records nothing.
	Metrics Metrics
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

	// entries is replaced, never modified: readers load it without locking.
	// New keys are rare (a fetch per key), so the copy on write is cheap
	// next to the network call that comes with it. mu serialises writers.
	mu      sync.Mutex
	entries atomic.Pointer[table]
}

// table is an immutable snapshot of the cache's entries, by secret id, so
// that the common lookup (AWSCURRENT) hashes the id alone.
type table struct {
	byID map[string]*group
	n    int // entries in all groups
}

// group holds the entries of one secret id. It is immutable too.
type group struct {
	current *entry         // AWSCURRENT
	others  map[key]*entry // other stages and version ids
}

func isCurrent(k key) bool { return k.version == "" && k.stage == StageCurrent }

func (t *table) lookup(k key) *entry {
	g := t.byID[k.id]
	switch {
	case g == nil:
		return nil
	case isCurrent(k):
		return g.current
	}
	return g.others[k]
}

func (g *group) size() int {
	n := len(g.others)
	if g.current != nil {
		n++
	}
	return n
}

// with returns a copy of g with e added, or replacing old, or without old
// if e is nil.
func (g *group) with(k key, e *entry) *group {
	ng := &group{}
	if g == nil {
		g = &group{}
	}
	ng.current = g.current
	if len(g.others) > 0 || (e != nil && !isCurrent(k)) {
		ng.others = make(map[key]*entry, len(g.others)+1)
		for k, e := range g.others {
			ng.others[k] = e
		}
	}
	switch {
	case isCurrent(k):
		ng.current = e
	case e == nil:
		delete(ng.others, k)
	default:
		ng.others[k] = e
	}
	return ng
}

// instant is a reading of the cache's clock, in nanoseconds since the cache
// was created. Without Config.Now it is monotonic, so wall clock steps do
// not expire or extend values, and costs one clock read.
type instant int64

const never instant = math.MaxInt64

func (c *Cache) clock() instant {
	if c.nowFn == nil {
		return instant(time.Since(c.epoch))
	}
	return instant(c.nowFn().Sub(c.epoch))
}

func (t instant) add(d time.Duration) instant {
	if t > never-instant(d) {
		return never
	}
	return t + instant(d)
}

// key identifies one cached value. Exactly one of stage and version is set.
type key struct {
	id, stage, version string
}

// entry holds the cached state of one key. Readers load state without
// locking; mu serialises the writers and the start of fetches.
type entry struct {
	key      key
	state    atomic.Pointer[state]
	lastUsed atomic.Int64 // instant of the last use, for LRU

	mu   sync.Mutex
	call *call // the fetch in flight, if any
}

// state is an immutable snapshot of an entry.
type state struct {
	secret     Secret
	has        bool    // secret holds a fetched value
	freshUntil instant // never for version ids, which are immutable
	staleUntil instant // may be served until then if refreshing fails

	err      error // the last fetch's error, if it failed
	failures int   // consecutive failed fetches
	retryAt  instant
}

// call is one GetSecretValue in flight. secret and err are set before done
// is closed.
type call struct {
	done   chan struct{}
	secret Secret
	err    error
}

// New returns a Cache configured by cfg, or an error if cfg is invalid.
func New(cfg Config) (*Cache, error) {
	if cfg.Client == nil {
		return nil, errors.New("secrets: Config.Client is required")
	}
	c := &Cache{
		client:       cfg.Client,
		ttl:          orDefault(cfg.TTL, DefaultTTL),
		maxStale:     orDefault(cfg.MaxStale, DefaultMaxStale),
		maxEntries:   cfg.MaxEntries,
		fetchTimeout: orDefault(cfg.FetchTimeout, DefaultFetchTimeout),
		minBackoff:   orDefault(cfg.MinBackoff, DefaultMinBackoff),
		maxBackoff:   orDefault(cfg.MaxBackoff, DefaultMaxBackoff),
		nowFn:        cfg.Now,
		log:          cfg.Logger,
		metrics:      cfg.Metrics,
	}
	c.entries.Store(&table{byID: map[string]*group{}})
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"TTL", cfg.TTL}, {"MaxStale", cfg.MaxStale}, {"FetchTimeout", cfg.FetchTimeout}, {"MinBackoff", cfg.MinBackoff}, {"MaxBackoff", cfg.MaxBackoff}} {
		if d.v < 0 {
			return nil, fmt.Errorf("secrets: Config.%s must not be negative", d.name)
		}
	}
	if cfg.NoStale {
		c.maxStale = 0
	}
	if c.maxEntries < 0 {
		return nil, errors.New("secrets: Config.MaxEntries must not be negative")
	}
	if c.maxEntries == 0 {
		c.maxEntries = DefaultMaxEntries
	}
	if c.minBackoff > c.maxBackoff {
		return nil, errors.New("secrets: Config.MinBackoff must not exceed Config.MaxBackoff")
	}
	if c.nowFn == nil {
		c.epoch = time.Now()
	} else {
		c.epoch = c.nowFn()
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
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
	e.mu.Lock()
	cl, leader := e.call, e.call == nil
	if leader {
		cl = c.register(e)
	}
	e.mu.Unlock()
	if leader {
		c.run(ctx, e, cl)
	}
	return c.wait(ctx, e, cl, false)
}

// Invalidate drops every cached version and stage of the secret id, along
// with any backoff, so that the next Get fetches it. It does not fetch.
func (c *Cache) Invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.entries.Load()
	g := old.byID[id]
	if g == nil {
		return
	}
	t := &table{byID: make(map[string]*group, len(old.byID)), n: old.n - g.size()}
	for gid, g := range old.byID {
		if gid != id {
			t.byID[gid] = g
		}
	}
	c.entries.Store(t)
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

// get is the read path.
func (c *Cache) get(ctx context.Context, k key) (Secret, error) {
	now := c.clock()
	e := c.entries.Load().lookup(k)
	if e != nil {
		if st := e.state.Load(); st != nil && st.has && now < st.freshUntil {
			e.touch(now)
			if c.metrics.Hit != nil {
				c.metrics.Hit(k.id)
			}
			return st.secret, nil
		}
	}
	if err := checkID(k); err != nil {
		return Secret{}, err
	}
	return c.miss(ctx, k, e, now)
}

func (c *Cache) miss(ctx context.Context, k key, e *entry, now instant) (Secret, error) {
	if e == nil {
		e = c.entry(k)
	}
	e.touch(now)
	e.mu.Lock()
	st := e.state.Load()
	switch {
	case st != nil && st.has && now < st.freshUntil:
		// Fetched while we were getting here.
		e.mu.Unlock()
		if c.metrics.Hit != nil {
			c.metrics.Hit(k.id)
		}
		return st.secret, nil
	case st != nil && st.err != nil && now < st.retryAt && e.call == nil:
		// Backing off after a failure: answer from the cache.
		e.mu.Unlock()
		if s, ok := c.stale(st, now); ok {
			return s, nil
		}
		return Secret{}, st.err
	}
	cl, leader := e.call, e.call == nil
	if leader {
		if ctx.Err() != nil {
			// A caller that has given up does not start network calls.
			e.mu.Unlock()
			return c.gaveUp(ctx, e, true)
		}
		cl = c.register(e)
	}
	e.mu.Unlock()
	if c.metrics.Miss != nil {
		c.metrics.Miss(k.id)
	}
	if leader {
		c.run(ctx, e, cl)
	}
	return c.wait(ctx, e, cl, true)
}

// wait waits for cl or for ctx to end. allowStale lets it fall back on a
// stale value when the fetch fails or the caller gives up.
func (c *Cache) wait(ctx context.Context, e *entry, cl *call, allowStale bool) (Secret, error) {
	select {
	case <-cl.done:
		if cl.err == nil {
			return cl.secret, nil
		}
		if allowStale {
			if s, ok := c.stale(e.state.Load(), c.clock()); ok {
				return s, nil
			}
		}
		return Secret{}, cl.err
	case <-ctx.Done():
		return c.gaveUp(ctx, e, allowStale)
	}
}

// gaveUp answers a caller whose ctx ended before the value came.
func (c *Cache) gaveUp(ctx context.Context, e *entry, allowStale bool) (Secret, error) {
	if allowStale {
		if s, ok := c.stale(e.state.Load(), c.clock()); ok {
			return s, nil
		}
	}
	return Secret{}, fmt.Errorf("secrets: get %s: %w", e.key, context.Cause(ctx))
}

// stale returns st's value if it may still be served past its TTL: within
// MaxStale, and unless Secrets Manager's last answer was a definitive one.
func (c *Cache) stale(st *state, now instant) (Secret, bool) {
	if st == nil || !st.has || now >= st.staleUntil || definitive(st.err) {
		return Secret{}, false
	}
	age := time.Duration(now - st.freshUntil)
	if c.metrics.StaleServed != nil {
		c.metrics.StaleServed(st.secret.id, age)
	}
	if c.log.Enabled(context.Background(), slog.LevelDebug) { // during an outage this is every Get
		c.log.Debug("secrets: serving stale value", "secret", st.secret.id, "version_id", st.secret.versionID, "expired_ago", age, "error", st.err)
	}
	return st.secret, true
}

// definitive reports whether err is Secrets Manager's considered answer
// rather than an outage: the secret is gone or scheduled for deletion, or
// access to it or its key was revoked. Those fail closed at once instead of
// serving the stale value: someone meant to cut the value off.
func definitive(err error) bool {
	return err != nil && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrAccessDenied) ||
		errors.Is(err, ErrDecryption) || errors.Is(err, ErrInvalidRequest))
}

// register records a new fetch for e. e.mu must be held; once it is
// released, the caller starts the fetch with run.
func (c *Cache) register(e *entry) *call {
	cl := &call{done: make(chan struct{})}
	e.call = cl
	return cl
}

// run starts the registered fetch cl. The fetch keeps ctx's values (trace
// ids) but not its cancellation: other callers may be waiting for it. A
// caller whose ctx can never end cannot give up waiting, so it runs the
// fetch itself and saves a goroutine hand-off; any other caller runs it in
// a goroutine it can walk away from.
func (c *Cache) run(ctx context.Context, e *entry, cl *call) {
	fctx := context.WithoutCancel(ctx)
	if ctx.Done() == nil {
		c.fetch(fctx, e, cl)
		return
	}
	go c.fetch(fctx, e, cl)
}

func (c *Cache) fetch(ctx context.Context, e *entry, cl *call) {
	ctx, cancel := context.WithTimeout(ctx, c.fetchTimeout)
	defer cancel()
	k := e.key
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(k.id)}
	if k.version != "" {
		in.VersionId = aws.String(k.version)
	} else {
		in.VersionStage = aws.String(k.stage)
	}
	start := c.clock()
	out, err := c.call(ctx, in, k)
	now := c.clock()
	took := time.Duration(now - start)

	e.mu.Lock()
	old := e.state.Load()
	st := &state{}
	if err == nil {
		s := secretFrom(k.id, out)
		*st = state{secret: s, has: true, freshUntil: never, staleUntil: never}
		if k.version == "" { // versions are immutable: no TTL
			st.freshUntil = now.add(c.ttl - jitter(c.ttl/10))
			st.staleUntil = st.freshUntil.add(c.maxStale)
		}
		cl.secret = s
	} else {
		if old != nil {
			*st = *old
		}
		st.err = err
		st.failures++
		st.retryAt = now.add(c.backoff(st.failures))
		if definitive(err) {
			// Secrets Manager said the value is gone or off limits: stop
			// serving it, even within its TTL (a Refresh can get here
			// before the TTL ends).
			st.secret, st.has = Secret{}, false
		}
		cl.err = err
	}
	e.state.Store(st)
	e.call = nil
	e.mu.Unlock()

	// Report before waking the waiters, so that an event is recorded by the
	// time anyone sees its outcome; wake them even if a hook or the logger
	// panics, or they would wait for ever.
	defer close(cl.done)
	if err == nil {
		if c.metrics.Refresh != nil {
			c.metrics.Refresh(k.id, took)
		}
		c.log.Debug("secrets: fetched", "secret", k.id, "version_id", st.secret.versionID, "took", took)
	} else {
		if c.metrics.RefreshError != nil {
			c.metrics.RefreshError(k.id, err)
		}
		c.log.Warn("secrets: fetch failed", "secret", k.id, "failures", st.failures, "retry_in", time.Duration(st.retryAt-now), "error", err)
	}
}

// call runs the client, turning a panic into an error.
func (c *Cache) call(ctx context.Context, in *secretsmanager.GetSecretValueInput, k key) (out *secretsmanager.GetSecretValueOutput, err error) {
	defer func() {
		if recover() != nil {
			out, err = nil, panicError(k)
		}
	}()
	out, err = c.client.GetSecretValue(ctx, in)
	if err != nil {
		return nil, fetchError(k, err)
	}
	if out == nil {
		return nil, fmt.Errorf("%w: get %s: empty response", ErrUnavailable, k)
	}
	return out, nil
}

// backoff is the wait after the n-th consecutive failure: MinBackoff
// doubling up to MaxBackoff, less up to a fifth as jitter.
func (c *Cache) backoff(n int) time.Duration {
	d := c.minBackoff
	for i := 1; i < n && d < c.maxBackoff; i++ {
		if d > c.maxBackoff/2 { // doubling would pass the cap, or overflow
			d = c.maxBackoff
			break
		}
		d *= 2
	}
	return d - jitter(d/5)
}

// jitter is a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// entry returns the entry for k, creating it (and evicting the least
// recently used entry if the cache is full).
func (c *Cache) entry(k key) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.entries.Load()
	if e := old.lookup(k); e != nil {
		return e
	}
	t := &table{byID: make(map[string]*group, len(old.byID)+1), n: old.n + 1}
	for id, g := range old.byID {
		t.byID[id] = g
	}
	if old.n >= c.maxEntries {
		var victim *entry
		for _, g := range old.byID {
			for _, e := range g.all() {
				if victim == nil || e.lastUsed.Load() < victim.lastUsed.Load() {
					victim = e
				}
			}
		}
		vk := victim.key
		if ng := t.byID[vk.id].with(vk, nil); ng.size() > 0 {
			t.byID[vk.id] = ng
		} else {
			delete(t.byID, vk.id)
		}
		t.n--
	}
	e := &entry{key: k}
	e.lastUsed.Store(int64(c.clock()))
	t.byID[k.id] = t.byID[k.id].with(k, e)
	c.entries.Store(t)
	return e
}

// all lists g's entries.
func (g *group) all() []*entry {
	es := make([]*entry, 0, g.size())
	if g.current != nil {
		es = append(es, g.current)
	}
	for _, e := range g.others {
		es = append(es, e)
	}
	return es
}

// touch records a use for LRU, to the millisecond: it skips the write
// within a millisecond of the last one, so that parallel hits on one key do
// not fight over its cache line.
func (e *entry) touch(now instant) {
	if t := int64(now); t-e.lastUsed.Load() >= int64(time.Millisecond) {
		e.lastUsed.Store(t)
	}
}

func secretFrom(id string, out *secretsmanager.GetSecretValueOutput) Secret {
	s := Secret{
		id:        id,
		name:      aws.ToString(out.Name),
		arn:       aws.ToString(out.ARN),
		versionID: aws.ToString(out.VersionId),
		stages:    append([]string(nil), out.VersionStages...),
		created:   aws.ToTime(out.CreatedDate),
	}
	switch {
	case out.SecretString != nil:
		s.v = &value{s: *out.SecretString}
	case out.SecretBinary != nil:
		s.v = &value{s: string(out.SecretBinary), binary: true}
	default:
		s.v = &value{}
	}
	return s
}
