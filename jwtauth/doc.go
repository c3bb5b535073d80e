// Package jwtauth issues, verifies and revokes JSON Web Tokens for HTTP
// services, with net/http middleware that answers as RFC 6750 asks.
//
// It builds on github.com/golang-jwt/jwt/v5 for the signature algorithms
// and does its own, stricter parsing around them. An [Authenticator] made
// by [New] from a [Config] does everything: [Authenticator.Issue] on
// login, [Authenticator.Handler] in front of protected routes,
// [FromContext] in handlers, [Authenticator.Logout] and
// [Authenticator.RevokeSubject] on logout.
//
// # Security model
//
// Every check is on by default and none depends on what the token says:
//
//   - Each [Key] is bound to one [Algorithm]. A token verifies only under
//     the algorithm of the key its kid selects; "none" in any casing never
//     does. The jwk, jku, x5u and x5c headers are ignored: keys come only
//     from Config.Keys or Config.KeySource. A kid is an opaque map key (at
//     most 256 bytes). An unknown kid is refused without any I/O with
//     Keys; a [KeySource] is asked once ([KeySource.Lookup]) and a failure
//     there refuses the token ([ErrKeySourceUnavailable], 503).
//   - HS256 secrets must be at least 32 bytes and not a known-weak value;
//     RSA keys at least 2048 bits; PS256 requires the RFC 7518 salt length.
//   - The token is refused before any decoding when longer than
//     MaxTokenSize (8 KiB) or when it holds anything but base64url and two
//     dots. Base64url must be canonical (no padding, no stray bits) and an
//     ES256 signature must have the low S of its two valid forms, so each
//     token has one spelling.
//   - Header and claims must be UTF-8 JSON objects without duplicate member
//     names at any depth; member names match exactly, and a case variant
//     of a registered claim ("Sub") is refused, so [Claims.Decode] (which
//     matches names case-insensitively) never reads one; registered
//     claims must have their RFC 7519 types (a NumericDate is a JSON
//     number, never a string).
//   - scope is RFC 6749 §3.3 scope-tokens separated by single spaces;
//     other whitespace or control characters refuse the token rather than
//     split it.
//   - crit is honoured (RFC 7515 §4.1.11): no extension is understood, so a
//     token listing any is refused, as is the unencoded payload of RFC 7797.
//   - typ must be the configured type ("JWT"), so other tokens from the same
//     issuer cannot stand in for access tokens (RFC 8725 §3.11).
//   - exp and sub are required; nbf and iat may not be in the future; exp
//     may not lie further than MaxLifetime ahead; iss and aud must match
//     when configured. The leeway for clocks is 30 seconds.
//   - With a [Revoker], jti and iat are required, and every verification
//     asks the store whether the token, or every token of its subject, was
//     revoked. Records are keyed by (Config.Issuer, jti) and
//     (Config.Issuer, sub), never by the token string, which an attacker
//     can re-encode.
//   - A revocation store that fails or is slower than RevocationTimeout
//     (100 ms) refuses the request with 503 ([ErrRevocationUnavailable])
//     unless RevocationFailOpen is set; the failure is logged either way.
//
// Errors are sentinels for errors.Is, wrapped as "sentinel: what
// happened: cause" so errors.As reaches the cause, and never contain the
// token. Clients
// learn only "no token", "invalid token", "insufficient scope" or "try
// again"; the cause goes to the Config.Logger.
//
// # Revocation stores
//
// The Redis revoker, in the subpackage
// github.com/lambdasec/lambdasec/jwtauth/redisrevoker, works on any
// go-redis client, including Redis Cluster, Sentinel and ElastiCache, in
// one round trip per request. It lives apart so that a service using
// [MemoryRevoker] (for tests and single-process services) or no revoker
// links no go-redis code. Any other store can implement [Revoker]. A REST API Gateway Lambda
// authorizer with result caching keeps answering for a revoked token until
// its cache entry expires: keep that TTL within the revocation delay you
// accept, or verify in the function.
//
// # What survives a store failure, per deployment
//
// A logout the client was told succeeded must stay a logout. With the
// Redis revoker, each check also reads an epoch marker that a loss of the
// store's data removes; a missing marker refuses every token issued
// before the loss was found (users log in again) and is reported as a
// security event. With redisrevoker.Config.Replicas, a revocation is
// acknowledged only once that many replicas hold it. Per deployment:
//
//   - A single Redis node without persistence: a restart loses every
//     revocation; the loss is detected, so no logged-out token comes
//     back, and every user logs in again.
//   - A single node with an append-only file: appendfsync always loses
//     nothing acknowledged; everysec can lose the last second of
//     revocations without a trace (those tokens come back). RDB snapshots
//     alone: a restart from a snapshot is not detected; after one, call
//     redisrevoker's RevokeAll.
//   - A replicated ElastiCache group, Redis Cluster with replicas, or
//     Sentinel: with Replicas 1 a failover keeps every acknowledged
//     revocation; with Replicas 0 (asynchronous replication) it can lose
//     the last ones without a trace. A node restarted empty with no
//     replica is detected, for its own slots' subjects only.
//   - ElastiCache Serverless: a loss of the data is detected; AWS bounds
//     no loss of the last writes, so count on the replicated case.
//
// In every case, a store that evicts keys under memory pressure
// (ElastiCache's default volatile-lru) forgets revocations silently: give
// the revocation store maxmemory-policy noeviction. [MemoryRevoker]
// loses everything with the process, and a new process cannot tell.
//
// # What the caller still does
//
//   - Generate keys: for HS256, 32 random bytes or more, kept in a secret
//     store, never in code. Key.Secret is used as given, never decoded:
//     the 44 characters `openssl rand -base64 32` prints are themselves
//     the key (which is fine: still 32 random bytes' worth). A single key
//     needs no ID; give IDs once keys rotate.
//   - Choose Issuer and Audience, so tokens meant for another service are
//     refused.
//   - Serve over TLS only, and protect cookie-borne tokens (Config.Cookie)
//     against CSRF.
//   - Build the Authenticator and the Redis client once (in main, or at
//     Lambda init), not per request. Give the go-redis client short dial
//     and retry settings and ContextTimeoutEnabled: RevocationTimeout
//     bounds each check, but a client that ignores the deadline keeps the
//     command, and its connection, busy in the background.
//   - Answer CORS preflight requests before [Authenticator.Handler], which
//     refuses any request without a valid token.
//   - To rotate keys, put the new key first and keep the old one until its
//     last token has expired (TTL plus leeway). With Config.Keys that
//     means a new Authenticator; a [KeySource] serves the new [KeySet] to
//     the running one.
package jwtauth
