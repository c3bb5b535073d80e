package lambdahttp

import (
	"errors"
	"net/http"

	"github.com/lambdasec/lambdasec/problem"
)

// WriteError is the default Config.ErrorHandler. It answers an error
// wrapping [ErrBodyTooLarge] with a 413 problem, one wrapping
// [ErrBadEvent] with a 400 problem, and anything else with a 500 problem.
// The answer names the status only; the cause is logged, not sent.
func WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		problem.Write(w, problem.New(http.StatusRequestEntityTooLarge, "the request body is too large"))
	case errors.Is(err, ErrBadEvent):
		problem.Write(w, problem.New(http.StatusBadRequest, "the request could not be read"))
	default:
		problem.Error(w, http.StatusInternalServerError)
	}
}
