package main

import (
	"errors"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/jwtauth/refresh"
	"github.com/lambdasec/lambdasec/problem"
	"github.com/lambdasec/lambdasec/secevent"
	"github.com/lambdasec/lambdasec/validate"
)

// Sessions: a login returns a 15-minute access token and a refresh token;
// POST /v1/auth/refresh spends the refresh token for a new pair. A refresh
// token used twice revokes its session (its family): the newer refresh
// token and the session's access tokens stop working. Logout ends the
// session of the access token presented.
//
// The refresh token travels in the JSON body, not in a cookie: the
// service answers API clients that hold their tokens themselves, so no
// browser sends it on its own and there is nothing for CSRF to ride on.
// A browser front end that keeps it in an HttpOnly, Secure,
// SameSite=Strict cookie scoped to /v1/auth/refresh would need that
// cookie's CSRF defence on this one route.

// refreshClient is the client id the refresh tokens are bound to: the
// service's own clients, the only ones it issues to.
const refreshClient = ""

// refreshGrace lets a client whose answer was lost retry with the same
// refresh token for a few seconds and get the same pair.
const refreshGrace = 10 * time.Second

// refreshRequest is the body of POST /v1/auth/refresh. A refresh token is
// 86 characters; a longer value is refused before the store is asked.
type refreshRequest struct {
	RefreshToken string `json:"refresh_token" validate:"required,max=128"`
}

// setupRefresh builds the refresh-token store on the service's Redis and
// Authenticator.
func (a *app) setupRefresh(rdb redis.UniversalClient, cfg config) error {
	s, err := refresh.New(refresh.Config{
		Client:        rdb,
		Authenticator: a.auth,
		Prefix:        cfg.redisPrefix + "refresh",
		GracePeriod:   refreshGrace,
		Timeout:       a.redisTimeout(),
		Events:        a.events,
		Logger:        a.log,
	})
	if err != nil {
		return err
	}
	a.refresh = s
	return a.validate.Register(refreshRequest{})
}

// refreshTokens answers like login, with the next pair of the session.
func (a *app) refreshTokens(w http.ResponseWriter, r *http.Request) {
	var in refreshRequest
	if err := a.validate.DecodeJSON(r, &in); err != nil {
		a.event(r, secevent.InputValidationFail, "", "body")
		validate.WriteError(w, r, err)
		return
	}
	tk, err := a.refresh.Exchange(r.Context(), in.RefreshToken, refreshClient)
	if err != nil {
		a.sessionError(w, r, err)
		return
	}
	a.writeTokens(w, tk)
}

// writeTokens answers a login or a refresh.
func (a *app) writeTokens(w http.ResponseWriter, tk refresh.Tokens) {
	// RFC 6749 §5.1: responses carrying tokens are not cached.
	w.Header().Set("Cache-Control", "no-store")
	now := tk.Claims.IssuedAt
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken:      tk.AccessToken,
		TokenType:        "Bearer",
		ExpiresIn:        int(tk.Claims.ExpiresAt.Sub(now) / time.Second),
		RefreshToken:     tk.RefreshToken.Reveal(),
		RefreshExpiresIn: int(tk.RefreshExpiresAt.Sub(now) / time.Second),
	})
}

// endSession revokes the session of the request's access token: its
// family when it has one, else the token alone.
func (a *app) endSession(r *http.Request) error {
	if c, ok := jwtauth.FromContext(r.Context()); ok && c.Family != "" {
		return a.refresh.Logout(r.Context(), c)
	}
	return a.auth.Logout(r)
}

// sessionError answers a failed login, refresh or logout step of the
// refresh store, or of the Authenticator.
func (a *app) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, refresh.ErrUnavailable):
		a.event(r, secevent.SysDependencyFail, "", "refresh_store")
		refresh.WriteError(w, r, err)
	case errors.Is(err, refresh.ErrInvalidToken), errors.Is(err, refresh.ErrReused), errors.Is(err, refresh.ErrRevoked):
		refresh.WriteError(w, r, err)
	case errors.Is(err, jwtauth.ErrRevocationUnavailable):
		jwtauth.WriteError(w, r, err)
	default:
		a.log.ErrorContext(r.Context(), "session", "error", err)
		problem.Error(w, http.StatusInternalServerError)
	}
}
