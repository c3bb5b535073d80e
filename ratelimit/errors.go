package ratelimit

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by the checks. They are always wrapped with a short
// reason; use errors.Is.
var (
	// ErrLimited means the key has used up its quota. [Limiter.Allow],
	// [Limiter.Check] and [Attempts.Allow] return it inside a
	// [*LimitError] that says how long to wait. The middleware answers 429.
	ErrLimited = errors.New("ratelimit: limit exceeded")

	// ErrUnavailable means the store (Redis) failed or did not answer
	// within Config.Timeout and the policy is [FailClosed]. It is also
	// returned by [Attempts.Fail] and [Attempts.Reset] whenever the store
	// fails, whatever the policy. The middleware answers 503.
	ErrUnavailable = errors.New("ratelimit: store unavailable")

	// ErrNoKey means the request carries nothing to count it by: the
	// [KeyFunc] found no user, or the client address could not be parsed.
	// [Limiter.Check] returns it and the middleware refuses the request
	// with 500, because it points at a wiring mistake, not at the client.
	ErrNoKey = errors.New("ratelimit: no key for request")

	// ErrInvalidConfig means a Config field is out of range. Returned by
	// [New] and [NewAttempts].
	ErrInvalidConfig = errors.New("ratelimit: invalid config")
)

// LimitError is the error returned when a key is over its limit. It
// carries the [Result] so that a handler can set Retry-After and the
// RateLimit fields. It unwraps to [ErrLimited].
type LimitError struct {
	Result Result
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s: retry in %ds", ErrLimited.Error(), ceilSeconds(e.Result.RetryAfter))
}

// Unwrap returns [ErrLimited].
func (e *LimitError) Unwrap() error { return ErrLimited }

// FailurePolicy says what a check does when the store fails or times out.
// The zero value means the default of the type being configured: [FailOpen]
// for a [Limiter], [FailClosed] for [Attempts].
type FailurePolicy int

const (
	// FailOpen lets the request through when the store fails, and logs
	// it. Right for throttling, where an outage of Redis should not become
	// an outage of the service.
	FailOpen FailurePolicy = iota + 1
	// FailClosed refuses the request with [ErrUnavailable] (503) when the
	// store fails, and logs it. Right for security checks such as the
	// failed-login guard, which an attacker could otherwise switch off by
	// overloading Redis.
	FailClosed
)

func (p FailurePolicy) String() string {
	switch p {
	case 0:
		return "default"
	case FailOpen:
		return "fail-open"
	case FailClosed:
		return "fail-closed"
	}
	return fmt.Sprintf("FailurePolicy(%d)", int(p))
}

// ceilSeconds rounds d up to whole seconds, as Retry-After and the
// RateLimit fields need: a client that waits the advertised time must not
// arrive early. Positive durations give at least 1.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
