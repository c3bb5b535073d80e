package jwks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/lambdasec/lambdasec/jwtauth"
)

// Token uses of Amazon Cognito user pool tokens, the token_use claim.
const (
	CognitoAccess = "access"
	CognitoID     = "id"
)

// Errors of [Cognito.Verify]. Always wrapped, together with the jwtauth
// sentinel the middleware answers by (jwtauth.ErrTokenType,
// jwtauth.ErrInvalidAudience); use errors.Is.
var (
	// ErrTokenUse means token_use is not the configured one: an ID token
	// offered as an access token, or the reverse.
	ErrTokenUse = errors.New("jwks: wrong token_use")
	// ErrClientID means the token was issued to an app client not in
	// CognitoConfig.ClientIDs (client_id for access tokens, aud for ID
	// tokens).
	ErrClientID = errors.New("jwks: app client not allowed")
)

// CognitoConfig configures [NewCognito]: tokens of one Amazon Cognito
// user pool.
type CognitoConfig struct {
	// Region is the pool's AWS Region, such as "eu-west-1". Required.
	Region string
	// UserPoolID is the pool id, such as "eu-west-1_AbCdEf123"; it starts
	// with Region. Required.
	UserPoolID string
	// TokenUse is the token_use the tokens must have: CognitoAccess or
	// CognitoID. Zero means CognitoAccess: APIs take access tokens; an ID
	// token says who signed in, to the app that asked.
	TokenUse string
	// ClientIDs are the app clients whose tokens are accepted: the
	// client_id claim of an access token (which has no aud), or the aud of
	// an ID token, must be one of them. Required.
	ClientIDs []string
	// Keys tunes the key source (client, timeouts, refresh, staleness,
	// Logger, Now). Its Issuer and JWKSURI must be zero: both follow from
	// Region and UserPoolID.
	Keys Config
	// Auth tunes verification (Leeway, MaxLifetime, MaxTokenSize,
	// Revoker, Logger, Now, ...). Its Keys, KeySource, Issuer and
	// Audience must be zero: they are set here.
	Auth jwtauth.Config
}

// Cognito verifies the tokens of one Amazon Cognito user pool: the
// signature with the pool's published keys, the issuer, token_use and the
// app client. Create it with [NewCognito]. It is safe for concurrent use.
type Cognito struct {
	src     *Source
	auth    *jwtauth.Authenticator
	use     string
	clients []string
}

// cognitoRegion and cognitoPool are compiled on first use: the pool
// pattern's {1,64} makes a large program, which every importer's cold
// start would otherwise pay for. They are never reassigned.
var (
	cognitoRegion = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`) })
	cognitoPool   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9-]+_[A-Za-z0-9]{1,64}$`) })
)

// CognitoIssuer returns the issuer of a user pool's tokens,
// https://cognito-idp.<region>.amazonaws.com/<poolId>. It fails with
// [ErrInvalidConfig] unless region is a Region name and poolID a pool
// id in it, so neither can steer the URL elsewhere.
func CognitoIssuer(region, poolID string) (string, error) {
	if !cognitoRegion().MatchString(region) || !cognitoPool().MatchString(poolID) ||
		!strings.HasPrefix(poolID, region+"_") {
		return "", fmt.Errorf("%w: Region and UserPoolID must name a user pool (such as eu-west-1 and eu-west-1_AbCdEf123)", ErrInvalidConfig)
	}
	return "https://cognito-idp." + region + ".amazonaws.com/" + poolID, nil
}

// NewCognito validates cfg and returns a Cognito. It fails with
// [ErrInvalidConfig] or, for a bad Auth setting, with the error of
// jwtauth.New. It does no I/O: call [Cognito.Load] at init.
func NewCognito(cfg CognitoConfig) (*Cognito, error) {
	iss, err := CognitoIssuer(cfg.Region, cfg.UserPoolID)
	if err != nil {
		return nil, err
	}
	use := cmp.Or(cfg.TokenUse, CognitoAccess)
	switch {
	case use != CognitoAccess && use != CognitoID:
		return nil, fmt.Errorf("%w: TokenUse must be %q or %q", ErrInvalidConfig, CognitoAccess, CognitoID)
	case len(cfg.ClientIDs) == 0 || slices.Contains(cfg.ClientIDs, ""):
		return nil, fmt.Errorf("%w: ClientIDs required", ErrInvalidConfig)
	case cfg.Keys.Issuer != "" || cfg.Keys.JWKSURI != "":
		return nil, fmt.Errorf("%w: Keys.Issuer and Keys.JWKSURI follow from the pool", ErrInvalidConfig)
	case len(cfg.Auth.Keys) != 0 || cfg.Auth.KeySource != nil || cfg.Auth.Issuer != "" || cfg.Auth.Audience != "":
		return nil, fmt.Errorf("%w: Auth.Keys, KeySource, Issuer and Audience are set by NewCognito", ErrInvalidConfig)
	}
	kc := cfg.Keys
	kc.Issuer = iss
	kc.JWKSURI = iss + "/.well-known/jwks.json" // skips discovery: one fetch at cold start
	src, err := New(kc)
	if err != nil {
		return nil, err
	}
	ac := cfg.Auth
	ac.KeySource, ac.Issuer = src, iss
	// Cognito writes no typ header; token_use, checked in Verify, tells
	// access tokens from ID tokens instead.
	ac.AllowMissingType = true
	auth, err := jwtauth.New(ac)
	if err != nil {
		return nil, err
	}
	return &Cognito{src: src, auth: auth, use: use, clients: slices.Clone(cfg.ClientIDs)}, nil
}

// Issuer returns the pool's issuer identifier.
func (c *Cognito) Issuer() string { return c.src.Issuer() }

// Load fetches the pool's keys; see [Source.Load].
func (c *Cognito) Load(ctx context.Context) error { return c.src.Load(ctx) }

// Verify verifies a token of the pool: everything jwtauth checks, then
// token_use and the app client.
func (c *Cognito) Verify(ctx context.Context, token string) (jwtauth.Claims, error) {
	claims, err := c.auth.Verify(ctx, token)
	if err != nil {
		return jwtauth.Claims{}, err
	}
	cc, err := DecodeCognito(claims)
	switch {
	case err != nil:
		return jwtauth.Claims{}, err
	case cc.TokenUse != c.use:
		return jwtauth.Claims{}, fmt.Errorf("%w: %w", ErrTokenUse, jwtauth.ErrTokenType)
	case c.use == CognitoAccess && !slices.Contains(c.clients, cc.ClientID),
		c.use == CognitoID && !slices.ContainsFunc(claims.Audience, func(a string) bool { return slices.Contains(c.clients, a) }):
		return jwtauth.Claims{}, fmt.Errorf("%w: %w", ErrClientID, jwtauth.ErrInvalidAudience)
	}
	return claims, nil
}

// CognitoClaims are the claims Amazon Cognito adds to its tokens.
type CognitoClaims struct {
	TokenUse string   `json:"token_use"`      // "access" or "id"
	ClientID string   `json:"client_id"`      // app client of an access token
	Username string   `json:"username"`       // access tokens
	Groups   []string `json:"cognito:groups"` // the user's groups, by precedence
	Email    string   `json:"email"`          // ID tokens, when the scope grants it
}

// DecodeCognito reads the Cognito claims of verified claims, as
// jwtauth.Claims.Decode does; it fails with jwtauth.ErrInvalidClaims.
func DecodeCognito(c jwtauth.Claims) (CognitoClaims, error) {
	var cc CognitoClaims
	err := c.Decode(&cc)
	return cc, err
}
