package refresh

import (
	"errors"
	"net/http"

	"github.com/lambdasec/lambdasec/problem"
)

// Errors returned by the [Store] methods. They are wrapped with a short
// reason (never a token): always compare with errors.Is.
var (
	// ErrInvalidConfig is returned by [New] for an unusable Config.
	ErrInvalidConfig = errors.New("refresh: invalid config")

	// ErrInvalidToken means the refresh token is malformed, unknown,
	// expired (absolute lifetime or idle timeout), or presented by
	// another client than the one it was issued to. Returned by
	// [Store.Exchange].
	ErrInvalidToken = errors.New("refresh: invalid refresh token")

	// ErrReused means a refresh token was presented after it had been
	// exchanged (outside the grace period): it was probably stolen, so
	// its whole family has been revoked, the newest refresh token and the
	// family's access tokens included. Returned by [Store.Exchange].
	ErrReused = errors.New("refresh: refresh token reused; family revoked")

	// ErrRevoked means the token's family was revoked before: logout,
	// log out everywhere, or an earlier reuse. Returned by
	// [Store.Exchange].
	ErrRevoked = errors.New("refresh: refresh token revoked")

	// ErrUnavailable means the store failed or was slower than
	// Config.Timeout (or the Authenticator's revocation store failed), so
	// nothing was issued or the revocation is not known to be complete.
	// Returned by every Store method; the client should retry.
	ErrUnavailable = errors.New("refresh: store unavailable")
)

// WriteError answers a failed refresh or logout with an RFC 9457 problem
// document and says no more than a client needs:
//
//   - [ErrInvalidToken], [ErrReused], [ErrRevoked]: 401 "log in again",
//     the same answer for each, so a thief learns nothing about which
//     token the client holds now;
//   - [ErrUnavailable]: 503 with Retry-After: 1;
//   - anything else: 500.
func WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	switch {
	case errors.Is(err, ErrUnavailable):
		w.Header().Set("Retry-After", "1")
		problem.Error(w, http.StatusServiceUnavailable)
	case errors.Is(err, ErrInvalidToken), errors.Is(err, ErrReused), errors.Is(err, ErrRevoked):
		problem.Write(w, problem.Problem{Status: http.StatusUnauthorized,
			Detail: "the refresh token is invalid, expired or revoked; log in again"})
	default:
		problem.Error(w, http.StatusInternalServerError)
	}
}
