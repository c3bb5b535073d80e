// Package problem writes RFC 9457 "problem details" responses, the one
// error format every lambdasec middleware and helper answers with.
//
// A Problem carries only what the client may see. Causes, tokens, passwords
// and submitted values never go in it: callers log those separately.
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
}

// New returns a problem of type about:blank for status with the given
// client-safe detail.
func New(status int, detail string) Problem {
	return Problem{Status: status, Detail: detail}
}

// Write sends p as the response. Headers the caller set before (such as
// WWW-Authenticate or Retry-After) are kept. The response is marked
// uncacheable and not to be content-sniffed.
func Write(w http.ResponseWriter, p Problem) {
	if p.Status < 400 || p.Status > 599 {
		p.Status = http.StatusInternalServerError
	}
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	body, err := json.Marshal(p)
	if err != nil { // only strings and ints: cannot happen
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(body, '\n'))
}

// Error writes a problem with only the status and its standard title, for
// answers that must not say more (401, 503, 500).
func Error(w http.ResponseWriter, status int) {
	Write(w, Problem{Status: status})
}
