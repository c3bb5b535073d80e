package jwtauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Defaults for the zero values of [Config].
const (
	DefaultTTL               = 15 * time.Minute
	DefaultMaxLifetime       = 24 * time.Hour
	DefaultLeeway            = 30 * time.Second
	DefaultMaxTokenSize      = 8 << 10
	DefaultRevocationTimeout = 100 * time.Millisecond
	DefaultType              = "JWT"
	maxLeeway                = 5 * time.Minute
	maxJTILen                = 256
)

// Config configures an [Authenticator]. Every zero value means the
// documented default; only Keys is required. [New] copies the Config, so
// later changes to it have no effect.
type Config struct {
	// Keys are the signing and verification keys. Tokens are issued with
	// the first one; verification selects a key by the token's kid, and a
	// token without kid only when exactly one key has its algorithm. To
	// rotate, put the new key first and keep the old one until the last
	// token it signed has expired. Required.
	Keys []Key

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
	// RevocationTimeout bounds every Revoker call. Zero means 100 ms.
	RevocationTimeout time.Duration
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
	// and revocation store failures (level Error). Nil means slog.Default().
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
	keys     []*key
	byID     map[string]*key
	signer   *key
	header   string // base64url header of issued tokens
	issuer   string
	audience string
	typ      string
	ttl      time.Duration
	maxLife  time.Duration
	leeway   time.Duration
	maxSize  int
	revoker  Revoker
	revTime  time.Duration
	failOpen bool
	cookie   string
	onError  func(http.ResponseWriter, *http.Request, error)
	log      *slog.Logger
	now      func() time.Time
	rand     io.Reader
	// b64 rejects padding and non-zero trailing bits, so each token has
	// exactly one encoding (RFC 4648 §3.5).
	b64 *base64.Encoding
}

