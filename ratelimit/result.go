package ratelimit

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/lambdasec/lambdasec/problem"
)

// Result describes the state of one key after a check.
type Result struct {
	// Policy names the limit in the RateLimit fields (Config.Name). It is
	// empty for [Attempts], whose policy is not advertised.
	Policy string
	// Limit is the quota: requests (or failures) allowed per Period.
	Limit int
	// Period is the window the quota applies to.
	Period time.Duration
	// Remaining is how many more requests (or failures) the key may make
	// right now.
	Remaining int
	// RetryAfter is how long to wait before the next request may pass.
	// It is zero when the request was allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the key's whole quota is available
	// again.
	ResetAfter time.Duration
}

// Allowed reports whether the check let the request through.
func (r Result) Allowed() bool { return r.RetryAfter <= 0 }

// SetHeaders adds the RateLimit-Policy and RateLimit fields of the IETF
// httpapi draft (draft-ietf-httpapi-ratelimit-headers, structured-field
// syntax) for a named policy, and sets Retry-After (whole seconds, rounded
// up) when the request was refused. A zero Result (from a check that
// failed open) sets nothing.
//
// The fields are added, not set, so that two limiters in a chain (per IP,
// then per user) each report their own policy:
//
//	RateLimit-Policy: "ip";q=2000;w=300
//	RateLimit: "ip";r=1999;t=1
//
// q is the quota and w the window in seconds; r is what remains and t the
// seconds until the quota is whole again or, on a refused request, until
// the next request may pass.
func (r Result) SetHeaders(h http.Header) {
	if r.Limit <= 0 {
		return
	}
	if r.Policy != "" {
		name := strconv.Quote(r.Policy) // validated: printable ASCII without quotes or backslashes
		t := ceilSeconds(r.ResetAfter)
		if !r.Allowed() {
			t = ceilSeconds(r.RetryAfter)
		}
		h.Add("RateLimit-Policy", name+";q="+strconv.Itoa(r.Limit)+";w="+strconv.FormatInt(ceilSeconds(r.Period), 10))
		h.Add("RateLimit", name+";r="+strconv.Itoa(r.Remaining)+";t="+strconv.FormatInt(t, 10))
	}
	if !r.Allowed() {
		h.Set("Retry-After", strconv.FormatInt(ceilSeconds(r.RetryAfter), 10))
	}
}

// WriteError answers a request that a check refused. It is the default
// Config.ErrorHandler, and has its shape, so a handler of your own can
// call it for the cases it does not treat itself:
//
//   - a [*LimitError] ([ErrLimited]) gives 429 Too Many Requests with
//     Retry-After, the RateLimit fields and a problem+json body saying how
//     long to wait;
//   - [ErrUnavailable] gives 503 Service Unavailable with Retry-After: 1;
//   - anything else ([ErrNoKey] included) gives 500.
//
// Bodies are RFC 9457 problem details written by package problem, and
// never echo the key.
func WriteError(w http.ResponseWriter, _ *http.Request, err error) {
	var le *LimitError
	switch {
	case errors.As(err, &le):
		le.Result.SetHeaders(w.Header())
		secs := max(ceilSeconds(le.Result.RetryAfter), 1)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		problem.Write(w, problem.Problem{
			Status: http.StatusTooManyRequests,
			Detail: fmt.Sprintf("Too many requests. Retry in %d seconds.", secs),
		})
	case errors.Is(err, ErrUnavailable):
		// The store is down and the policy fails closed: a short outage,
		// worth a retry, as jwtauth and refresh answer theirs.
		w.Header().Set("Retry-After", "1")
		problem.Error(w, http.StatusServiceUnavailable)
	default:
		problem.Error(w, http.StatusInternalServerError)
	}
}
