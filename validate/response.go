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

// answers is the one table from sentinel to answer: the status, and the
// detail sent when the error carries no client-safe detail of its own.
var answers = [...]struct {
	kind   error
	status int
	detail string
}{
	{ErrUnsupportedMediaType, http.StatusUnsupportedMediaType, "Content-Type must be application/json"},
	{ErrBodyTooLarge, http.StatusRequestEntityTooLarge, "request body is too large"},
	{ErrMalformed, http.StatusBadRequest, "request is malformed"},
	{ErrInvalid, http.StatusUnprocessableEntity, "request failed validation"},
}

// answerFor looks err up in answers; ok is false for anything else,
// which is answered 500.
func answerFor(err error) (status int, detail string, ok bool) {
	for _, a := range answers {
		if errors.Is(err, a.kind) {
			return a.status, a.detail, true
		}
	}
	return http.StatusInternalServerError, "", false
}

func problemFor(err error) problem.Problem {
	if err == nil || errors.Is(err, ErrInvalidType) {
		return problem.Problem{Status: http.StatusInternalServerError}
	}
	var fe *FieldErrors
	if errors.As(err, &fe) && len(fe.Errors) > 0 {
		return fieldProblem(fe)
	}
	var re *requestError
	if errors.As(err, &re) {
		status, _, _ := answerFor(re.kind)
		return problem.Problem{Status: status, Detail: re.detail}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return problem.Problem{Status: http.StatusRequestEntityTooLarge, Detail: "request body is larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes"}
	}
	status, detail, _ := answerFor(err)
	return problem.Problem{Status: status, Detail: detail}
}

// fieldProblem lists each field problem; the status is 422 for rule
// failures and 400 for values that could not be decoded.
func fieldProblem(fe *FieldErrors) problem.Problem {
	status, _, _ := answerFor(fe.Unwrap())
	p := problem.Problem{Status: status, Errors: make([]problem.FieldError, len(fe.Errors))}
	// Count fields, not entries: one field may break several rules.
	fields := make(map[string]struct{}, len(fe.Errors))
	for _, e := range fe.Errors {
		fields[e.Field] = struct{}{}
	}
	n := strconv.Itoa(len(fields)) + " fields"
	if len(fields) == 1 {
		n = "1 field"
	}
	if status == http.StatusUnprocessableEntity {
		p.Detail = n + " failed validation"
	} else {
		p.Detail = n + " could not be accepted"
	}
	for i, e := range fe.Errors {
		p.Errors[i] = problem.FieldError{Field: e.Field, Rule: e.Rule, Param: e.Param, Message: e.Message, Codes: e.Codes}
	}
	return p
}
