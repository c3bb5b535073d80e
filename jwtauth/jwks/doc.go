// Package jwks verifies tokens signed by an OpenID Connect or OAuth 2.0
// issuer (Amazon Cognito, Auth0, Okta, Entra ID, Keycloak, an API
// Gateway JWT authorizer's issuer) with the keys it publishes as a JWK
// Set.
//
// A [Source], made by [New] for one issuer, is a jwtauth.KeySource: set
// it as jwtauth.Config.KeySource, with Config.Issuer and Config.Audience,
// and the Authenticator verifies the issuer's tokens with every check of
// package jwtauth. [Issuers] accepts tokens of several issuers, each with
// its own audience; [NewCognito] is the preset for an Amazon Cognito user
// pool.
//
// # Security model
//
//   - The issuer is configured, never taken from a token: the key set URL
//     comes from the configured issuer's discovery document
//     (Issuer + "/.well-known/openid-configuration") or from
//     Config.JWKSURI. [Issuers] reads a token's iss before verifying it
//     only to pick among configured issuers by exact match, so a forged
//     iss never makes the service fetch anything.
//   - Every URL is https; the discovery document's issuer must equal the
//     configured one byte for byte and its jwks_uri must be https.
//     Redirects are followed only within the origin first asked for.
//     Each fetch is bounded in time (Config.Timeout, 5 s) and size
//     (Config.MaxSize, 1 MiB).
//   - Keys are read strictly ([ParseKeySet]): kty, crv, alg, use and
//     key_ops are honoured, each key is bound to one algorithm, RSA keys
//     under 2048 bits, symmetric keys, encryption keys and published
//     private keys never verify, and two usable keys with one kid refuse
//     the whole set. The jwk, jku, x5u and x5c token headers are ignored
//     (by package jwtauth).
//   - A token naming an unknown kid (a key rollover, or a forgery) causes
//     at most one refetch per Config.MinLookupInterval (10 s), shared by
//     all goroutines; inside that window it is refused at once. No caller
//     waits past its context's deadline for a fetch.
//   - While the endpoint fails, the keys held keep verifying for up to
//     Config.MaxStale (24 h) after the last successful fetch; past that,
//     no token verifies until a fetch succeeds (fail closed). A failed
//     kid lookup refuses the token with jwtauth.ErrKeySourceUnavailable,
//     which the middleware answers with 503.
//   - The key set is refetched every Config.RefreshInterval (15 min), so
//     a key the issuer withdraws stops verifying within that time.
//
// # What the caller still does
//
//   - Configure the issuer exactly as its tokens spell iss, and the
//     audience (jwtauth.Config.Audience) its tokens carry for this API;
//     for Cognito access tokens, which carry no aud, the app client ids
//     (CognitoConfig.ClientIDs).
//   - Set jwtauth.Config.Type to the issuer's "typ" for access tokens
//     ("at+jwt" for RFC 9068 issuers, "JWT" for many others).
//   - Build the Source and Authenticator once, at init, and call
//     [Source.Load] there with a deadline well inside Lambda's init phase,
//     so the first request does not pay for the fetch. Refreshes run in a
//     goroutine started by a verification; in a Lambda sandbox they only
//     progress while an invocation runs, which MaxStale allows for.
//   - Give Config.Client a Transport that trusts the issuer's CA when it
//     is not a public one; plain http is refused whatever the client.
package jwks
