package ratelimit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/secevent"
)

// KeyFunc returns the key a request is counted under, such as "ip:…" or
// "user:…". It returns an error wrapping [ErrNoKey] when the request has
// none; the request is then refused, never counted under an empty key.
type KeyFunc func(r *http.Request) (string, error)

// UserKey returns a [KeyFunc] that counts requests per user. subject
// reports the authenticated user of a request, typically from the claims an
// authentication middleware put in the request context; the limiter must
// then run after that middleware. Requests without a subject (or with an
// empty one) are refused with [ErrNoKey] rather than sharing one bucket.
func UserKey(subject func(r *http.Request) (string, bool)) KeyFunc {
	return func(r *http.Request) (string, error) {
		if subject == nil {
			return "", fmt.Errorf("%w: UserKey has no subject function", ErrNoKey)
		}
		s, ok := subject(r)
		if !ok || s == "" {
			return "", fmt.Errorf("%w: request has no authenticated subject", ErrNoKey)
		}
		return "user:" + s, nil
	}
}

// Defaults for the zero values of [Config]; DefaultTimeout and
// DefaultMaxLocalKeys apply to [AttemptsConfig] too.
const (
	DefaultRate         = 2000
	DefaultPeriod       = 5 * time.Minute
	DefaultIPv6Prefix   = 64
	DefaultTimeout      = 50 * time.Millisecond
	DefaultMaxLocalKeys = 100_000
)

// Config configures a [Limiter]. The zero Config is the per-IP rate of
// the AWS WAF rule most services start with, 2,000 requests per 5 minutes
// per client address, with a burst of 2,000 (see Burst), kept in process.
type Config struct {
	// Redis holds the counters, shared by every process (every Lambda
	// execution environment) that uses the same Redis. A *redis.Client,
	// *redis.ClusterClient or *redis.Ring; each check runs one script on
	// one key, so on a cluster it touches one slot. Nil means an
	// in-process store, which limits each process on its own: right for
	// tests and single servers, useless across Lambda environments.
	Redis redis.UniversalClient

	// Rate is the number of requests allowed per Period. Zero means [DefaultRate], 2,000.
	Rate int
	// Period is the window Rate applies to, a whole number of seconds.
	// Zero means [DefaultPeriod], 5 minutes.
	Period time.Duration
	// Burst is how many requests may arrive at once after a quiet spell.
	// Zero means Rate. In the worst case a client gets Burst + Rate - 1
	// requests within one Period (a full burst, then the steady rate);
	// lower Burst for a tighter cap.
	Burst int

	// Name identifies the policy in the RateLimit fields and, unless
	// Prefix is set, in the Redis keys. Letters, digits and "-_.:" only.
	// Zero means "ip" when Key is nil and "default" otherwise. Give each
	// limiter of a chain its own name.
	Name string
	// Prefix starts every Redis key. It must not contain "{" or "}".
	// Zero means "ratelimit:" + Name + ":". Limiters that share a prefix
	// and a key share a counter.
	Prefix string

	// Key returns the key to count a request under. Nil means the client
	// address (see [Limiter.ClientIP]); [UserKey] counts per user.
	Key KeyFunc
	// TrustedProxies lists the addresses and CIDR prefixes of the proxies
	// in front of the service (CloudFront, a load balancer) whose
	// X-Forwarded-For entries may be believed. Empty (the default) means
	// X-Forwarded-For is never read, which is right behind API Gateway or
	// a Function URL, where RemoteAddr already holds the source IP the
	// Lambda adapter took from the event. A prefix of length 0
	// (0.0.0.0/0, ::/0) is refused: trusting every peer lets clients
	// choose their own address.
	TrustedProxies []string
	// IPv6Prefix is the prefix length IPv6 clients are grouped by, since
	// one subscriber usually holds a whole /64. Zero means [DefaultIPv6Prefix], 64; 128 counts
	// every address apart.
	IPv6Prefix int

	// Timeout bounds each check, including the Redis round trip, whatever
	// the client's own timeouts. Zero means [DefaultTimeout], 50 ms. Set
	// ContextTimeoutEnabled on the go-redis client so that it stops at the
	// deadline too; otherwise the abandoned call finishes in the
	// background within the client's ReadTimeout.
	Timeout time.Duration
	// OnStoreError is what a check does when Redis fails or times out.
	// Zero means [FailOpen]: the request passes and the failure is logged.
	OnStoreError FailurePolicy

	// ErrorHandler answers refused requests. Nil means [WriteError]: 429
	// with Retry-After, 503 when the store is down and the policy is
	// [FailClosed], 500 when the request has no key.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives store failures (level Warn when failing open, Error
	// when failing closed, at most one line per 10 s with a count of the
	// lines left out) and requests without a key (Error). Keys and client
	// addresses are not logged. Nil means slog.Default().
	Logger *slog.Logger
	// Events receives a security event (package secevent) for each
	// request [Limiter.Check] refuses: excess_rate_limit_exceeded with
	// the policy's Name as reason, or sys_dependency_fail (reason
	// "ratelimit_store") when the store failed and the policy is
	// FailClosed. Nil means none.
	Events secevent.Sink
	// Now is the clock of the in-process store. Redis keeps its own time
	// (the TIME command), so every environment agrees whatever its clock
	// says. Nil means time.Now.
	Now func() time.Time
	// MaxLocalKeys bounds the keys the in-process store holds, so that a
	// flood of addresses cannot exhaust memory; when it is full, checks
	// on new keys are handled by OnStoreError, and expired keys are
	// reclaimed at most once a second. Zero means [DefaultMaxLocalKeys], 100,000.
	MaxLocalKeys int
}

