package authorizer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/secevent"
)

// ErrUnauthorized is returned by the handlers for a request without a
// token that authenticates the caller. Its text is exactly "Unauthorized",
// unlike the library's other errors, because that is the text for which
// API Gateway answers 401; any other error makes it answer 500. Use
// errors.Is.
var ErrUnauthorized = errors.New("Unauthorized")

// ErrInvalidConfig is returned by [New]; always wrapped, use errors.Is.
var ErrInvalidConfig = errors.New("authorizer: invalid config")

// ErrUnknownEvent is returned for an event that is none of the formats
// the package answers; API Gateway then answers 500, which shows the
// misconfiguration. Always wrapped, use errors.Is.
var ErrUnknownEvent = errors.New("authorizer: unknown event")

// DefaultMaxCacheTTL is the largest result TTL API Gateway allows.
const DefaultMaxCacheTTL = time.Hour

// Route is one route of the API and the scopes a token needs for it.
type Route struct {
	// Method is the HTTP method ("GET"), or "*" or "ANY" for every method.
	Method string
	// Path is the resource path as API Gateway writes it:
	// "/v1/trial-balance", "/items/{id}", "/files/{proxy+}". Path
	// parameters match one or more segments, as in API Gateway's
	// policy evaluation.
	Path string
	// Scopes must all be granted by the token. Empty means any token
	// that authenticates.
	Scopes []string
}

// Config configures [New].
type Config struct {
	// Authenticator verifies tokens, with its keys, issuer, audience and
	// revocation check. Required.
	Authenticator *jwtauth.Authenticator
	// Routes lists the API's routes with the scopes each needs. Empty
	// means every route of the API and stage, for any token that
	// authenticates.
	Routes []Route
	// CachePerRoute states that the authorizer's identity sources include
	// the route, so a cached decision is reused for that route only; the
	// policy then names just the route of the event. Leave it false when
	// the token is the only identity source.
	CachePerRoute bool
	// SimpleResponses answers HTTP API payload 2.0 events with the simple
	// response ({"isAuthorized": ...}); set it when the HTTP API
	// authorizer has EnableSimpleResponses. False answers them with an
	// IAM policy.
	SimpleResponses bool
	// CacheTTL is the authorizer's result TTL as configured in API
	// Gateway; it is the revocation latency (see the package doc). Zero
	// means caching is off.
	CacheTTL time.Duration
	// MaxCacheTTL bounds CacheTTL. Zero means DefaultMaxCacheTTL.
	MaxCacheTTL time.Duration
	// ContextClaims are further claims copied into the response context,
	// flattened to strings. sub, scope and jti are always copied.
	ContextClaims []string
	// UsageIdentifierClaim names a claim whose value is returned as
	// usageIdentifierKey, for REST APIs whose API key source is
	// AUTHORIZER. Empty means none.
	UsageIdentifierClaim string
	// Events receives security events (authn_token_invalid, authz_fail,
	// sys_dependency_fail). Nil reports nothing.
	Events secevent.Sink
	// Logger receives store failures and unknown events. Nil means slog.Default().
	Logger *slog.Logger
}

// Authorizer answers API Gateway authorizer events. Create it with
// [New]; it is safe for concurrent use.
type Authorizer struct {
	auth          *jwtauth.Authenticator
	routes        []route
	perRoute      bool
	simple        bool
	contextClaims []string
	usageClaim    string
	events        secevent.Sink
	log           *slog.Logger
}

type route struct {
	method   string
	segments []string // path segments; "*" for a path parameter
	greedy   bool     // ends in {proxy+}: matches the rest of the path
	scopes   []string
}

// New returns an Authorizer. It fails with [ErrInvalidConfig] for a
// missing Authenticator, a malformed route, a CacheTTL above MaxCacheTTL,
// or simple responses for scoped routes without CachePerRoute.
func New(cfg Config) (*Authorizer, error) {
	if cfg.Authenticator == nil {
		return nil, fmt.Errorf("%w: Authenticator is required", ErrInvalidConfig)
	}
	if limit := cmp.Or(cfg.MaxCacheTTL, DefaultMaxCacheTTL); cfg.CacheTTL > limit || cfg.CacheTTL < 0 {
		return nil, fmt.Errorf("%w: CacheTTL %v is outside 0..%v", ErrInvalidConfig, cfg.CacheTTL, limit)
	}
	a := &Authorizer{
		auth: cfg.Authenticator, perRoute: cfg.CachePerRoute, simple: cfg.SimpleResponses,
		contextClaims: slices.Clone(cfg.ContextClaims), usageClaim: cfg.UsageIdentifierClaim,
		events: cfg.Events, log: cmp.Or(cfg.Logger, slog.Default()),
	}
	for i, r := range cfg.Routes {
		pr, err := parseRoute(r)
		if err != nil {
			return nil, fmt.Errorf("%w: Routes[%d]: %w", ErrInvalidConfig, i, err)
		}
		a.routes = append(a.routes, pr)
	}
	if a.simple && !a.perRoute && slices.ContainsFunc(a.routes, func(r route) bool { return len(r.scopes) > 0 }) {
		return nil, fmt.Errorf("%w: simple responses cannot differ per route unless the cache key includes the route: set CachePerRoute (with $context.routeKey as an identity source) or answer with IAM policies", ErrInvalidConfig)
	}
	return a, nil
}

