package validate

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/lambdasec/lambdasec/problem"
)

// WriteError answers a request with the RFC 9457 problem (media type
// application/problem+json) for err:
//
//   - [*FieldErrors]: 422 for [ErrInvalid], 400 for [ErrMalformed], with
//     an "errors" member listing each field's "field", "rule", "param" and
//     "message";
//   - [ErrMalformed] 400, [ErrBodyTooLarge] (or an [http.MaxBytesError])
//     413, [ErrUnsupportedMediaType] 415 with Accept-Post or Accept-Patch
//     naming application/json for POST and PATCH requests; the "detail"
//     member says what was wrong, never with a submitted value;
//   - anything else, including [ErrInvalidType] and nil: a bare 500 with no
//     detail. Log such errors yourself; WriteError never does.
//
// Headers already set on w are kept, and the response is marked
// uncacheable. r may be nil.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	if p.Status == http.StatusUnsupportedMediaType && r != nil {
		switch r.Method {
		case http.MethodPost:
			w.Header().Set("Accept-Post", "application/json")
		case http.MethodPatch:
			w.Header().Set("Accept-Patch", "application/json")
		}
	}
	problem.Write(w, p)
}

// StatusCode returns the HTTP status [WriteError] would answer err with.
func StatusCode(err error) int { return problemFor(err).Status }

func problemFor(err error) problem.Problem {
	if err == nil || errors.Is(err, ErrInvalidType) {
		return problem.Problem{Status: http.StatusInternalServerError}
	}
	var fe *FieldErrors
	if errors.As(err, &fe) && len(fe.Errors) > 0 {
		p := problem.Problem{Status: http.StatusBadRequest, Errors: make([]problem.FieldError, len(fe.Errors))}
		// Count fields, not entries: one field may break several rules.
		fields := make(map[string]struct{}, len(fe.Errors))
		for _, e := range fe.Errors {
			fields[e.Field] = struct{}{}
		}
		n := strconv.Itoa(len(fields)) + " fields"
		if len(fields) == 1 {
			n = "1 field"
		}
		if fe.Unwrap() == ErrInvalid {
			p.Status = http.StatusUnprocessableEntity
			p.Detail = n + " failed validation"
		} else {
			p.Detail = n + " could not be accepted"
		}
		for i, e := range fe.Errors {
			p.Errors[i] = problem.FieldError{Field: e.Field, Rule: e.Rule, Param: e.Param, Message: e.Message}
		}
		return p
	}
	var re *requestError
	if errors.As(err, &re) {
		return problem.Problem{Status: status(re.kind), Detail: re.detail}
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return problem.Problem{Status: http.StatusRequestEntityTooLarge, Detail: "request body is larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes"}
	case errors.Is(err, ErrUnsupportedMediaType):
		return problem.Problem{Status: http.StatusUnsupportedMediaType, Detail: "Content-Type must be application/json"}
	case errors.Is(err, ErrBodyTooLarge):
		return problem.Problem{Status: http.StatusRequestEntityTooLarge, Detail: "request body is too large"}
	case errors.Is(err, ErrMalformed):
		return problem.Problem{Status: http.StatusBadRequest, Detail: "request is malformed"}
	case errors.Is(err, ErrInvalid):
		return problem.Problem{Status: http.StatusUnprocessableEntity, Detail: "request failed validation"}
	}
	return problem.Problem{Status: http.StatusInternalServerError}
}

func status(kind error) int {
	switch kind {
	case ErrUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case ErrBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case ErrMalformed:
		return http.StatusBadRequest
	case ErrInvalid:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}