// Limiter counts requests per key and refuses those over the limit. A
// Limiter is safe for concurrent use; its zero value is not usable, call
// [New].
type Limiter struct {
	backend
	name    string
	keyFn   KeyFunc
	ip      clientIP
	onError func(http.ResponseWriter, *http.Request, error)
	events  secevent.Sink
	keyGate logGate // requests without a key; store failures use backend.gate
	store   rateStore
}

// New checks cfg and returns a Limiter.
func New(cfg Config) (*Limiter, error) {
	if cfg.Rate < 0 || cfg.Burst < 0 || cfg.Period < 0 || cfg.Timeout < 0 || cfg.MaxLocalKeys < 0 {
		return nil, fmt.Errorf("%w: Rate, Burst, Period, Timeout and MaxLocalKeys must not be negative", ErrInvalidConfig)
	}
	rate := cmp.Or(cfg.Rate, DefaultRate)
	period := cmp.Or(cfg.Period, DefaultPeriod)
	if period%time.Second != 0 {
		return nil, fmt.Errorf("%w: Period %v is not a whole number of seconds", ErrInvalidConfig, period)
	}
	if time.Duration(rate) > period {
		return nil, fmt.Errorf("%w: Rate %d per %v is more than one request per nanosecond", ErrInvalidConfig, rate, period)
	}
	burst := cmp.Or(cfg.Burst, rate)
	name := cfg.Name
	if name == "" {
		name = "default"
		if cfg.Key == nil {
			name = "ip"
		}
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	v6 := cmp.Or(cfg.IPv6Prefix, DefaultIPv6Prefix)
	if v6 < 1 || v6 > 128 {
		return nil, fmt.Errorf("%w: IPv6Prefix %d is not in 1..128", ErrInvalidConfig, v6)
	}
	ip, err := newClientIP(cfg.TrustedProxies, v6)
	if err != nil {
		return nil, err
	}
	l := &Limiter{name: name, keyFn: cfg.Key, ip: ip, onError: cfg.ErrorHandler, events: cfg.Events}
	err = l.backend.init(cmp.Or(cfg.Prefix, "ratelimit:"+name+":"), cfg.OnStoreError, FailOpen, cfg.Logger, cfg.Now)
	if err != nil {
		return nil, err
	}
	if l.keyFn == nil {
		l.keyFn = l.ipKey
	}
	if l.onError == nil {
		l.onError = WriteError
	}
	alg := newGCRA(rate, burst, period)
	if cfg.Redis != nil {
		l.store = newRedisRate(cfg.Redis, cmp.Or(cfg.Timeout, DefaultTimeout), alg)
	} else {
		l.store = &memRate{alg: alg, now: l.now,
			mem: newMemStore(cmp.Or(cfg.MaxLocalKeys, DefaultMaxLocalKeys), tatExpired)}
	}
	return l, nil
}

func checkName(name string) error {
	if len(name) > 64 {
		return fmt.Errorf("%w: Name is longer than 64 bytes", ErrInvalidConfig)
	}
	for _, c := range []byte(name) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return fmt.Errorf("%w: Name %q may hold only letters, digits and \"-_.:\"", ErrInvalidConfig, name)
		}
	}
	return nil
}