func parseRoute(r Route) (route, error) {
	method := strings.ToUpper(r.Method)
	if method == "ANY" {
		method = "*"
	}
	if method == "" || strings.ContainsAny(method, "/ :") {
		return route{}, fmt.Errorf("method %q", r.Method)
	}
	if !strings.HasPrefix(r.Path, "/") || strings.ContainsAny(r.Path, " *?#") {
		return route{}, fmt.Errorf("path %q must start with / and hold no wildcard, space, ? or #", r.Path)
	}
	out := route{method: method, scopes: slices.Clone(r.Scopes)}
	parts := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}") && i == len(parts)-1:
			out.greedy = true
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			out.segments = append(out.segments, "*")
		case strings.ContainsAny(p, "{}"):
			return route{}, fmt.Errorf("path %q: segment %q", r.Path, p)
		default:
			out.segments = append(out.segments, p)
		}
	}
	return out, nil
}

// resource is the route's part of an execute-api ARN: "GET/v1/items/*".
func (r route) resource() string {
	res := r.method + "/" + strings.Join(r.segments, "/")
	if r.greedy {
		if len(r.segments) > 0 {
			res += "/"
		}
		res += "*"
	}
	return res
}

// allowedBy reports whether a token with scopes may use the route.
func (r route) allowedBy(scopes []string) bool {
	for _, s := range r.scopes {
		if !slices.Contains(scopes, s) {
			return false
		}
	}
	return true
}

// matches reports whether the route covers method and path (segments of
// the event's ARN).
func (r route) matches(method string, path []string) bool {
	if r.method != "*" && r.method != method {
		return false
	}
	if r.greedy {
		return len(path) > len(r.segments) && segmentsMatch(r.segments, path[:len(r.segments)])
	}
	return len(path) == len(r.segments) && segmentsMatch(r.segments, path)
}

func segmentsMatch(pattern, path []string) bool {
	for i, p := range pattern {
		if p != "*" && p != path[i] {
			return false
		}
	}
	return true
}

// outcome is the decision for one event.
type outcome struct {
	claims    jwtauth.Claims
	allow     []string // ARN resources to allow
	denyAll   bool     // the store failed: deny the whole API
	current   bool     // the event's own route is allowed
	principal string
}

// decide verifies the token and works out the policy for the API and
// stage of arn. It returns ErrUnauthorized, or an outcome.
// With perRoute the policy names only the event's route.
func (a *Authorizer) decide(ctx context.Context, header http.Header, arn executeARN, routeName string, perRoute bool) (outcome, error) {
	claims, err := a.auth.Authenticate(requestWith(ctx, header))
	if err != nil {
		return a.refused(ctx, err, routeName)
	}
	o := outcome{claims: claims, principal: claims.Subject}
	for _, r := range a.routesOrAll() {
		if !r.allowedBy(claims.Scopes) {
			continue
		}
		here := r.matches(arn.method, arn.path)
		o.current = o.current || here
		if perRoute {
			if here {
				o.allow = append(o.allow, arn.resource())
			}
			continue
		}
		o.allow = append(o.allow, r.resource())
	}
	o.allow = slices.Compact(o.allow)
	if !o.current {
		secevent.Emit(ctx, a.events, secevent.Event{Name: secevent.AuthzFail, UserID: claims.Subject,
			Route: routeName, Reason: "missing_scope"})
	}
	return o, nil
}

// all is the route list when none is configured: every method and path.
var all = []route{{method: "*", greedy: true}}

func (a *Authorizer) routesOrAll() []route {
	if len(a.routes) == 0 {
		return all
	}
	return a.routes
}

// refused maps a verification error to 401 or to a whole-API Deny.
func (a *Authorizer) refused(ctx context.Context, err error, routeName string) (outcome, error) {
	if errors.Is(err, jwtauth.ErrRevocationUnavailable) || errors.Is(err, jwtauth.ErrKeySourceUnavailable) {
		// Fail closed, and say so: never an Allow without the check.
		a.log.ErrorContext(ctx, "authorizer: cannot check the token; denying", slog.Any("error", err))
		secevent.Emit(ctx, a.events, secevent.Event{Name: secevent.SysDependencyFail, Route: routeName, Reason: "token_check_unavailable"})
		return outcome{denyAll: true, principal: "unknown"}, nil
	}
	secevent.Emit(ctx, a.events, secevent.Event{Name: secevent.AuthnTokenInvalid, Route: routeName, Reason: jwtauth.Reason(err)})
	return outcome{}, ErrUnauthorized
}

// requestWith builds the request jwtauth reads the token from, so the
// Authorization header (and a configured cookie) is parsed by the one
// implementation the middleware uses.
func requestWith(ctx context.Context, header http.Header) *http.Request {
	r := (&http.Request{Method: http.MethodGet, Header: header}).WithContext(ctx)
	return r
}
