package validate

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/lambdasec/lambdasec/secevent"
)

// maxEventFields bounds the field names one event lists.
const maxEventFields = 8

// report sends the input_validation_fail event of a refused request to
// Config.Events. source is "body" or "query". An unusable destination
// type is the program's fault, not the client's: no event.
func (v *Validator) report(r *http.Request, source string, err error) {
	if err == nil || errors.Is(err, ErrInvalidType) || v.events == nil { // a nil v returns ErrInvalidType
		return
	}
	e := secevent.ForRequest(r, secevent.InputValidationFail)
	e.Reason = reason(err)
	e.Attrs = []slog.Attr{slog.String("source", source)}
	var fe *FieldErrors
	if errors.As(err, &fe) && len(fe.Errors) > 0 {
		names := make([]string, 0, min(len(fe.Errors), maxEventFields))
		for _, f := range fe.Errors[:min(len(fe.Errors), maxEventFields)] {
			names = append(names, f.Field+":"+f.Rule)
		}
		e.Attrs = append(e.Attrs, slog.String("fields", strings.Join(names, ",")))
	}
	secevent.Emit(r.Context(), v.events, e)
}

// reason names the kind of refusal in one word.
func reason(err error) string {
	switch {
	case errors.Is(err, ErrUnsupportedMediaType):
		return "media_type"
	case errors.Is(err, ErrBodyTooLarge):
		return "too_large"
	case errors.Is(err, ErrInvalid):
		return "invalid"
	default:
		return "malformed"
	}
}
