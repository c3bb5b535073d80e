// Package refresh keeps sessions alive with refresh tokens that rotate on
// every use, in Redis (single node, Sentinel or Cluster), and detects
// their reuse.
//
// A login ([Store.Login]) starts a family: a short access token from the
// [jwtauth.Authenticator], carrying the family's id in its fid claim, and
// a refresh token. [Store.Exchange] spends the refresh token and returns
// the next pair. A refresh token presented a second time means two
// parties hold it, one of them a thief, so the whole family is revoked:
// the newest refresh token and every access token of the family stop
// working, as RFC 9700 §4.14.2 describes.
//
//	store, err := refresh.New(refresh.Config{Client: rdb, Authenticator: auth})
//	tokens, err := store.Login(ctx, jwtauth.Grant{Subject: user}, "")
//	next, err := store.Exchange(ctx, presented, "")
//	err = store.Logout(ctx, claims)          // this session
//	err = store.RevokeSubject(ctx, user)     // every session
//
// # Security model
//
//   - A refresh token is 86 base64url characters holding 256 random
//     bits, the subject's hash tag and a 128-bit family key. The store
//     keeps only its SHA-256; a Redis dump yields no usable token. Ids
//     are compared in constant time. Tokens print as "[REDACTED]" and
//     never appear in errors, logs or events.
//   - The exchange is one Lua script on keys of one hash slot (the
//     subject's), so it is atomic on Redis Cluster too: of two concurrent
//     uses of one token exactly one rotates, the other is reuse (or,
//     within the grace period, gets the same pair).
//   - A token is bound to its subject, its family and the client it was
//     issued to; another client's presentation is refused without
//     revoking anything.
//   - A family ends at its absolute lifetime (30 days; rotation never
//     extends it) or after its idle timeout (7 days); logout revokes it,
//     log out everywhere revokes every family of the subject.
//   - Access tokens carry fid, a one-way digest of the family key: an
//     access token, which is readable by anyone who sees it, is not
//     enough to forge a refresh request for its family and revoke it.
//   - The grace period (off by default, at most a minute) answers a
//     retry of the immediately previous token with the very same pair
//     (the access token has a derived jti and the rotation's iat, so a
//     deterministic algorithm such as HS256 or EdDSA signs the same
//     bytes). An older token is reuse, whatever the time.
//   - A store that fails or is slower than Config.Timeout refuses the
//     exchange with [ErrUnavailable] (503): nothing is issued without its
//     bookkeeping. Revoking a family writes this store first, then the
//     Authenticator's revocation store through its Revoker (with that
//     store's durability); if the second write fails the call reports
//     [ErrUnavailable], and the next presentation of any token of the
//     family writes it again.
//   - Reuse is reported as authn_token_reuse on Config.Events, with the
//     subject; sessions created, renewed and ended as session_created,
//     session_renewed and session_expired.
//
// # What the caller still does
//
//   - Build the Store once, with the Authenticator whose Revoker is
//     checked on every request, and point the client at the primary.
//   - Send the refresh token only to the refresh endpoint, over TLS, in a
//     response with Cache-Control: no-store. In a browser, an HttpOnly,
//     Secure, SameSite=Strict cookie scoped to the refresh path keeps it
//     from scripts; the endpoint then needs CSRF protection (SameSite
//     Strict and a JSON-only body are the usual pair).
//   - Rate-limit the refresh endpoint like the login.
//   - Choose a grace period only if clients really retry (several tabs
//     refreshing at once); zero is the strict setting.
//   - Call [Store.Logout] on logout and [Store.RevokeSubject] on a
//     password change or account compromise.
package refresh