// ClientIP returns the address of the client that sent r: r.RemoteAddr
// (the connection's remote address, or on Lambda the event's source IP,
// which the adapter puts there), then, only if that peer is one of
// Config.TrustedProxies, the rightmost X-Forwarded-For entry that is not a
// trusted proxy. The error wraps [ErrNoKey].
//
// Use it to build keys such as account+address for [Attempts].
func (l *Limiter) ClientIP(r *http.Request) (netip.Addr, error) {
	return l.ip.addr(r)
}

func (l *Limiter) ipKey(r *http.Request) (string, error) {
	a, err := l.ip.addr(r)
	if err != nil {
		return "", err
	}
	return l.ip.key(a), nil
}

// Check counts r under the key Config.Key gives it. It returns a
// [*LimitError] ([ErrLimited]) when r is over the limit, an error wrapping
// [ErrNoKey] when r has no key, and one wrapping [ErrUnavailable] when the
// store failed and the policy is [FailClosed]. The Result is valid for
// [Result.SetHeaders] whenever it is not zero.
func (l *Limiter) Check(r *http.Request) (Result, error) {
	key, err := l.keyFn(r)
	if err == nil && key == "" {
		err = fmt.Errorf("%w: KeyFunc returned an empty key", ErrNoKey)
	}
	if err != nil {
		if !errors.Is(err, ErrNoKey) {
			err = fmt.Errorf("%w: KeyFunc: %w", ErrNoKey, err)
		}
		l.keyGate.log(r.Context(), l.log, l.now(), slog.LevelError, "ratelimit: request refused: no key",
			slog.String("policy", l.name), slog.String("error", err.Error()))
		return Result{}, err
	}
	res, err := l.Allow(r.Context(), key)
	l.report(r, err)
	return res, err
}

// report sends the security event of a request Check refused.
func (l *Limiter) report(r *http.Request, err error) {
	if err == nil || l.events == nil {
		return
	}
	e := secevent.ForRequest(r, secevent.ExcessRateLimitExceeded)
	e.Reason = l.name
	if !errors.Is(err, ErrLimited) {
		e.Name, e.Reason = secevent.SysDependencyFail, "ratelimit_store"
	}
	secevent.Emit(r.Context(), l.events, e)
}

// Allow counts one request under key. Its errors are those of
// [Limiter.Check] but [ErrNoKey]. When the store fails and the policy is
// [FailOpen], Allow returns a zero Result and a nil error.
func (l *Limiter) Allow(ctx context.Context, key string) (Result, error) {
	res, err := l.store.allow(ctx, storeKey(l.prefix, key))
	if err != nil {
		return Result{}, l.failed(ctx, "request", err, slog.String("policy", l.name))
	}
	res.Policy = l.name
	if !res.Allowed() {
		return res, &LimitError{Result: res}
	}
	return res, nil
}

// Handler returns middleware that checks every request with
// [Limiter.Check]. Requests under the limit go to next with the RateLimit
// fields set; refused ones go to Config.ErrorHandler.
func (l *Limiter) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := l.Check(r)
		if err != nil {
			l.onError(w, r, err)
			return
		}
		res.SetHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}
