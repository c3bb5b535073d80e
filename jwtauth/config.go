package jwtauth

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lambdasec/lambdasec/secevent"
)

// Defaults for the zero values of [Config].
const (
	DefaultTTL               = 15 * time.Minute
	DefaultMaxLifetime       = 24 * time.Hour
	DefaultLeeway            = 30 * time.Second
	DefaultMaxTokenSize      = 8 << 10
	DefaultRevocationTimeout = 100 * time.Millisecond
	DefaultRevokeTimeout     = time.Second
	DefaultType              = "JWT"
	maxLeeway                = 5 * time.Minute
	maxJTILen                = 256
	maxFIDLen                = 64
)

// Config configures an [Authenticator]. Every zero value means the
// documented default; exactly one of Keys and KeySource is required.
// [New] copies the Config, so later changes to it have no effect.
type Config struct {
	// Keys are the signing and verification keys, fixed for the life of
	// the Authenticator (the same as KeySource: StaticKeys(Keys...)).
	// Tokens are issued with the first key able to sign; verification
	// selects a key by the token's kid, and a token without kid takes the
	// key without ID, else the only key of its algorithm. To rotate, put
	// the new key first and keep the old one until the last token it
	// signed has expired.
	Keys []Key
	// KeySource supplies the keys at every Verify and Issue instead of
	// Keys, so keys can change (rotation, a JWKS endpoint) without
	// rebuilding the Authenticator. See [KeySource].
	KeySource KeySource

	// Issuer is written to iss when issuing and, when not empty, must equal
	// the iss of every verified token.
	Issuer string
	// Audience is written to aud when issuing and, when not empty, must be
	// one of the aud values of every verified token.
	Audience string
	// Type is the "typ" header written when issuing and required when
	// verifying (compared case-insensitively, "application/" optional, RFC
	// 7515 §4.1.9), so tokens of another kind, such as ID or refresh tokens
	// from the same issuer, are refused (RFC 8725 §3.11). Zero means "JWT".
	Type string
	// Events receives a security event for each refused request (see
	// package secevent): authn_token_invalid with the [Reason],
	// authz_fail for a missing scope, sys_dependency_fail when the
	// revocation store or key source failed. Requests without a token are
	// not reported. Nil means none.
	Events secevent.Sink

	// AllowMissingType accepts tokens that carry no typ header at all; a
	// typ that is present must still match Type. Set it only for an
	// issuer that writes none and tells its token kinds apart by a claim
	// instead (Amazon Cognito's token_use, which the jwks package's
	// Cognito preset checks). False, the default, refuses them.
	AllowMissingType bool

	// TTL is the lifetime of issued tokens. Zero means 15 minutes.
	TTL time.Duration
	// MaxLifetime is the longest exp-iat (and exp-now) a verified token may
	// have. It also bounds how long a subject-wide revocation is kept.
	// Zero means 24 hours; it must not be shorter than TTL.
	MaxLifetime time.Duration
	// Leeway is the clock skew allowed on exp, nbf and iat. Zero means 30
	// seconds; at most 5 minutes.
	Leeway time.Duration
	// MaxTokenSize caps the token length in bytes, checked before any
	// decoding. Zero means 8 KiB.
	MaxTokenSize int

	// Revoker, when set, is consulted on every verification and makes jti
	// and iat required claims. Nil means tokens cannot be revoked.
	Revoker Revoker
	// RevocationTimeout bounds the revocation check of every
	// verification, on the hot path. Zero means 100 ms.
	RevocationTimeout time.Duration
	// RevokeTimeout bounds the writes: Revoke, RevokeSubject and
	// RevokeFamily (a logout). They are rare and a client waits for them,
	// so they get more time than a check: a write that fails is a logout
	// refused, and a durable write waits for replicas within it. Zero
	// means 1 s.
	RevokeTimeout time.Duration
	// RevocationFailOpen accepts tokens when the Revoker fails or times
	// out. The default (false) refuses them with ErrRevocationUnavailable.
	// Either way the failure is logged at level Error.
	RevocationFailOpen bool

	// Cookie, when set, names a cookie the middleware reads the token from
	// when no Authorization header carries a Bearer token (none, or one of
	// another scheme such as Basic). A cookie-borne token needs
	// CSRF protection in front of unsafe methods; that is not done here.
	// Zero means the Authorization header only. Tokens are never read from
	// the query string.
	Cookie string

	// ErrorHandler answers rejected requests. It receives the cause (an
	// error matching one of the package's sentinels). Nil means
	// [WriteError], which says no more than RFC 6750 requires.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives rejections (level Info, Debug for a missing token)
	// and revocation store and key source failures (level Error). Nil
	// means slog.Default().
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Rand is the source of token ids. Nil means crypto/rand.
	Rand io.Reader
}

// Authenticator issues, verifies and revokes JWTs, and provides the
// net/http middleware. Create it with [New]; the zero value is not usable.
// It is safe for concurrent use.
type Authenticator struct {
	keys       KeySource
	header     atomic.Pointer[issueHeader] // header of issued tokens, per signing key
	lastHeader atomic.Pointer[knownHeader] // header of the last token parsed
	issuer     string
	audience   string
	typ        string
	typBytes   []byte // typ, for comparing with headers without a copy
	noTypOK    bool   // AllowMissingType
	ttl        time.Duration
	maxLife    time.Duration
	leeway     time.Duration
	maxSize    int
	revoker    Revoker
	revTime    time.Duration // RevocationTimeout
	writeTime  time.Duration // RevokeTimeout
	failOpen   bool
	cookie     string
	onError    func(http.ResponseWriter, *http.Request, error)
	events     secevent.Sink
	log        *slog.Logger
	now        func() time.Time
	rand       io.Reader
	// b64 rejects padding and non-zero trailing bits, so each token has
	// exactly one encoding (RFC 4648 §3.5).
	b64 *base64.Encoding
}

