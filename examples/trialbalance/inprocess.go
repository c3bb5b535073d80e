package main

import "time"

// inProcessTimeout is the deadline of Redis calls to the in-process Redis
// of the embedded defaults. That server runs its scripts on the service's
// own cores, so its latency under a burst of logins is CPU time shared
// with password hashing and with every other request, not a network round
// trip: 64 logins at once take it past the 50 ms a networked Redis gets
// by default, and the failed-login guard (or the revocation check, 100
// ms) would answer 503 for a busy CPU alone. A second still fails a check
// that hangs.
const inProcessTimeout = time.Second

// redisTimeout is the per-call deadline for Redis: zero (the library's
// default, sized for a networked Redis) or, with the in-process Redis,
// inProcessTimeout.
func (a *app) redisTimeout() time.Duration {
	if a.mini != nil {
		return inProcessTimeout
	}
	return 0
}
