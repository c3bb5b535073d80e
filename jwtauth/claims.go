package jwtauth

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Claims is a verified token's claim set: the registered claims this
// package checks, the scopes, and the raw payload for custom claims (see
// [Claims.Decode]).
//
// A Claims value reaches handlers through [FromContext]. Treat it as read
// only.
type Claims struct {
	Issuer    string    // iss
	Subject   string    // sub: the user or client the token speaks for
	Audience  []string  // aud
	ExpiresAt time.Time // exp
	NotBefore time.Time // nbf; zero when absent
	IssuedAt  time.Time // iat; zero when absent
	ID        string    // jti: unique token id, the revocation key
	// Scopes are the space-separated values of the "scope" claim
	// (RFC 8693 §4.2, RFC 9068 §2.2.3).
	Scopes []string

	payload []byte
}

// HasScope reports whether the token grants scope s.
func (c Claims) HasScope(s string) bool { return slices.Contains(c.Scopes, s) }

// Decode unmarshals the whole verified claim set into v, a pointer to the
// caller's own struct, for custom claims. Registered claims decode too if v
// has fields for them. It uses encoding/json, so a member name also fills
// a field whose tag differs only in case; duplicate names were refused
// when the token was verified. It fails with [ErrInvalidClaims] when c did
// not come from a verified or issued token, or when the claims do not fit
// v.
func (c Claims) Decode(v any) error {
	if c.payload == nil {
		return fmt.Errorf("%w: no payload", ErrInvalidClaims)
	}
	if err := json.Unmarshal(c.payload, v); err != nil {
		return fmt.Errorf("%w: decode custom claims: %v", ErrInvalidClaims, err)
	}
	return nil
}

// parseClaims decodes a verified payload. Every registered claim must have
// its RFC 7519 JSON type; unknown members are kept for Decode only.
func parseClaims(payload []byte) (*Claims, error) {
	c := &Claims{payload: payload}
	err := members(payload, func(name, val []byte) error {
		var err error
		switch string(name) {
		case "iss":
			c.Issuer, err = jsonString(val)
		case "sub":
			c.Subject, err = jsonString(val)
		case "aud":
			c.Audience, err = jsonStrings(val)
		case "exp":
			c.ExpiresAt, err = numericDate(val)
		case "nbf":
			c.NotBefore, err = numericDate(val)
		case "iat":
			c.IssuedAt, err = numericDate(val)
		case "jti":
			c.ID, err = jsonString(val)
		case "scope":
			var s string
			if s, err = jsonString(val); err == nil {
				c.Scopes = strings.Fields(s)
			}
		}
		if err != nil {
			return fmt.Errorf("claim %q: wrong type", name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

type ctxKey struct{}

// NewContext returns a copy of ctx carrying c, as the middleware does.
// [FromContext], [Authenticator.RequireScopes] and [Authenticator.Logout]
// trust what it carries without checking a token again: pass it only
// claims that [Authenticator.Verify] returned, or use it in tests.
func NewContext(ctx context.Context, c Claims) context.Context {
	return context.WithValue(ctx, ctxKey{}, &c)
}

// FromContext returns the claims the middleware verified for this request;
// ok is false when the request was not authenticated. The subject, the
// usual key for per-user limits and audit logs, is c.Subject.
func FromContext(ctx context.Context) (c Claims, ok bool) {
	p, ok := ctx.Value(ctxKey{}).(*Claims)
	if !ok || p == nil {
		return Claims{}, false
	}
	return *p, true
}
