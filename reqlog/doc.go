// Package reqlog ties log lines to the request they belong to: an access
// log middleware that writes one JSON line per request, and a slog.Handler
// that adds the request id, the Lambda request id, the cold-start flag, the
// X-Ray trace id and the route to every line any logger writes while the
// request is served.
//
//	logger := reqlog.NewLogger(nil)         // JSON on Lambda, text locally
//	access, err := reqlog.NewAccessLog(reqlog.Config{Logger: logger})
//	handler := access.Handler(mux)          // outermost, or next to it
//
// The request id honours the front door's: lambdahttp records API
// Gateway's requestContext.requestId (and, behind an Application Load
// Balancer, its X-Amzn-Trace-Id); a plain HTTP server gets a random id,
// also sent back in the X-Request-Id answer header.
//
// # Security model
//
// The access log holds the method, the path, the route pattern, the
// status, the size, the duration, the client address and the ids. It never
// holds the query string, headers, cookies or bodies: they carry tokens,
// passwords and personal data. Client-chosen text that is logged (the path)
// is cut to 1024 bytes; the slog JSON and text handlers escape control
// characters, so a path cannot forge a log line.
//
// Request ids sent by the client (an X-Request-Id header) are not trusted
// as ids: the client's value is logged apart, cleaned and bounded, as
// client_request_id.
//
// # What the caller still does
//
// Place the access log outside every middleware that copies the request
// (r.WithContext) or wrap the router with a route recorder (tracing.Routes
// does it), so the route pattern reaches the line; give ClientIP the same
// function the rate limiter uses, so both name the same caller.
package reqlog
