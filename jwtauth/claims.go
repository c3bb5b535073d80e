package jwtauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unsafe"
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
	// Family is the "fid" claim: the session (refresh-token family) the
	// token was issued for, empty for a token of no family. Revoking the
	// family ([Authenticator.RevokeFamily]) refuses the token.
	Family string
	// Scopes are the space-separated values of the "scope" claim
	// (RFC 8693 §4.2, RFC 9068 §2.2.3).
	Scopes []string

	payload []byte
}

// HasScope reports whether the token grants scope s.
func (c Claims) HasScope(s string) bool { return slices.Contains(c.Scopes, s) }

// Decode unmarshals the whole verified claim set into v, a pointer to the
// caller's own struct, for custom claims. Registered claims decode too if v
// has fields for them, with the values the verifier checked.
//
// Decode uses encoding/json, which matches member names to fields
// case-insensitively. So that a field never receives a member the
// verifier did not read, verification refuses a claim set holding a case
// variant of a registered claim ("Sub", "ISS"), and Decode refuses one in
// which any object holds two names equal under Unicode case folding
// ("role" and "Role"): encoding/json would keep whichever came last.
//
// It fails with [ErrInvalidClaims] when c did not come from a verified or
// issued token, or when the claims do not fit v.
func (c Claims) Decode(v any) error {
	if c.payload == nil {
		return fmt.Errorf("%w: no payload", ErrInvalidClaims)
	}
	if err := uniqueFoldedNames(c.payload); err != nil {
		return fmt.Errorf("%w: decode custom claims: %w", ErrInvalidClaims, err)
	}
	if err := json.Unmarshal(c.payload, v); err != nil {
		return fmt.Errorf("%w: decode custom claims: %w", ErrInvalidClaims, err)
	}
	return nil
}

// registeredNames are the claims this package reads or sets itself.
var registeredNames = [...]string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "fid"}

// registeredClaim reports whether name is a claim Issue sets itself.
func registeredClaim(name string) bool {
	for _, r := range registeredNames {
		if name == r {
			return true
		}
	}
	return false
}

// foldsToRegistered reports whether name differs from every registered
// claim but equals one under Unicode case folding, the matching
// encoding/json uses for struct fields.
func foldsToRegistered(name []byte) bool {
	if len(name) > 3*len("scope") { // a folded variant is at most 3 bytes a letter
		return false
	}
	for _, r := range registeredNames {
		if string(name) != r && strings.EqualFold(string(name), r) {
			return true
		}
	}
	return false
}

// errFoldedNames is the cause when an object holds two names that
// encoding/json would give the same struct field.
var errFoldedNames = errors.New("member names differ only in case")

// uniqueFoldedNames refuses a JSON text in which some object, at any
// depth, holds two member names equal under Unicode case folding.
func uniqueFoldedNames(b []byte) error {
	type frame struct {
		names   map[string]struct{} // nil for an array
		wantKey bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			top := stack[n-1]
			if name, ok := tok.(string); ok {
				k := foldKey(name)
				if _, dup := top.names[k]; dup {
					return errFoldedNames
				}
				top.names[k] = struct{}{}
				top.wantKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{names: map[string]struct{}{}, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object expects a name next.
		if n := len(stack); n > 0 && stack[n-1].names != nil {
			stack[n-1].wantKey = true
		}
	}
}

// foldKey maps s to one representative of its case-folding class: each
// rune becomes the smallest rune of its unicode.SimpleFold orbit, so
// foldKey(a) == foldKey(b) exactly when strings.EqualFold(a, b).
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		lo := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			lo = min(lo, f)
		}
		b.WriteRune(lo)
	}
	return b.String()
}

// parseClaims decodes a verified payload into c. Every registered claim
// must have its RFC 7519 JSON type; unknown members are kept for Decode
// only. payload must not be written to afterwards: c's strings share its
// memory (see claimString).
func parseClaims(payload []byte, c *Claims) error {
	*c = Claims{payload: payload}
	return members(payload, func(name, val []byte) error {
		var err error
		switch string(name) {
		case "iss":
			c.Issuer, err = claimString(val)
		case "sub":
			c.Subject, err = claimString(val)
		case "aud":
			c.Audience, err = claimStrings(val)
		case "exp":
			c.ExpiresAt, err = numericDate(val)
		case "nbf":
			c.NotBefore, err = numericDate(val)
		case "iat":
			c.IssuedAt, err = numericDate(val)
		case "jti":
			c.ID, err = claimString(val)
		case "fid":
			c.Family, err = claimString(val)
		case "scope":
			var s string
			if s, err = claimString(val); err == nil {
				if c.Scopes, err = parseScope(s); err != nil {
					return err
				}
			}
		default:
			if foldsToRegistered(name) {
				// "Sub" or "ſub": encoding/json would hand it to a
				// field tagged "sub" in Decode, a claim the verifier
				// never looked at.
				return fmt.Errorf("member %q: a case variant of a registered claim", name)
			}
		}
		if err != nil {
			return fmt.Errorf("claim %q: wrong type", name)
		}
		return nil
	})
}

// claimString decodes the JSON string val without copying it when it has
// no escapes: the string shares the payload's memory. That is safe because
// a payload is decoded into a buffer of its own and never written again,
// so the string stays as immutable as Go requires, and it saves an
// allocation per claim on every request.
func claimString(val []byte) (string, error) {
	b, err := stringBytes(val)
	if err != nil || len(b) == 0 {
		return "", err
	}
	return unsafe.String(&b[0], len(b)), nil
}

// stringBytes is jsonBytes for a value members already scanned: a string
// without escapes is its bytes between the quotes, so only escaped strings
// are scanned again.
func stringBytes(val []byte) ([]byte, error) {
	if len(val) >= 2 && val[0] == '"' && bytes.IndexByte(val, '\\') < 0 {
		return val[1 : len(val)-1], nil
	}
	return jsonBytes(val)
}

// claimStrings decodes aud: one string, or an array of strings.
func claimStrings(val []byte) ([]string, error) {
	if len(val) > 0 && val[0] == '"' {
		s, err := claimString(val)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	return jsonStrings(val)
}

type ctxKey struct{}

// claimsContext carries claims in one allocation, where context.WithValue
// and a pointer to the claims would take two on every request.
type claimsContext struct {
	context.Context
	c Claims
}

func (x *claimsContext) Value(k any) any {
	if k == (ctxKey{}) {
		return &x.c
	}
	return x.Context.Value(k)
}

// NewContext returns a copy of ctx carrying c, as the middleware does.
// [FromContext], [Authenticator.RequireScopes] and [Authenticator.Logout]
// trust what it carries without checking a token again: pass it only
// claims that [Authenticator.Verify] returned, or use it in tests.
func NewContext(ctx context.Context, c Claims) context.Context {
	return &claimsContext{Context: ctx, c: c}
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
