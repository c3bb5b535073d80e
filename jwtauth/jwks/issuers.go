package jwks

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/lambdasec/lambdasec/internal/strictjson"
	"github.com/lambdasec/lambdasec/jwtauth"
)

// ErrUnknownIssuer means a token's iss is not one of the issuers given to
// [NewIssuers]. Returned by [Issuers.Verify], wrapped together with
// jwtauth.ErrInvalidIssuer; use errors.Is.
var ErrUnknownIssuer = errors.New("jwks: issuer not configured")

// Verifier verifies a token completely: a *jwtauth.Authenticator, a
// [*Cognito] or an [*Issuers]. It is jwtauth.Verifier, so an Issuers can
// be handed to jwtauth's Authenticator.HandlerFor.
type Verifier = jwtauth.Verifier

// Issuers accepts tokens from several issuers, each verified by its own
// Verifier, so each keeps its own keys, audience and rules. Create it with
// [NewIssuers]; the zero value accepts nothing. It is safe for concurrent
// use.
//
// The token's iss is read before verification, only to choose among the
// configured issuers by exact match: an iss that is not configured is
// refused before any key is looked up, so a forged token can never make
// the service fetch from a URL of its choosing. The chosen Verifier then
// checks everything, iss included, and Issuers checks once more that the
// verified iss is the one that chose it.
type Issuers struct {
	byIssuer map[string]Verifier
}

// NewIssuers returns an Issuers routing each issuer identifier (the exact
// iss value) to its Verifier. It fails with [ErrInvalidConfig] when
// verifiers is empty or holds a nil Verifier or an empty issuer.
func NewIssuers(verifiers map[string]Verifier) (*Issuers, error) {
	if len(verifiers) == 0 {
		return nil, fmt.Errorf("%w: no issuers", ErrInvalidConfig)
	}
	is := &Issuers{byIssuer: make(map[string]Verifier, len(verifiers))}
	for iss, v := range verifiers {
		if iss == "" || v == nil || nilPointer(v) {
			return nil, fmt.Errorf("%w: empty issuer or nil Verifier", ErrInvalidConfig)
		}
		is.byIssuer[iss] = v
	}
	return is, nil
}

// Verify chooses the Verifier by the token's iss and verifies the token
// with it. A token whose iss is missing or not configured fails with
// [ErrUnknownIssuer] and jwtauth.ErrInvalidIssuer, without I/O.
func (is *Issuers) Verify(ctx context.Context, token string) (jwtauth.Claims, error) {
	iss, err := unverifiedIssuer(token)
	if err != nil {
		return jwtauth.Claims{}, err
	}
	v, ok := is.byIssuer[iss]
	if !ok {
		return jwtauth.Claims{}, fmt.Errorf("%w: %w", ErrUnknownIssuer, jwtauth.ErrInvalidIssuer)
	}
	c, err := v.Verify(ctx, token)
	if err != nil {
		return jwtauth.Claims{}, err
	}
	if c.Issuer != iss { // a Verifier built without an Issuer check
		return jwtauth.Claims{}, jwtauth.ErrInvalidIssuer
	}
	return c, nil
}

// unverifiedIssuer reads iss from the payload of a compact JWS without
// checking anything else. The result only selects among configured
// issuers; it is never used to build a URL.
func unverifiedIssuer(token string) (string, error) {
	if len(token) > jwtauth.DefaultMaxTokenSize {
		return "", fmt.Errorf("%w: too long", jwtauth.ErrTokenMalformed)
	}
	_, rest, ok1 := strings.Cut(token, ".")
	payload, _, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return "", fmt.Errorf("%w: not three segments", jwtauth.ErrTokenMalformed)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return "", fmt.Errorf("%w: payload encoding", jwtauth.ErrTokenMalformed)
	}
	iss := ""
	err = strictjson.Members(raw, maxJSONDepth, func(name, val []byte) error {
		if string(name) == "iss" {
			var ok bool
			if iss, ok = strictjson.Unquote(val); !ok {
				return errors.New("iss is not a string")
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("%w: claims: %w", jwtauth.ErrTokenMalformed, err)
	}
	return iss, nil
}

// nilPointer reports whether v holds a nil pointer, typically a
// constructor's result whose error was not checked.
func nilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
