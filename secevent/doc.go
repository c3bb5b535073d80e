// Package secevent is the one way lambdasec packages report security
// events: a failed login, a refused or revoked token, a flood stopped by a
// rate limit, a request body refused by validation. Each event has a name
// from the OWASP Logging Vocabulary (authn_login_fail, authz_fail,
// excess_rate_limit_exceeded, ...), a level, and a few attributes (the
// user id, the client IP, the route, a short reason).
//
// A package reports through a [Sink] set in its Config (the field is
// called Events everywhere). Wiring it is one line, and with no Sink set
// nothing is reported and nothing else changes:
//
//	events := secevent.Multi(secevent.NewLogSink(logger), metrics)
//	auth, err := jwtauth.New(jwtauth.Config{..., Events: events})
//
// [NewLogSink] writes one log line per event, with the field "event"
// holding the name, so CloudWatch Logs Insights or any log search can count
// and group them. [Metrics] counts events per name (and per route) and
// writes them in CloudWatch Embedded Metric Format, so that alarms need no
// log parsing.
//
// # Security model
//
// Events cross a trust boundary: they are written where operators, log
// pipelines and third-party tools read them. [Emit] therefore cleans every
// event before any Sink sees it, whatever the caller put in it:
//   - an attribute whose key names a credential (password, token, secret,
//     authorization, cookie, session, api key, private key, credential) has
//     its value replaced by "[REDACTED]";
//   - a value that looks like a JWT, a bearer credential or a password hash
//     is replaced the same way, under any key;
//   - values of arbitrary types are never formatted (a struct could hold a
//     secret): only strings, numbers, booleans, times, durations, errors'
//     messages and slog.LogValuer results pass; other values become their
//     type name;
//   - control characters are escaped and strings are cut to 256 bytes, so a
//     client-chosen name cannot forge or flood log lines.
//
// Request bodies and submitted values are never attributes of the events
// the library reports.
//
// # What the caller still does
//
// Choose what a user id is: the library passes the identifier it was given
// (a token's subject, a login's account key). Where e-mail addresses are
// personal data your logs may not hold, pass a pseudonymous id. Route the
// log lines and metrics to alarms; the example's SAM template shows
// metric-filter-free alarms on the Embedded Metric Format counts.
package secevent
