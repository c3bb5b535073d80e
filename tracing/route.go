package tracing

import (
	"context"
	"net/http"

	"github.com/lambdasec/lambdasec/internal/reqinfo"
)

// Routes wraps a router, usually the [http.ServeMux], so that the route
// pattern it matched names the request in the trace whatever middleware
// sits between [Tracer.Handler] and the router.
//
// The ServeMux records the pattern in r.Pattern of the *http.Request it
// is given. Tracer.Handler can read it there only when it hands the
// router that very request: any middleware in between that passes on a
// copy, as r.WithContext does (authentication, request ids, ...), hides
// the pattern from the Tracer, and the request is then named after its
// method alone. Routes reads r.Pattern on the request the router
// received, once the router has served it (also when it panics), and
// records it for the Tracer as [SetRoute] does, unless a handler already
// recorded a route:
//
//	handler := tr.Handler(auth.Handler(tracing.Routes(mux)))
//
// The route also reaches the request's log lines written through package
// reqlog (its "route" attribute), under the same rule.
//
// Routes costs nothing when the request is neither traced nor logged, and
// wrapping a router that the Tracer wraps directly is harmless.
func Routes(router http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr := traceFrom(r.Context())
		info, logged := reqinfo.FromContext(r.Context())
		if tr == nil && !logged {
			router.ServeHTTP(w, r)
			return
		}
		defer func() {
			if r.Pattern == "" {
				return
			}
			if tr != nil {
				tr.setRoute(r.Pattern, false)
			}
			if logged && info.Route() == "" {
				info.SetRoute(r.Pattern)
			}
		}()
		router.ServeHTTP(w, r)
	})
}

// SetRoute records pattern as the route of the request ctx belongs to: in
// Lambda it names the request's subsegment, and in both modes it is the
// "route" annotation. It is for routers that do not set r.Pattern (chi's
// RoutePattern, gorilla/mux's GetPathTemplate) and for handlers that know
// better than the router; the last call wins over the pattern the
// ServeMux matched. Call it before the handler returns. It does nothing
// when ctx carries no request traced by a [Tracer].
//
// The pattern should be a template ("GET /users/{id}"), not the path
// itself: X-Ray groups traces by name, and a path with identifiers in it
// makes one group per user.
func SetRoute(ctx context.Context, pattern string) {
	if tr := traceFrom(ctx); tr != nil && pattern != "" {
		tr.setRoute(pattern, true)
	}
}

func (tr *trace) setRoute(pattern string, overwrite bool) {
	tr.mu.Lock()
	if overwrite || tr.route == "" {
		tr.route = pattern
	}
	tr.mu.Unlock()
}

// routeOf is the route recorded for the request, or else the pattern on
// the request the Tracer passed on.
func (tr *trace) routeOf(r *http.Request) string {
	tr.mu.Lock()
	route := tr.route
	tr.mu.Unlock()
	if route == "" {
		route = r.Pattern
	}
	return route
}
