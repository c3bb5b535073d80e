package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/lambdasec/lambdasec/internal/strictjson"
	"github.com/lambdasec/lambdasec/jwtauth"
)

const (
	maxJSONDepth = 16
	minRSABits   = 2048
	maxRSABits   = 8192
)

// ParseKeySet reads a JWK Set (RFC 7517 §5) and returns its verification
// keys. The document must be strict JSON (no duplicate member names, valid
// UTF-8) with a "keys" array of at most 100 members. It fails with
// [ErrInvalidKeySet] when it is not, or when two usable keys share a kid.
//
// Each JWK becomes a key bound to one algorithm, or is left out (RFC 7517
// §5 lets a reader skip keys it cannot use):
//
//   - kty "RSA" with alg RS256 or PS256, a modulus of 2048 to 8192 bits;
//     kty "EC" with crv P-256 and alg ES256; kty "OKP" with crv Ed25519
//     and alg EdDSA. Anything else, symmetric "oct" keys included, is
//     left out: a JWKS never supplies an HMAC secret, so a token with
//     alg HS256 never verifies against a published RSA key.
//   - A JWK without alg is bound to the one algorithm of its curve (ES256,
//     EdDSA) or, for RSA, to RS256, the algorithm OpenID Connect requires
//     every provider to support. An RSA key meant for PS256 must say so.
//   - use, when present, must be "sig"; key_ops, when present, must list
//     "verify". A key for encryption never verifies a signature.
//   - A JWK holding private key members ("d" and the like) is left out:
//     the issuer has published its signing key, so anyone can sign.
//   - x5c, x5t and x5u are ignored: keys come only from the members above.
func ParseKeySet(data []byte) (*jwtauth.KeySet, error) {
	set, _, err := parseKeySet(data)
	return set, err
}

// parseKeySet is ParseKeySet that also returns why each left-out key was
// left out, for the log.
func parseKeySet(data []byte) (*jwtauth.KeySet, []error, error) {
	var doc map[string]json.RawMessage
	if err := strictjson.Valid(data, maxJSONDepth); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalidKeySet, err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("%w: not an object", ErrInvalidKeySet)
	}
	var raws []map[string]json.RawMessage
	if err := json.Unmarshal(doc["keys"], &raws); err != nil || raws == nil {
		return nil, nil, fmt.Errorf("%w: keys must be an array of objects", ErrInvalidKeySet)
	}
	if len(raws) > maxKeys {
		return nil, nil, fmt.Errorf("%w: more than %d keys", ErrInvalidKeySet, maxKeys)
	}
	var keys []jwtauth.Key
	var skipped []error
	for i, raw := range raws {
		k, err := parseJWK(raw)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("key %d (kid %q): %w", i, k.ID, err))
			continue
		}
		keys = append(keys, k)
	}
	set, err := jwtauth.NewKeySet(keys...)
	if err != nil {
		return nil, skipped, fmt.Errorf("%w: %w", ErrInvalidKeySet, err)
	}
	return set, skipped, nil
}

// jwk holds the members of one JWK this package reads.
type jwk struct {
	kty, kid, alg, use, crv string
	keyOps                  []string
	hasKeyOps               bool
	m                       map[string]json.RawMessage
}

// privateMembers are the JWK members that only a private key has (RFC
// 7518 §6.2.2, §6.3.2, RFC 8037 §2).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// parseJWK turns one JWK into a verification key, or says why not. The
// returned Key carries the kid even on error, for the log.
func parseJWK(m map[string]json.RawMessage) (jwtauth.Key, error) {
	var j jwk
	j.m = m
	var err error
	for name, dst := range map[string]*string{"kty": &j.kty, "kid": &j.kid, "alg": &j.alg, "use": &j.use, "crv": &j.crv} {
		if raw, ok := m[name]; ok {
			if e := json.Unmarshal(raw, dst); e != nil || string(raw) == "null" {
				err = fmt.Errorf("%s is not a string", name)
			}
		}
	}
	k := jwtauth.Key{ID: j.kid}
	if err != nil {
		return k, err
	}
	if raw, ok := m["key_ops"]; ok {
		j.hasKeyOps = true
		if json.Unmarshal(raw, &j.keyOps) != nil {
			return k, errors.New("key_ops is not an array of strings")
		}
	}
	if err := j.checkUse(); err != nil {
		return k, err
	}
	alg, err := j.algorithm()
	if err != nil {
		return k, err
	}
	k.Algorithm = alg
	k.PublicKey, err = j.publicKey()
	return k, err
}

