package jwtauth

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"unsafe"
)

// Verify checks a compact JWT and returns its claims. Every check is on and
// none can be switched off by the token: size, shape and strict base64url;
// alg bound to the selected key (never "none"); crit; typ; signature;
// claim types and duplicates; exp (required), nbf, iat, lifetime, iss, aud,
// sub; and, with a Revoker, jti, iat and revocation. Errors match the
// package's sentinels and never contain the token.
func (a *Authenticator) Verify(ctx context.Context, token string) (Claims, error) {
	var c Claims
	if err := a.verifyInto(ctx, token, &c); err != nil {
		return Claims{}, err
	}
	return c, nil
}

// verifyInto is Verify filling c in place; the middleware passes the
// claims its request context will carry, so they are never copied.
func (a *Authenticator) verifyInto(ctx context.Context, token string, c *Claims) error {
	if err := a.verify(ctx, token, c); err != nil {
		return err
	}
	return a.checkRevoked(ctx, c)
}

// isB64url reports whether c belongs to the base64url alphabet or is '.',
// the only bytes a compact JWS may hold (RFC 7515 §7.1); anything else
// (whitespace, which Go's decoder would skip, padding, JSON serialisation)
// is rejected before decoding.
func isB64url(c byte) bool { return b64urlBytes[c] }

var b64urlBytes = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") {
		t[c] = true
	}
	return t
}()

func malformed(why string) error { return fmt.Errorf("%w: %s", ErrTokenMalformed, why) }

// verify runs every check except revocation, filling c.
func (a *Authenticator) verify(ctx context.Context, token string, c *Claims) error {
	payload, hd, err := a.verifyJWS(ctx, token)
	if err != nil {
		return err
	}
	if hd.hasTyp && !a.typeMatches(hd.typ) || !hd.hasTyp && !a.noTypOK {
		return ErrTokenType
	}
	if err := parseClaims(payload, c); err != nil {
		return malformed("claims: " + err.Error())
	}
	return a.checkClaims(c)
}

// verifyJWS is the signature layer: it checks the token's shape and
// header, selects the key, verifies the signature and returns the decoded
// payload and the header. The payload is decoded into a buffer of its
// own that is never written again (parseClaims relies on it).
func (a *Authenticator) verifyJWS(ctx context.Context, token string) (payload []byte, hd joseHeader, err error) {
	if len(token) > a.maxSize {
		return nil, hd, malformed("too long")
	}
	for i := 0; i < len(token); i++ {
		if !isB64url(token[i]) {
			return nil, hd, malformed("not base64url")
		}
	}
	h, rest, ok1 := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.IndexByte(s, '.') >= 0 {
		return nil, hd, malformed("not three segments")
	}
	if h == "" || s == "" { // an empty payload is a valid JWS, not a JWT
		return nil, hd, malformed("empty segment")
	}
	if hd, err = a.readHeader(h); err != nil {
		return nil, hd, err
	}
	k, err := a.selectKey(ctx, hd)
	if err != nil {
		return nil, hd, err
	}
	if err := a.checkSignature(k, token[:len(h)+1+len(p)], s); err != nil {
		return nil, hd, err
	}
	payload = make([]byte, a.b64.DecodedLen(len(p)))
	n, err := a.b64.Decode(payload, bytesOf(p))
	if err != nil {
		return nil, hd, malformed("payload encoding")
	}
	return payload[:n:n], hd, nil
}

// knownHeader is a header segment already decoded and checked.
type knownHeader struct {
	b64 string
	hd  joseHeader
}

// readHeader decodes and checks the header segment h. Most tokens a service
// sees carry the same few header segments byte for byte, so the last one
// that parsed is kept: the same bytes always parse the same way, and the
// key is still looked up for every token.
func (a *Authenticator) readHeader(h string) (joseHeader, error) {
	if k := a.lastHeader.Load(); k != nil && k.b64 == h {
		return k.hd, nil
	}
	raw, err := a.b64.DecodeString(h)
	if err != nil {
		return joseHeader{}, malformed("header encoding")
	}
	hd, err := a.parseHeader(raw)
	if err != nil {
		return hd, err
	}
	a.lastHeader.Store(&knownHeader{b64: strings.Clone(h), hd: hd})
	return hd, nil
}

// checkSignature verifies sigB64, the third segment, over input.
func (a *Authenticator) checkSignature(k *key, input, sigB64 string) error {
	if m, ok := k.verify.(mac); ok { // HS256: pooled state, no allocation
		valid, err := m.verifyB64(a.b64, input, sigB64)
		switch {
		case err != nil:
			return malformed("signature encoding")
		case !valid:
			return ErrSignatureInvalid
		}
		return nil
	}
	sig, err := a.b64.DecodeString(sigB64)
	if err != nil {
		return malformed("signature encoding")
	}
	if err := k.method.Verify(input, sig, k.verify); err != nil {
		return ErrSignatureInvalid
	}
	return nil
}

