package jwtauth

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Grant is what [Authenticator.Issue] puts into a token besides the
// registered claims it sets itself.
type Grant struct {
	// Subject identifies the user or client. Required.
	Subject string
	// Scopes are written space-separated to the "scope" claim. Each must
	// be an RFC 6749 scope-token: printable ASCII without space, '"' or
	// '\'.
	Scopes []string
	// Custom, when not nil, is marshalled with encoding/json and must be an
	// object (typically the caller's own struct); its members are added to
	// the claim set. They may not redefine a registered claim, in any
	// letter case, nor hold two names that differ only in case (see
	// [Claims.Decode]).
	Custom any
	// TTL overrides Config.TTL for this token; it may not exceed
	// Config.MaxLifetime. Zero means Config.TTL.
	TTL time.Duration
	// Family is written to the "fid" claim: the session (refresh-token
	// family) the token belongs to, so that [Authenticator.RevokeFamily]
	// refuses it. At most 64 bytes. Zero means no family (no claim).
	Family string
	// ID is the jti. Zero means 128 random bits, which is what every
	// caller wants except one that must issue the very same token again
	// (a refresh retry); an ID must then be as unguessable and as unique
	// as the random one. At most 256 bytes.
	ID string
}

type registered struct {
	Iss   string `json:"iss,omitempty"`
	Sub   string `json:"sub"`
	Aud   string `json:"aud,omitempty"`
	Exp   int64  `json:"exp"`
	Nbf   int64  `json:"nbf"`
	Iat   int64  `json:"iat"`
	Jti   string `json:"jti"`
	Scope string `json:"scope,omitempty"`
	Fid   string `json:"fid,omitempty"`
}

// issueHeader is the encoded JOSE header of tokens signed with k.
type issueHeader struct {
	k   *key
	b64 string
}

// Issue signs a token for g with the signing key of the current key set
// (the first key able to sign). It sets iss and aud from the Config, sub
// and scope from g, iat and nbf to now, exp to now plus the TTL, and a
// random 128-bit jti. The returned Claims are those of the token (for an
// expires_in answer, or to revoke it later). It fails with
// [ErrNoSigningKey] when no key can sign and [ErrInvalidClaims] for an
// unusable Grant.
func (a *Authenticator) Issue(g Grant) (string, Claims, error) {
	return a.IssueAt(g, a.now())
}

// IssueAt is [Authenticator.Issue] with now as the issue time (iat and
// nbf; exp is now plus the TTL), for a token that must be issued again
// exactly as before, or for tests. now is truncated to the second.
func (a *Authenticator) IssueAt(g Grant, now time.Time) (string, Claims, error) {
	signer := a.keys.Keys().signingKey()
	if signer == nil {
		return "", Claims{}, ErrNoSigningKey
	}
	payload, err := a.payload(g, now)
	if err != nil {
		return "", Claims{}, err
	}
	var c Claims
	if err := parseClaims(payload, &c); err != nil { // a custom member named like a registered claim
		return "", Claims{}, fmt.Errorf("%w: custom claims redefine a registered claim: %w", ErrInvalidClaims, err)
	}
	input := a.headerFor(signer) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := signer.method.Sign(input, signer.sign)
	if err != nil {
		return "", Claims{}, fmt.Errorf("jwtauth: sign: %w", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), c, nil
}

func (s *KeySet) signingKey() *key {
	if s == nil {
		return nil
	}
	return s.signer
}

// headerFor returns the encoded header for k, built once per signing key:
// {"alg":...,"kid":...,"typ":...}, without kid for a key without ID.
func (a *Authenticator) headerFor(k *key) string {
	if h := a.header.Load(); h != nil && h.k == k {
		return h.b64
	}
	var raw []byte
	if k.id == "" {
		raw, _ = json.Marshal(struct {
			Alg Algorithm `json:"alg"`
			Typ string    `json:"typ"`
		}{k.alg, a.typ})
	} else {
		raw, _ = json.Marshal(struct {
			Alg Algorithm `json:"alg"`
			Kid string    `json:"kid"`
			Typ string    `json:"typ"`
		}{k.alg, k.id, a.typ})
	}
	h := &issueHeader{k: k, b64: base64.RawURLEncoding.EncodeToString(raw)}
	a.header.Store(h)
	return h.b64
}

// payload builds the claim set of a token for g.
func (a *Authenticator) payload(g Grant, now time.Time) ([]byte, error) {
	if g.Subject == "" {
		return nil, fmt.Errorf("%w: empty subject", ErrInvalidClaims)
	}
	for _, s := range g.Scopes {
		if !validScope(s) {
			return nil, fmt.Errorf("%w: scope %q is not an RFC 6749 scope-token (printable ASCII without space, '\"' or '\\')", ErrInvalidClaims, s)
		}
	}
	ttl := cmp.Or(g.TTL, a.ttl)
	if ttl < time.Second || ttl > a.maxLife {
		return nil, fmt.Errorf("%w: TTL must be between 1s and MaxLifetime", ErrInvalidClaims)
	}
	if len(g.Family) > maxFIDLen || len(g.ID) > maxJTILen {
		return nil, fmt.Errorf("%w: Family longer than %d bytes or ID longer than %d", ErrInvalidClaims, maxFIDLen, maxJTILen)
	}
	jti := g.ID
	if jti == "" {
		var id [16]byte
		if _, err := io.ReadFull(a.rand, id[:]); err != nil {
			return nil, fmt.Errorf("jwtauth: token id: %w", err)
		}
		jti = base64.RawURLEncoding.EncodeToString(id[:])
	}
	now = now.Truncate(time.Second)
	payload, err := json.Marshal(registered{
		Iss: a.issuer, Sub: g.Subject, Aud: a.audience,
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(ttl).Unix(),
		Jti: jti, Scope: strings.Join(g.Scopes, " "), Fid: g.Family,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidClaims, err)
	}
	if g.Custom == nil {
		return payload, nil
	}
	extra, err := customClaims(g.Custom)
	if err != nil {
		return nil, err
	}
	if len(extra) > 2 {
		payload = append(append(payload[:len(payload)-1], ','), extra[1:]...)
	}
	return payload, nil
}

// customClaims marshals a Grant's Custom value and checks that it is an
// object whose members neither name a registered claim nor differ from
// each other only in case.
func customClaims(v any) ([]byte, error) {
	extra, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: custom claims: %w", ErrInvalidClaims, err)
	}
	extra = []byte(strings.TrimSpace(string(extra)))
	if len(extra) < 2 || extra[0] != '{' {
		return nil, fmt.Errorf("%w: custom claims must be a JSON object", ErrInvalidClaims)
	}
	// Checked by name, not only as duplicates: iss, aud and scope are
	// left out of the payload when empty, and a custom member must not
	// fill them in.
	err = members(extra, func(name, _ []byte) error {
		if registeredClaim(string(name)) || foldsToRegistered(name) {
			return fmt.Errorf("%w: custom claims redefine the registered claim %q", ErrInvalidClaims, name)
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrInvalidClaims):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: custom claims: %w", ErrInvalidClaims, err)
	}
	if err := uniqueFoldedNames(extra); err != nil {
		// Decode would refuse these claims; refuse to issue them.
		return nil, fmt.Errorf("%w: custom claims: %w", ErrInvalidClaims, err)
	}
	return extra, nil
}