// checkUse refuses a key whose use or key_ops excludes verifying
// signatures (RFC 7517 §4.2, §4.3), and a key with private members.
func (j *jwk) checkUse() error {
	switch {
	case j.use != "" && j.use != "sig":
		return fmt.Errorf("use %q is not sig", j.use)
	case j.hasKeyOps && !slices.Contains(j.keyOps, "verify"):
		return errors.New("key_ops does not list verify")
	}
	for _, p := range privateMembers {
		if _, ok := j.m[p]; ok {
			return fmt.Errorf("holds private member %q", p)
		}
	}
	return nil
}

// algorithm returns the algorithm the key is bound to: its alg, which
// must suit its kty and crv, or the rule for a JWK without one.
func (j *jwk) algorithm() (jwtauth.Algorithm, error) {
	var allowed []jwtauth.Algorithm
	switch {
	case j.kty == "RSA":
		allowed = []jwtauth.Algorithm{jwtauth.RS256, jwtauth.PS256}
	case j.kty == "EC" && j.crv == "P-256":
		allowed = []jwtauth.Algorithm{jwtauth.ES256}
	case j.kty == "OKP" && j.crv == "Ed25519":
		allowed = []jwtauth.Algorithm{jwtauth.EdDSA}
	default:
		return "", fmt.Errorf("unsupported kty %q / crv %q", j.kty, j.crv)
	}
	if j.alg == "" {
		return allowed[0], nil
	}
	if !slices.Contains(allowed, jwtauth.Algorithm(j.alg)) {
		return "", fmt.Errorf("alg %q does not suit kty %q", j.alg, j.kty)
	}
	return jwtauth.Algorithm(j.alg), nil
}

// publicKey decodes the key material for j's kty.
func (j *jwk) publicKey() (any, error) {
	switch j.kty {
	case "RSA":
		return j.rsaKey()
	case "EC":
		x, err1 := j.b64("x", 32)
		y, err2 := j.b64("y", 32)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, errors.New("point not on P-256")
		}
		return pub, nil
	default: // OKP Ed25519, as algorithm checked
		x, err := j.b64("x", ed25519.PublicKeySize)
		if err != nil {
			return nil, err
		}
		return ed25519.PublicKey(x), nil
	}
}

func (j *jwk) rsaKey() (*rsa.PublicKey, error) {
	n, err1 := j.b64("n", 0)
	e, err2 := j.b64("e", 0)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	// RFC 7518 §6.3.1: no leading zero octets, so each key has one
	// spelling.
	if len(n) == 0 || n[0] == 0 || len(e) == 0 || e[0] == 0 || len(e) > 4 {
		return nil, errors.New("n or e not a minimal positive integer")
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n)}
	for _, b := range e {
		pub.E = pub.E<<8 | int(b)
	}
	switch bits := pub.N.BitLen(); {
	case bits < minRSABits:
		return nil, fmt.Errorf("RSA modulus of %d bits, under %d", bits, minRSABits)
	case bits > maxRSABits:
		return nil, fmt.Errorf("RSA modulus of %d bits, over %d", bits, maxRSABits)
	case pub.E < 3 || pub.E&1 == 0 || pub.E > 1<<31-1:
		return nil, errors.New("RSA exponent unusable")
	}
	return pub, nil
}

// b64 decodes member name as strict unpadded base64url, of exactly size
// bytes when size is not zero.
func (j *jwk) b64(name string, size int) ([]byte, error) {
	var s string
	if json.Unmarshal(j.m[name], &s) != nil {
		return nil, fmt.Errorf("%s missing or not a string", name)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || size != 0 && len(b) != size {
		return nil, fmt.Errorf("%s is not base64url of the right length", name)
	}
	return b, nil
}
