package jwks

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for the zero values of [Config].
const (
	DefaultRefreshInterval   = 15 * time.Minute
	DefaultMinLookupInterval = 10 * time.Second
	DefaultMaxStale          = 24 * time.Hour
	DefaultTimeout           = 5 * time.Second
	DefaultMaxSize           = 1 << 20
	maxRedirects             = 5
	maxKeys                  = 100
)

// Errors of the package. Always wrapped; use errors.Is.
var (
	// ErrInvalidConfig is returned by [New], [NewIssuers] and
	// [NewCognito] for an unusable setting.
	ErrInvalidConfig = errors.New("jwks: invalid config")
	// ErrFetch means a discovery document or key set could not be
	// fetched: network error, timeout, status other than 200, a body
	// over Config.MaxSize, or a redirect to another origin. Returned by
	// [Source.Load] and [Source.Lookup].
	ErrFetch = errors.New("jwks: fetch failed")
	// ErrDiscovery means the discovery document is unusable: not JSON,
	// an issuer other than the configured one, or a jwks_uri that is not
	// https. Returned by [Source.Load] and [Source.Lookup].
	ErrDiscovery = errors.New("jwks: discovery document invalid")
	// ErrInvalidKeySet means the key set is not a JWK Set, holds more
	// than 100 keys, or gives two usable keys the same kid. Returned by
	// [Source.Load], [Source.Lookup] and [ParseKeySet].
	ErrInvalidKeySet = errors.New("jwks: key set invalid")
	// ErrStale means the keys are older than Config.MaxStale and a
	// refetch failed, so no key verifies. Returned by [Source.Lookup].
	ErrStale = errors.New("jwks: keys too old")
)

// Config configures [New]: the keys of one issuer.
type Config struct {
	// Issuer is the issuer identifier, an https URL exactly as tokens
	// carry it in iss. Required. The discovery document is read from
	// Issuer + "/.well-known/openid-configuration" (OpenID Connect
	// Discovery 1.0 §4), and its issuer member must equal Issuer.
	Issuer string
	// JWKSURI, when set, is the https URL of the key set, and no
	// discovery document is read. Zero means discovery.
	JWKSURI string

	// Client makes the requests. Nil means a client with the system's
	// root CAs. Its redirect policy is replaced by one that follows only
	// same-origin redirects; set its Transport to trust a private CA.
	// Plain http is refused whatever the client.
	Client *http.Client
	// Timeout bounds each fetch (discovery and key set each). Zero means
	// 5 seconds.
	Timeout time.Duration
	// MaxSize caps each response body in bytes. Zero means 1 MiB.
	MaxSize int64

	// RefreshInterval is how often the key set is refetched in the
	// background, started by a verification that finds it due. Zero
	// means 15 minutes. After a failed refetch the next one is due after
	// MinLookupInterval.
	RefreshInterval time.Duration
	// MinLookupInterval bounds the refetches that tokens with an unknown
	// kid cause: at most one per interval, shared by all goroutines (a
	// penalty window). Zero means 10 seconds.
	MinLookupInterval time.Duration
	// MaxStale is how long keys are served after the last successful
	// fetch while the endpoint fails. Past it no key verifies (fail
	// closed) until a fetch succeeds. Zero means 24 hours.
	MaxStale time.Duration

	// Logger receives failed fetches and refused keys. Nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// settings is a validated Config.
type settings struct {
	issuer, jwksURI       string
	client                *http.Client
	timeout               time.Duration
	maxSize               int64
	every, wait, maxStale time.Duration
	log                   *slog.Logger
	now                   func() time.Time
}

func newSettings(cfg Config) (settings, error) {
	s := settings{
		issuer:   cfg.Issuer,
		jwksURI:  cfg.JWKSURI,
		timeout:  cmp.Or(cfg.Timeout, DefaultTimeout),
		maxSize:  cmp.Or(cfg.MaxSize, DefaultMaxSize),
		every:    cmp.Or(cfg.RefreshInterval, DefaultRefreshInterval),
		wait:     cmp.Or(cfg.MinLookupInterval, DefaultMinLookupInterval),
		maxStale: cmp.Or(cfg.MaxStale, DefaultMaxStale),
		log:      cmp.Or(cfg.Logger, slog.Default()),
		now:      cfg.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := checkHTTPS(cfg.Issuer, true); err != nil {
		return s, fmt.Errorf("%w: Issuer: %w", ErrInvalidConfig, err)
	}
	if cfg.JWKSURI != "" {
		if err := checkHTTPS(cfg.JWKSURI, false); err != nil {
			return s, fmt.Errorf("%w: JWKSURI: %w", ErrInvalidConfig, err)
		}
	}
	if s.timeout < 0 || s.maxSize < 0 || s.every < 0 || s.wait < 0 || s.maxStale < 0 {
		return s, fmt.Errorf("%w: negative duration or size", ErrInvalidConfig)
	}
	s.client = sameOriginClient(cfg.Client)
	return s, nil
}

// checkHTTPS accepts an absolute https URL with a host and no user info
// or fragment; an issuer may have no query either (OpenID Connect
// Discovery 1.0 §2).
func checkHTTPS(raw string, issuer bool) error {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return errors.New("required")
	case err != nil:
		return errors.New("not a URL")
	case u.Scheme != "https":
		return errors.New("must be an https URL")
	case u.Host == "" || u.User != nil || u.Fragment != "" || strings.HasSuffix(raw, "#"):
		return errors.New("must have a host and no user info or fragment")
	case issuer && (u.RawQuery != "" || strings.Contains(raw, "?")):
		return errors.New("must have no query")
	}
	return nil
}

// sameOriginClient returns a copy of c (nil: a new client) that follows
// at most a few redirects, each to the origin (scheme, host and port) of
// the URL first asked for. A key set served from elsewhere than the
// configured or discovered URL would let whoever answers there choose the
// keys.
func sameOriginClient(c *http.Client) *http.Client {
	out := &http.Client{}
	if c != nil {
		*out = *c
	}
	out.Jar = nil
	out.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		switch {
		case len(via) > maxRedirects:
			return errors.New("too many redirects")
		case req.URL.Scheme != "https" || req.URL.Scheme != first.Scheme ||
			!strings.EqualFold(req.URL.Host, first.Host):
			return errors.New("redirect to another origin refused")
		}
		return nil
	}
	return out
}
