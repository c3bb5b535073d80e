package problem

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// ContentType is the media type of a problem document (RFC 9457 §3).
const ContentType = "application/problem+json"

// Problem is an RFC 9457 problem details object. Type defaults to
// "about:blank" and Title to the status text when left empty.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Instance identifies this occurrence (RFC 9457 §3.1.5), if known.
	Instance string `json:"instance,omitempty"`
	// Errors lists field problems, for validation failures.
	Errors []FieldError `json:"errors,omitempty"`
	// Extensions are further members of the document (RFC 9457 §3.2),
	// such as {"retry_after": 30}. A member named like one of the fields
	// above is dropped, so an extension can never rewrite the status or
	// the type. Values must marshal as JSON; if one does not, Write sends
	// the problem without its extensions.
	Extensions map[string]any `json:"-"`
}

// FieldError is one problem with one field of a request. Field is the name
// the client used (a JSON path such as "items[2].qty", or a query
// parameter); it never carries the submitted value.
type FieldError struct {
	Field string `json:"field"`
	Rule  string `json:"rule,omitempty"`
	// Param is the rule's parameter as configured on the server ("8" for
	// a minimum length of 8), so clients can word their own messages.
	Param   string `json:"param,omitempty"`
	Message string `json:"message"`
	// Codes are finer reasons within Rule, when a rule has several (the
	// password rule lists "too_short", "common", ...).
	Codes []string `json:"codes,omitempty"`
}

// New returns a problem of type about:blank for status with the given
// client-safe detail.
func New(status int, detail string) Problem {
	return Problem{Status: status, Detail: detail}
}

// members are the names Problem itself writes; extensions may not reuse them.
var members = map[string]bool{"type": true, "title": true, "status": true, "detail": true, "instance": true, "errors": true}

// MarshalJSON writes the standard members, then the extensions in key order.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem // no methods: no recursion
	body, err := json.Marshal(plain(p))
	if err != nil || len(p.Extensions) == 0 {
		return body, err
	}
	ext := make(map[string]any, len(p.Extensions))
	for k, v := range p.Extensions {
		if !members[k] {
			ext[k] = v
		}
	}
	if len(ext) == 0 {
		return body, nil
	}
	more, err := json.Marshal(ext) // map keys come out sorted
	if err != nil {
		return nil, err
	}
	// Join {"type":...} and {"a":...} into {"type":...,"a":...}.
	out := append(body[:len(body)-1], ',')
	return append(out, more[1:]...), nil
}

// Write sends p as the response. Headers the caller set before (such as
// WWW-Authenticate or Retry-After) are kept. A status outside 400-599 is
// sent as 500: a problem is never a success.
func Write(w http.ResponseWriter, p Problem) {
	p = normalize(p)
	body, err := json.Marshal(p)
	if err != nil { // an extension that does not marshal
		p.Extensions = nil
		body, _ = json.Marshal(p) // strings and ints only: cannot fail
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(body, '\n'))
}

func normalize(p Problem) Problem {
	if p.Status < 400 || p.Status > 599 {
		p.Status = http.StatusInternalServerError
	}
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	return p
}

// Error writes a problem with only the status and its standard title, for
// answers that must not say more (401, 503, 500).
func Error(w http.ResponseWriter, status int) {
	Write(w, Problem{Status: status})
}