// New validates cfg and returns an Authenticator. It fails with
// [ErrInvalidKey] or [ErrWeakKey] for an unusable key and with
// [ErrInvalidConfig] for an out-of-range setting or a Revoker that is a
// nil pointer.
func New(cfg Config) (*Authenticator, error) {
	a := &Authenticator{
		byID:     make(map[string]*key, len(cfg.Keys)),
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		typ:      cmp(cfg.Type, DefaultType),
		ttl:      cmp(cfg.TTL, DefaultTTL),
		maxLife:  cmp(cfg.MaxLifetime, DefaultMaxLifetime),
		leeway:   cmp(cfg.Leeway, DefaultLeeway),
		maxSize:  cmp(cfg.MaxTokenSize, DefaultMaxTokenSize),
		revoker:  cfg.Revoker,
		revTime:  cmp(cfg.RevocationTimeout, DefaultRevocationTimeout),
		failOpen: cfg.RevocationFailOpen,
		cookie:   cfg.Cookie,
		onError:  cfg.ErrorHandler,
		log:      cfg.Logger,
		now:      cfg.Now,
		rand:     cfg.Rand,
		b64:      base64.RawURLEncoding.Strict(),
	}
	switch {
	case len(cfg.Keys) == 0:
		return nil, fmt.Errorf("%w: no keys", ErrInvalidConfig)
	case a.ttl < time.Second || a.maxLife < a.ttl:
		return nil, fmt.Errorf("%w: TTL must be at least 1s and at most MaxLifetime", ErrInvalidConfig)
	case a.leeway < 0 || a.leeway > maxLeeway:
		return nil, fmt.Errorf("%w: Leeway must be between 0 and %v", ErrInvalidConfig, maxLeeway)
	case a.maxSize < 0 || a.revTime < 0:
		return nil, fmt.Errorf("%w: negative MaxTokenSize or RevocationTimeout", ErrInvalidConfig)
	case !validToken(a.typ) || strings.ContainsAny(a.typ, `"\`):
		return nil, fmt.Errorf("%w: Type must be a media type", ErrInvalidConfig)
	case cfg.Cookie != "" && !validToken(cfg.Cookie):
		return nil, fmt.Errorf("%w: Cookie must be a cookie name", ErrInvalidConfig)
	case nilRevoker(cfg.Revoker):
		// Typically a NewRedisRevoker error that was not checked: every
		// request would panic instead of being refused.
		return nil, fmt.Errorf("%w: Revoker is a nil pointer", ErrInvalidConfig)
	}
	// RFC 7515 §4.1.9: "application/" is omitted from typ.
	if len(a.typ) > 12 && strings.EqualFold(a.typ[:12], "application/") {
		a.typ = a.typ[12:]
	}
	for _, k := range cfg.Keys {
		vk, err := newKey(k)
		if err != nil {
			return nil, err
		}
		if _, dup := a.byID[vk.id]; dup {
			return nil, fmt.Errorf("%w: duplicate key id %q", ErrInvalidKey, vk.id)
		}
		a.byID[vk.id] = vk
		a.keys = append(a.keys, vk)
	}
	if a.keys[0].sign != nil {
		a.signer = a.keys[0]
		h, _ := json.Marshal(struct {
			Alg Algorithm `json:"alg"`
			Kid string    `json:"kid"`
			Typ string    `json:"typ"`
		}{a.signer.alg, a.signer.id, a.typ})
		a.header = base64.RawURLEncoding.EncodeToString(h)
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.rand == nil {
		a.rand = rand.Reader
	}
	if a.onError == nil {
		a.onError = WriteError
	}
	return a, nil
}

// MustNew is [New] that panics on error, for use in main.
func MustNew(cfg Config) *Authenticator {
	a, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return a
}

func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// nilRevoker reports whether r is a non-nil interface holding a nil
// pointer, map or func.
func nilRevoker(r Revoker) bool {
	if r == nil {
		return false
	}
	switch v := reflect.ValueOf(r); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Interface, reflect.Slice, reflect.Chan:
		return v.IsNil()
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

// Grant is what [Authenticator.Issue] puts into a token besides the
// registered claims it sets itself.
type Grant struct {
	// Subject identifies the user or client. Required.
	Subject string
	// Scopes are written space-separated to the "scope" claim.
	Scopes []string
	// Custom, when not nil, is marshalled with encoding/json and must be an
	// object (typically the caller's own struct); its members are added to
	// the claim set. They may not redefine a registered claim.
	Custom any
	// TTL overrides Config.TTL for this token; it may not exceed
	// Config.MaxLifetime. Zero means Config.TTL.
	TTL time.Duration
}

type registered struct {
	Iss   string `json:"iss,omitempty"`
	Sub   string `json:"sub"`
	Aud   string `json:"aud,omitempty"`
	Exp   int64  `json:"exp"`
	Nbf   int64  `json:"nbf"`
	Iat   int64  `json:"iat"`
	Jti   string `json:"jti"`
	Scope string `json:"scope,omitempty"`
}

// Issue signs a token for g with the first configured key. It sets iss and
// aud from the Config, sub and scope from g, iat and nbf to now, exp to now
// plus the TTL, and a random 128-bit jti. The returned Claims are those of
// the token (for an expires_in answer, or to revoke it later).
func (a *Authenticator) Issue(g Grant) (string, Claims, error) {
	if a.signer == nil {
		return "", Claims{}, ErrNoSigningKey
	}
	if g.Subject == "" {
		return "", Claims{}, fmt.Errorf("%w: empty subject", ErrInvalidClaims)
	}
	for _, s := range g.Scopes {
		if !validScope(s) {
			return "", Claims{}, fmt.Errorf("%w: scope %q is not an RFC 6749 scope-token (printable ASCII without space, '\"' or '\\')", ErrInvalidClaims, s)
		}
	}
	ttl := cmp(g.TTL, a.ttl)
	if ttl < time.Second || ttl > a.maxLife {
		return "", Claims{}, fmt.Errorf("%w: TTL must be between 1s and MaxLifetime", ErrInvalidClaims)
	}
	var id [16]byte
	if _, err := io.ReadFull(a.rand, id[:]); err != nil {
		return "", Claims{}, fmt.Errorf("jwtauth: token id: %v", err)
	}
	now := a.now().Truncate(time.Second)
	r := registered{
		Iss: a.issuer, Sub: g.Subject, Aud: a.audience,
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(ttl).Unix(),
		Jti: base64.RawURLEncoding.EncodeToString(id[:]), Scope: strings.Join(g.Scopes, " "),
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return "", Claims{}, fmt.Errorf("%w: %v", ErrInvalidClaims, err)
	}
	if g.Custom != nil {
		extra, err := json.Marshal(g.Custom)
		if err != nil {
			return "", Claims{}, fmt.Errorf("%w: custom claims: %v", ErrInvalidClaims, err)
		}
		extra = trimSpace(extra)
		if len(extra) < 2 || extra[0] != '{' {
			return "", Claims{}, fmt.Errorf("%w: custom claims must be a JSON object", ErrInvalidClaims)
		}
		// Checked by name, not only as duplicates below: iss, aud and
		// scope are left out of the payload when empty, and a custom
		// member must not fill them in.
		if err := members(extra, func(name, _ []byte) error {
			if registeredClaim(string(name)) || foldsToRegistered(name) {
				return fmt.Errorf("%w: custom claims redefine the registered claim %q", ErrInvalidClaims, name)
			}
			return nil
		}); err != nil {
			if errors.Is(err, ErrInvalidClaims) {
				return "", Claims{}, err
			}
			return "", Claims{}, fmt.Errorf("%w: custom claims: %v", ErrInvalidClaims, err)
		}
		if err := uniqueFoldedNames(extra); err != nil {
			// Decode would refuse these claims; refuse to issue them.
			return "", Claims{}, fmt.Errorf("%w: custom claims: %w", ErrInvalidClaims, err)
		}
		if len(extra) > 2 {
			payload = append(append(payload[:len(payload)-1], ','), extra[1:]...)
		}
	}
	c, err := parseClaims(payload)
	if err != nil { // a custom member named like a registered claim
		return "", Claims{}, fmt.Errorf("%w: custom claims redefine a registered claim", ErrInvalidClaims)
	}
	input := a.header + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := a.signer.method.Sign(input, a.signer.sign)
	if err != nil {
		return "", Claims{}, fmt.Errorf("jwtauth: sign: %v", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), *c, nil
}

func trimSpace(b []byte) []byte {
	return []byte(strings.TrimSpace(string(b)))
}

// Verify checks a compact JWT and returns its claims. Every check is on and
// none can be switched off by the token: size, shape and strict base64url;
// alg bound to the selected key (never "none"); crit; typ; signature;
// claim types and duplicates; exp (required), nbf, iat, lifetime, iss, aud,
// sub; and, with a Revoker, jti, iat and revocation. Errors match the
// package's sentinels and never contain the token.
func (a *Authenticator) Verify(ctx context.Context, token string) (Claims, error) {
	c, err := a.verify(token)
	if err != nil {
		return Claims{}, err
	}
	if err := a.checkRevoked(ctx, c); err != nil {
		return Claims{}, err
	}
	return *c, nil
}

// isB64url reports whether c belongs to the base64url alphabet or is '.',
// the only bytes a compact JWS may hold (RFC 7515 §7.1); anything else
// (whitespace, padding, JSON serialisation) is rejected before decoding.
func isB64url(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

func malformed(why string) error { return fmt.Errorf("%w: %s", ErrTokenMalformed, why) }

// verify runs every check except revocation.
func (a *Authenticator) verify(token string) (*Claims, error) {
	payload, typ, err := a.verifyJWS(token)
	if err != nil {
		return nil, err
	}
	if typ == nil || !a.typeMatches(*typ) {
		return nil, ErrTokenType
	}
	c, err := parseClaims(payload)
	if err != nil {
		return nil, malformed("claims: " + err.Error())
	}
	return c, a.checkClaims(c)
}

// verifyJWS is the signature layer: it checks the token's shape and
// header, selects the key, verifies the signature and returns the decoded
// payload and the typ header (nil when absent).
func (a *Authenticator) verifyJWS(token string) (payload []byte, typ *string, err error) {
	if len(token) > a.maxSize {
		return nil, nil, malformed("too long")
	}
	for i := 0; i < len(token); i++ {
		if !isB64url(token[i]) {
			return nil, nil, malformed("not base64url")
		}
	}
	h, rest, ok1 := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.IndexByte(s, '.') >= 0 {
		return nil, nil, malformed("not three segments")
	}
	if h == "" || s == "" { // an empty payload is a valid JWS, not a JWT
		return nil, nil, malformed("empty segment")
	}
	k, typ, err := a.selectKey(h)
	if err != nil {
		return nil, nil, err
	}
	sig, err := a.b64.DecodeString(s)
	if err != nil {
		return nil, nil, malformed("signature encoding")
	}
	if err := k.method.Verify(token[:len(h)+1+len(p)], sig, k.verify); err != nil {
		return nil, nil, ErrSignatureInvalid
	}
	if payload, err = a.b64.DecodeString(p); err != nil {
		return nil, nil, malformed("payload encoding")
	}
	return payload, typ, nil
}

// selectKey decodes the JOSE header and returns the key that must verify
// the token, and the typ header.
func (a *Authenticator) selectKey(h string) (*key, *string, error) {
	raw, err := a.b64.DecodeString(h)
	if err != nil {
		return nil, nil, malformed("header encoding")
	}
	var alg, kid []byte
	var typ *string
	var hasAlg, hasKid, crit bool
	err = members(raw, func(name, val []byte) error {
		var err error
		switch string(name) {
		case "alg":
			alg, err = jsonBytes(val)
			hasAlg = true
		case "kid":
			kid, err = jsonBytes(val)
			hasKid = true
		case "typ":
			var t string
			t, err = jsonString(val)
			typ = &t
		case "crit", "b64":
			// No extension is understood, so any crit entry is unknown
			// (RFC 7515 §4.1.11), and b64 (RFC 7797) changes what is
			// signed.
			crit = true
		}
		if err != nil {
			return fmt.Errorf("header %q: wrong type", name)
		}
		return nil
	})
	if err != nil {
		return nil, nil, malformed("header: " + err.Error())
	}
	if !hasAlg || strings.EqualFold(string(alg), "none") {
		return nil, nil, fmt.Errorf("%w: none or missing", ErrAlgorithm)
	}
	if crit {
		return nil, nil, ErrCriticalHeader
	}
	var k *key
	if hasKid {
		if len(kid) > maxKIDLen {
			return nil, nil, malformed("kid too long")
		}
		if k = a.byID[string(kid)]; k == nil {
			return nil, nil, fmt.Errorf("%w: unknown kid", ErrKeyNotFound)
		}
	} else {
		for _, c := range a.keys {
			if string(c.alg) == string(alg) {
				if k != nil {
					return nil, nil, fmt.Errorf("%w: kid required", ErrKeyNotFound)
				}
				k = c
			}
		}
		if k == nil {
			return nil, nil, fmt.Errorf("%w: no key for this algorithm", ErrAlgorithm)
		}
	}
	if string(k.alg) != string(alg) {
		return nil, nil, fmt.Errorf("%w: not the key's algorithm", ErrAlgorithm)
	}
	return k, typ, nil
}

func (a *Authenticator) typeMatches(typ string) bool {
	if len(typ) > 12 && strings.EqualFold(typ[:12], "application/") {
		typ = typ[12:]
	}
	return strings.EqualFold(typ, a.typ)
}

func (a *Authenticator) checkClaims(c *Claims) error {
	now := a.now()
	switch {
	case c.ExpiresAt.IsZero():
		return fmt.Errorf("%w: exp", ErrClaimMissing)
	case !now.Before(c.ExpiresAt.Add(a.leeway)):
		return ErrTokenExpired
	case !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(a.leeway)):
		return fmt.Errorf("%w: nbf in the future", ErrTokenNotValidYet)
	case !c.IssuedAt.IsZero() && c.IssuedAt.After(now.Add(a.leeway)):
		return fmt.Errorf("%w: iat in the future", ErrTokenNotValidYet)
	case c.ExpiresAt.Sub(now) > a.maxLife+a.leeway,
		!c.IssuedAt.IsZero() && c.ExpiresAt.Sub(c.IssuedAt) > a.maxLife:
		return ErrTokenLifetime
	case c.Subject == "":
		return fmt.Errorf("%w: sub", ErrClaimMissing)
	case a.issuer != "" && c.Issuer == "":
		return fmt.Errorf("%w: iss", ErrClaimMissing)
	case a.issuer != "" && c.Issuer != a.issuer:
		return ErrInvalidIssuer
	case a.audience != "" && len(c.Audience) == 0:
		return fmt.Errorf("%w: aud", ErrClaimMissing)
	case a.audience != "" && !slices.Contains(c.Audience, a.audience):
		return ErrInvalidAudience
	case a.revoker != nil && c.ID == "":
		return fmt.Errorf("%w: jti", ErrClaimMissing)
	case a.revoker != nil && c.IssuedAt.IsZero():
		return fmt.Errorf("%w: iat", ErrClaimMissing)
	case len(c.ID) > maxJTILen:
		return malformed("jti too long")
	}
	return nil
}

// revocationScope returns c with Issuer set to Config.Issuer, the issuer
// under which this Authenticator records and looks up revocations. When
// Config.Issuer is set the two are equal (verification checked it); when it
// is empty, tokens are accepted whatever their iss, so their revocations
// must not depend on it either: otherwise [Authenticator.RevokeSubject],
// which knows only Config.Issuer, would miss every token carrying an iss.
func (a *Authenticator) revocationScope(c Claims) Claims {
	c.Issuer = a.issuer
	return c
}

// checkRevoked asks the Revoker, bounded by the revocation timeout.
func (a *Authenticator) checkRevoked(ctx context.Context, c *Claims) error {
	if a.revoker == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.revTime)
	defer cancel()
	revoked, err := a.revoker.Revoked(ctx, a.revocationScope(*c))
	if err != nil {
		if a.failOpen {
			a.log.LogAttrs(ctx, slog.LevelError, "jwtauth: revocation check failed; token accepted (fail-open)",
				slog.String("error", err.Error()), slog.String("sub", c.Subject))
			return nil
		}
		a.log.LogAttrs(ctx, slog.LevelError, "jwtauth: revocation check failed; token refused",
			slog.String("error", err.Error()), slog.String("sub", c.Subject))
		if errors.Is(err, ErrRevocationUnavailable) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrRevocationUnavailable, err)
	}
	if revoked {
		return ErrTokenRevoked
	}
	return nil
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
