// Package authorizer turns a [jwtauth.Authenticator] into an API Gateway
// Lambda authorizer, so that tokens are verified once at the gateway, no
// backend sees an unauthenticated request, and API Gateway caches the
// decision.
//
// It answers the three event formats API Gateway sends, detected from the
// event itself: REST API TOKEN authorizers, REST API REQUEST authorizers
// (also HTTP APIs with payload format 1.0), and HTTP API authorizers with
// payload format 2.0, with the simple response or the IAM policy response.
//
//	auth, err := jwtauth.New(jwtauth.Config{...})        // keys, issuer, audience, revoker
//	az, err := authorizer.New(authorizer.Config{
//		Authenticator: auth,
//		Routes: []authorizer.Route{
//			{Method: "GET", Path: "/v1/trial-balance", Scopes: []string{"ledger:read"}},
//			{Method: "POST", Path: "/v1/auth/logout"},
//		},
//	})
//	lambda.Start(az.Handle)
//
// # What API Gateway answers
//
//   - No token, a malformed one, or one that does not authenticate the
//     caller (bad signature, expired, not yet valid, another issuer or
//     audience, revoked): the handler returns the error "Unauthorized",
//     the exact text for which API Gateway answers 401 (any other error
//     text makes it answer 500). A client that gets 401 should obtain a
//     new token (RFC 6750 §3.1 invalid_token).
//   - A token that authenticates the caller: a policy that allows exactly
//     the routes its scopes permit (see below), so API Gateway answers 403
//     for the others.
//   - A revocation store or key source that fails: a policy that denies
//     the whole API, never an Allow. API Gateway answers 403.
//
// # Caching
//
// API Gateway caches a decision under the identity sources for the
// authorizer's result TTL (AuthorizerResultTtlInSeconds, default 300 s,
// at most 3600; 0 disables the cache) and applies the cached decision to
// every route that uses the authorizer. A policy scoped to the one method
// that triggered the call would then deny every other route for the TTL,
// and a wildcard policy would allow routes the token may not use. So, by
// default (Config.CachePerRoute false, for a cache key made of the token
// alone), the policy depends on the token only: it allows every route of
// the table that the token's scopes permit, on the same API and stage and
// no other, and nothing else. Set CachePerRoute only when the identity
// sources include the route ($context.httpMethod and
// $context.resourcePath for REST, $context.routeKey for HTTP APIs); the
// policy then names the one route.
//
// HTTP API simple responses (a plain true or false) cannot list routes; a
// route table with scopes therefore needs CachePerRoute with them, and
// [New] refuses the combination otherwise.
//
// Revocation latency equals the cache TTL: a token revoked after its
// decision was cached keeps working until the entry expires, and so does
// a token that expires meanwhile. A Deny cached while the revocation store
// was down also lasts the TTL. Bound the TTL to what a logout may take;
// Config.MaxCacheTTL documents the bound the deployment promises and
// [New] refuses a larger CacheTTL.
//
// # Security model
//
// The authorizer trusts API Gateway: the method or route ARN it builds
// policies from comes from the event. It never widens a policy beyond the
// API id and stage of that ARN. Tokens, errors and claim values other than
// those configured for the context never reach the response; refusals are
// logged without the token.
//
// # What the caller still does
//
// Configure the authorizer in API Gateway: the identity source (the
// Authorization header), the result TTL, and for REST TOKEN authorizers
// optionally an identity validation expression such as
// "^Bearer [-A-Za-z0-9._~+/]+=*$" so malformed headers are refused before
// the function runs. Keep the backend's own checks (jwtauth's middleware)
// where a request can reach it by another path.
package authorizer
