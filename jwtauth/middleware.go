package jwtauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/lambdasec/lambdasec/problem"
)

// Authenticate extracts the bearer token from r and verifies it with
// [Authenticator.Verify]. The token comes from the one Authorization
// header with the Bearer scheme (case-insensitive, RFC 6750 §2.1), else
// from the Config.Cookie cookie when one is configured; never from the
// query string. Several Authorization headers, or several token cookies,
// are refused as malformed rather than guessed between. It returns
// [ErrTokenMissing] when no token was presented.
func (a *Authenticator) Authenticate(r *http.Request) (Claims, error) {
	token, err := a.extract(r)
	if err != nil {
		return Claims{}, err
	}
	return a.Verify(r.Context(), token)
}

func (a *Authenticator) extract(r *http.Request) (string, error) {
	// The key is in canonical form: a direct lookup skips Values'
	// canonicalisation on every request.
	switch vals := r.Header["Authorization"]; len(vals) {
	case 0:
	case 1:
		scheme, tok, _ := strings.Cut(vals[0], " ")
		if strings.EqualFold(scheme, "Bearer") {
			if tok = strings.TrimLeft(tok, " "); tok == "" {
				return "", malformed("empty bearer token")
			}
			return tok, nil
		}
		// Another scheme (Basic, ...) is not a bearer token: fall through,
		// and answer as if none was sent.
	default:
		return "", malformed("several Authorization headers")
	}
	if a.cookie != "" {
		var tok string
		n := 0
		for _, c := range r.CookiesNamed(a.cookie) {
			tok = c.Value
			n++
		}
		switch {
		case n > 1:
			return "", malformed("several token cookies")
		case n == 1 && tok != "":
			return tok, nil
		}
	}
	return "", ErrTokenMissing
}

// Handler is middleware that lets only requests with a valid token reach
// next, with the claims in the request context (see [FromContext]). Other
// requests are answered by Config.ErrorHandler. The method value
// a.Handler is a func(http.Handler) http.Handler for chi, alice or a plain
// ServeMux. Every method is checked, OPTIONS included: CORS preflight
// handling belongs in front of it.
func (a *Authenticator) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, err := a.authenticateContext(r)
		if err != nil {
			a.reject(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticateContext is [Authenticator.Authenticate] returning r's
// context with the claims, as [NewContext] would, but verified straight
// into the context's own copy: the claims are neither copied nor
// allocated apart.
func (a *Authenticator) authenticateContext(r *http.Request) (context.Context, error) {
	token, err := a.extract(r)
	if err != nil {
		return nil, err
	}
	cc := &claimsContext{Context: r.Context()}
	if err := a.verifyInto(cc.Context, token, &cc.c); err != nil {
		return nil, err
	}
	return cc, nil
}

// RequireScopes returns middleware that lets a request through only when
// its token grants every one of scopes; otherwise it answers 403 with
// error="insufficient_scope". Used after [Authenticator.Handler] it reads
// the claims from the context; used alone it authenticates the request
// itself.
func (a *Authenticator) RequireScopes(scopes ...string) func(http.Handler) http.Handler {
	scopes = append([]string(nil), scopes...)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, ok := FromContext(r.Context())
			if !ok {
				var err error
				if c, err = a.Authenticate(r); err != nil {
					a.reject(w, r, err)
					return
				}
				r = r.WithContext(NewContext(r.Context(), c))
			}
			for _, s := range scopes {
				if !c.HasScope(s) {
					a.reject(w, r, ErrInsufficientScope)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Logout revokes the token that authenticated r: the claims in its context
// when [Authenticator.Handler] ran, else the token it carries. Other tokens
// of the same user stay valid; see [Authenticator.RevokeSubject].
func (a *Authenticator) Logout(r *http.Request) error {
	c, ok := FromContext(r.Context())
	if !ok {
		var err error
		if c, err = a.Authenticate(r); err != nil {
			return err
		}
	}
	return a.Revoke(r.Context(), c)
}

func (a *Authenticator) reject(w http.ResponseWriter, r *http.Request, err error) {
	level := slog.LevelInfo
	switch {
	case errors.Is(err, ErrTokenMissing):
		level = slog.LevelDebug
	case errors.Is(err, ErrKeySourceUnavailable):
		level = slog.LevelError
	}
	a.log.LogAttrs(r.Context(), level, "jwtauth: request refused",
		slog.String("error", err.Error()), slog.String("method", r.Method), slog.String("path", r.URL.Path))
	a.report(r, err)
	a.onError(w, r, err)
}

// WriteError is the default Config.ErrorHandler. It answers with an RFC
// 9457 problem document and says no more than RFC 6750 §3 requires, so
// a client cannot tell an expired token from a forged one:
//
//   - no token: 401, WWW-Authenticate: Bearer
//   - any invalid, expired or revoked token: 401, WWW-Authenticate:
//     Bearer error="invalid_token"
//   - [ErrInsufficientScope]: 403, Bearer error="insufficient_scope"
//   - [ErrRevocationUnavailable], [ErrKeySourceUnavailable]: 503,
//     Retry-After: 1
func WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	switch {
	case errors.Is(err, ErrRevocationUnavailable), errors.Is(err, ErrKeySourceUnavailable):
		w.Header().Set("Retry-After", "1")
		problem.Error(w, http.StatusServiceUnavailable)
	case errors.Is(err, ErrInsufficientScope):
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		problem.Error(w, http.StatusForbidden)
	case errors.Is(err, ErrTokenMissing):
		w.Header().Set("WWW-Authenticate", "Bearer")
		problem.Error(w, http.StatusUnauthorized)
	default:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		problem.Error(w, http.StatusUnauthorized)
	}
}
