// Package problem writes RFC 9457 "problem details" answers: the one error
// format that every lambdasec middleware answers with, and that a service
// can use for its own errors.
//
//	problem.Write(w, problem.Problem{
//		Status: http.StatusConflict,
//		Detail: "the period is closed",
//		Extensions: map[string]any{"period": "2026-11"},
//	})
//
// [NotFound] and [MethodNotAllowed] answer unknown routes, [WrapMux] makes
// an [http.ServeMux] answer its own 404 and 405 that way (it answers in
// text/plain otherwise), and [Recover] turns a panic into a 500 problem.
//
// # Security model
//
// A [Problem] carries only what the client may see. Causes, stack traces,
// tokens, passwords and submitted values never go in it: log those
// separately, as [Recover] does. Every problem answer is marked
// "Cache-Control: no-store" (a CDN must not serve one user's refusal to
// another) and "X-Content-Type-Options: nosniff" (a browser must not
// sniff it into HTML).
//
// # What the caller still does
//
// Word Detail for the client and keep it free of internal names; wrap the
// outermost handler with [Recover]; send other security headers (HSTS,
// CSP) the service needs, since this package only writes error answers.
package problem
