package jwtauth

import "errors"

// Errors returned when verifying a token by [Authenticator.Verify],
// [Authenticator.Authenticate], [Authenticator.Logout] and passed to
// Config.ErrorHandler by the middleware. They may be wrapped with a short
// reason (never the token or any part of it): always compare with
// errors.Is.
var (
	// ErrTokenMissing means the request carried no bearer token (no
	// Authorization header with the Bearer scheme and, when configured, no
	// token cookie). Returned by [Authenticator.Authenticate].
	ErrTokenMissing = errors.New("jwtauth: no token")

	// ErrTokenMalformed means the token is not a well-formed compact JWS
	// carrying a JWT: too long, not three segments, non-canonical base64url,
	// invalid or duplicate-member JSON, or a claim of the wrong JSON type.
	ErrTokenMalformed = errors.New("jwtauth: token malformed")

	// ErrAlgorithm means the token's alg is "none", unsupported, or not the
	// algorithm bound to the key it selects.
	ErrAlgorithm = errors.New("jwtauth: token algorithm not allowed")

	// ErrKeyNotFound means no key matches the token: its kid is unknown
	// (also after asking the [KeySource]), or it has no kid while several
	// keys could verify it.
	ErrKeyNotFound = errors.New("jwtauth: no key for token")

	// ErrSignatureInvalid means the signature does not verify.
	ErrSignatureInvalid = errors.New("jwtauth: token signature invalid")

	// ErrCriticalHeader means the token lists a "crit" header parameter
	// (RFC 7515 §4.1.11) this package does not understand, or a malformed
	// crit, or uses the unencoded-payload option (RFC 7797).
	ErrCriticalHeader = errors.New("jwtauth: unsupported critical header")

	// ErrTokenType means the "typ" header is not the configured type.
	ErrTokenType = errors.New("jwtauth: wrong token type")

	// ErrClaimMissing means a required claim is absent: exp and sub always,
	// iss and aud when configured, jti and iat when a revoker is configured.
	ErrClaimMissing = errors.New("jwtauth: required claim missing")

	// ErrTokenExpired means exp is in the past (beyond the leeway).
	ErrTokenExpired = errors.New("jwtauth: token expired")

	// ErrTokenNotValidYet means nbf or iat is in the future (beyond the
	// leeway).
	ErrTokenNotValidYet = errors.New("jwtauth: token not valid yet")

	// ErrTokenLifetime means the token claims a lifetime longer than
	// Config.MaxLifetime.
	ErrTokenLifetime = errors.New("jwtauth: token lifetime too long")

	// ErrInvalidIssuer means iss is not the configured issuer.
	ErrInvalidIssuer = errors.New("jwtauth: token issuer invalid")

	// ErrInvalidAudience means aud does not contain the configured audience.
	ErrInvalidAudience = errors.New("jwtauth: token audience invalid")

	// ErrTokenRevoked means the token was revoked, alone or with every token
	// of its subject.
	ErrTokenRevoked = errors.New("jwtauth: token revoked")

	// ErrRevocationUnavailable means the revocation store failed or timed
	// out, so the token could not be checked; the middleware answers 503.
	// Also returned by the revoke methods when the store fails.
	ErrRevocationUnavailable = errors.New("jwtauth: revocation store unavailable")

	// ErrKeySourceUnavailable means the token names a kid the current key
	// set lacks and the [KeySource] failed to look it up (a JWKS endpoint
	// down, say), so the token could not be checked; the middleware
	// answers 503. Always wrapped around the source's error.
	ErrKeySourceUnavailable = errors.New("jwtauth: key source unavailable")

	// ErrInsufficientScope means the token lacks a scope required by
	// [Authenticator.RequireScopes]; the middleware answers 403.
	ErrInsufficientScope = errors.New("jwtauth: insufficient scope")
)

// Errors returned by [New], [Authenticator.Issue] and the revoke methods.
// They may be wrapped: compare with errors.Is.
var (
	// ErrInvalidConfig means a Config field is out of range. Returned by [New].
	ErrInvalidConfig = errors.New("jwtauth: invalid config")

	// ErrInvalidKey means a [Key] is unusable: no or an unsupported
	// Algorithm, material of the wrong type for it, an HS256 secret
	// shorter than 32 bytes (that is not also a known-weak value), an RSA
	// key under 2048 bits, or a duplicate id. Returned by [New],
	// [NewKeySet] and [StaticKeys].
	ErrInvalidKey = errors.New("jwtauth: invalid key")

	// ErrWeakKey means an HS256 secret is a known-weak or low-entropy value
	// such as "secret", "changeme" or a repeated pattern, whatever its
	// length (so "changeme" is ErrWeakKey, not ErrInvalidKey). Returned by
	// [New], [NewKeySet] and [StaticKeys].
	ErrWeakKey = errors.New("jwtauth: weak HMAC secret")

	// ErrNoSigningKey means no key of the current set can sign (none has a
	// Secret or PrivateKey), so the Authenticator can verify but not
	// issue. Returned by [Authenticator.Issue].
	ErrNoSigningKey = errors.New("jwtauth: no signing key")

	// ErrInvalidClaims means the claims given to [Authenticator.Issue] are
	// unusable: empty subject, custom claims that are not a JSON object or
	// that name a registered claim. Also returned by [Authenticator.Revoke]
	// and [Authenticator.RevokeSubject] for claims that cannot be revoked
	// (no jti, no exp, empty subject), and by [Claims.Decode].
	ErrInvalidClaims = errors.New("jwtauth: invalid claims")

	// ErrNoRevoker means a revoke method was called on an Authenticator
	// built without a Revoker.
	ErrNoRevoker = errors.New("jwtauth: no revoker configured")
)