// bytesOf returns s's bytes without a copy, for reading only (the base64
// decoder's input).
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// joseHeader is what verification reads from a token's header.
type joseHeader struct {
	alg, kid, typ          []byte
	hasAlg, hasKid, hasTyp bool
}

// parseHeader decodes and checks the JOSE header: alg present and not "none",
// no crit, kid within bounds. Other members (jwk, jku, x5u, x5c) are
// ignored: keys come only from the KeySource.
func (a *Authenticator) parseHeader(raw []byte) (joseHeader, error) {
	var hd joseHeader
	crit := false
	err := members(raw, func(name, val []byte) error {
		var err error
		switch string(name) {
		case "alg":
			hd.alg, err = stringBytes(val)
			hd.hasAlg = true
		case "kid":
			hd.kid, err = stringBytes(val)
			hd.hasKid = true
		case "typ":
			hd.typ, err = stringBytes(val)
			hd.hasTyp = true
		case "crit", "b64":
			// No extension is understood, so any crit entry is unknown
			// (RFC 7515 §4.1.11), and b64 (RFC 7797) changes what is
			// signed.
			crit = true
		}
		if err != nil {
			return fmt.Errorf("header %q: wrong type", name)
		}
		return nil
	})
	switch {
	case err != nil:
		return hd, malformed("header: " + err.Error())
	case !hd.hasAlg || strings.EqualFold(string(hd.alg), "none"):
		return hd, fmt.Errorf("%w: none or missing", ErrAlgorithm)
	case crit:
		return hd, ErrCriticalHeader
	case len(hd.kid) > maxKIDLen:
		return hd, malformed("kid too long")
	}
	return hd, nil
}

// selectKey returns the key that must verify a token with header hd. A
// kid missing from the current key set is asked of the KeySource once;
// still missing, the token is refused. The key's algorithm must be the
// header's.
func (a *Authenticator) selectKey(ctx context.Context, hd joseHeader) (*key, error) {
	k, err := a.keys.Keys().find(hd.alg, hd.kid, hd.hasKid)
	if err == errUnknownKid {
		set, lerr := a.keys.Lookup(ctx, string(hd.kid))
		if lerr != nil {
			return nil, fmt.Errorf("%w: kid lookup: %w", ErrKeySourceUnavailable, lerr)
		}
		k, err = set.find(hd.alg, hd.kid, hd.hasKid)
	}
	if err != nil {
		return nil, err
	}
	if string(k.alg) != string(hd.alg) {
		return nil, fmt.Errorf("%w: not the key's algorithm", ErrAlgorithm)
	}
	return k, nil
}

// typeMatches compares a typ header with Config.Type, case-insensitively
// and with "application/" optional (RFC 7515 §4.1.9).
func (a *Authenticator) typeMatches(typ []byte) bool {
	if len(typ) > 12 && bytes.EqualFold(typ[:12], []byte("application/")) {
		typ = typ[12:]
	}
	return bytes.EqualFold(typ, a.typBytes)
}

// checkClaims applies the time, lifetime, identity and revocation-readiness
// rules to verified claims.
func (a *Authenticator) checkClaims(c *Claims) error {
	if err := a.checkTimes(c); err != nil {
		return err
	}
	switch {
	case c.Subject == "":
		return fmt.Errorf("%w: sub", ErrClaimMissing)
	case a.issuer != "" && c.Issuer == "":
		return fmt.Errorf("%w: iss", ErrClaimMissing)
	case a.issuer != "" && c.Issuer != a.issuer:
		return ErrInvalidIssuer
	case a.audience != "" && len(c.Audience) == 0:
		return fmt.Errorf("%w: aud", ErrClaimMissing)
	case a.audience != "" && !slices.Contains(c.Audience, a.audience):
		return ErrInvalidAudience
	case a.revoker != nil && c.ID == "":
		return fmt.Errorf("%w: jti", ErrClaimMissing)
	case a.revoker != nil && c.IssuedAt.IsZero():
		return fmt.Errorf("%w: iat", ErrClaimMissing)
	case len(c.ID) > maxJTILen:
		return malformed("jti too long")
	case len(c.Family) > maxFIDLen:
		return malformed("fid too long")
	}
	return nil
}

// checkTimes checks exp (required), nbf, iat and the lifetime bound.
func (a *Authenticator) checkTimes(c *Claims) error {
	now := a.now()
	switch {
	case c.ExpiresAt.IsZero():
		return fmt.Errorf("%w: exp", ErrClaimMissing)
	case !now.Before(c.ExpiresAt.Add(a.leeway)):
		return ErrTokenExpired
	case !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(a.leeway)):
		return fmt.Errorf("%w: nbf in the future", ErrTokenNotValidYet)
	case !c.IssuedAt.IsZero() && c.IssuedAt.After(now.Add(a.leeway)):
		return fmt.Errorf("%w: iat in the future", ErrTokenNotValidYet)
	case c.ExpiresAt.Sub(now) > a.maxLife+a.leeway,
		!c.IssuedAt.IsZero() && c.ExpiresAt.Sub(c.IssuedAt) > a.maxLife:
		return ErrTokenLifetime
	}
	return nil
}