// New validates cfg and returns an Authenticator. It fails with
// [ErrInvalidKey] or [ErrWeakKey] for an unusable key and with
// [ErrInvalidConfig] for an out-of-range setting, for both or neither of
// Keys and KeySource, or for a Revoker or KeySource that is a nil pointer.
func New(cfg Config) (*Authenticator, error) {
	a := &Authenticator{
		keys:      cfg.KeySource,
		issuer:    cfg.Issuer,
		audience:  cfg.Audience,
		typ:       cmp.Or(cfg.Type, DefaultType),
		noTypOK:   cfg.AllowMissingType,
		ttl:       cmp.Or(cfg.TTL, DefaultTTL),
		maxLife:   cmp.Or(cfg.MaxLifetime, DefaultMaxLifetime),
		leeway:    cmp.Or(cfg.Leeway, DefaultLeeway),
		maxSize:   cmp.Or(cfg.MaxTokenSize, DefaultMaxTokenSize),
		revoker:   cfg.Revoker,
		revTime:   cmp.Or(cfg.RevocationTimeout, DefaultRevocationTimeout),
		writeTime: cmp.Or(cfg.RevokeTimeout, DefaultRevokeTimeout),
		failOpen:  cfg.RevocationFailOpen,
		cookie:    cfg.Cookie,
		onError:   cfg.ErrorHandler,
		events:    cfg.Events,
		log:       cmp.Or(cfg.Logger, slog.Default()),
		now:       cfg.Now,
		rand:      cmp.Or(cfg.Rand, rand.Reader),
		b64:       base64.RawURLEncoding.Strict(),
	}
	if a.onError == nil {
		a.onError = WriteError
	}
	if a.now == nil {
		a.now = time.Now
	}
	if err := a.checkSettings(cfg); err != nil {
		return nil, err
	}
	// RFC 7515 §4.1.9: "application/" is omitted from typ.
	if len(a.typ) > 12 && strings.EqualFold(a.typ[:12], "application/") {
		a.typ = a.typ[12:]
	}
	a.typBytes = []byte(a.typ)
	if a.keys == nil {
		src, err := StaticKeys(cfg.Keys...)
		if err != nil {
			return nil, err
		}
		a.keys = src
	}
	return a, nil
}

// checkSettings validates everything in cfg but the keys themselves.
func (a *Authenticator) checkSettings(cfg Config) error {
	switch {
	case len(cfg.Keys) == 0 && cfg.KeySource == nil:
		return fmt.Errorf("%w: set Keys or KeySource", ErrInvalidConfig)
	case len(cfg.Keys) != 0 && cfg.KeySource != nil:
		return fmt.Errorf("%w: set Keys or KeySource, not both", ErrInvalidConfig)
	case nilPointer(cfg.KeySource):
		return fmt.Errorf("%w: KeySource is a nil pointer", ErrInvalidConfig)
	case a.ttl < time.Second || a.maxLife < a.ttl:
		return fmt.Errorf("%w: TTL must be at least 1s and at most MaxLifetime", ErrInvalidConfig)
	case a.leeway < 0 || a.leeway > maxLeeway:
		return fmt.Errorf("%w: Leeway must be between 0 and %v", ErrInvalidConfig, maxLeeway)
	case a.maxSize < 0 || a.revTime < 0 || a.writeTime < 0:
		return fmt.Errorf("%w: negative MaxTokenSize, RevocationTimeout or RevokeTimeout", ErrInvalidConfig)
	case !validToken(a.typ) || strings.ContainsAny(a.typ, `"\`):
		return fmt.Errorf("%w: Type must be a media type", ErrInvalidConfig)
	case cfg.Cookie != "" && !validToken(cfg.Cookie):
		return fmt.Errorf("%w: Cookie must be a cookie name", ErrInvalidConfig)
	case nilPointer(cfg.Revoker):
		// Typically a constructor's error that was not checked: every
		// request would panic instead of being refused.
		return fmt.Errorf("%w: Revoker is a nil pointer", ErrInvalidConfig)
	}
	return nil
}

// nilPointer reports whether v is a non-nil interface holding a nil
// pointer, map or func.
func nilPointer(v any) bool {
	if v == nil {
		return false
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Interface, reflect.Slice, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// validToken reports whether s is a non-empty RFC 9110 token, the shape
// of cookie names and (with '/') media types.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:"[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// String describes the Authenticator without its keys' material.
func (a *Authenticator) String() string {
	return fmt.Sprintf("jwtauth.Authenticator{Issuer:%q, Audience:%q}", a.issuer, a.audience)
}

// Format implements fmt.Formatter: every verb prints [Authenticator.String],
// never the keys it holds.
func (a *Authenticator) Format(f fmt.State, verb rune) {
	_, _ = io.WriteString(f, a.String())
}
