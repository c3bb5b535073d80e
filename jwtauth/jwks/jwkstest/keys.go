package jwkstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
)

// Key is a signing key the server publishes. Test keys only: generate
// your own for anything real.
type Key struct {
	// Kid is the key id, in the JWK and in tokens' kid header.
	Kid string
	// Alg is the JWS algorithm: RS256, PS256, ES256 or EdDSA.
	Alg string
	// Private signs tokens.
	Private crypto.Signer
	// JWK is the published JWK; edit it (under the test's control) to
	// publish a faulty key, such as "use": "enc".
	JWK map[string]any
}

// AddKey generates a key for alg (RSA keys of bits bits; bits is ignored
// for the other algorithms), publishes it under kid and returns it.
func (s *Server) AddKey(kid, alg string, bits int) (*Key, error) {
	k, err := NewKey(kid, alg, bits)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.keys = append(s.keys, k)
	s.mu.Unlock()
	return k, nil
}

// Publish adds k to the published keys.
func (s *Server) Publish(k *Key) {
	s.mu.Lock()
	s.keys = append(s.keys, k)
	s.mu.Unlock()
}

// RemoveKey stops publishing the key named kid.
func (s *Server) RemoveKey(kid string) {
	s.mu.Lock()
	s.keys = slices.DeleteFunc(s.keys, func(k *Key) bool { return k.Kid == kid })
	s.mu.Unlock()
}

// publishedSet is the JWK Set of the server's keys.
func (s *Server) publishedSet() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := struct {
		Keys []map[string]any `json:"keys"`
	}{Keys: []map[string]any{}}
	for _, k := range s.keys {
		set.Keys = append(set.Keys, k.JWK)
	}
	b, _ := json.Marshal(set)
	return b
}

// NewKey generates a key without publishing it.
func NewKey(kid, alg string, bits int) (*Key, error) {
	k := &Key{Kid: kid, Alg: alg}
	b64 := base64.RawURLEncoding.EncodeToString
	switch alg {
	case "RS256", "PS256":
		p, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, err
		}
		k.Private = p
		k.JWK = map[string]any{"kty": "RSA", "n": b64(p.N.Bytes()), "e": b64(big.NewInt(int64(p.E)).Bytes())}
	case "ES256":
		p, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		k.Private = p
		pt, _ := p.PublicKey.Bytes() // 0x04 || x || y
		k.JWK = map[string]any{"kty": "EC", "crv": "P-256", "x": b64(pt[1:33]), "y": b64(pt[33:])}
	case "EdDSA":
		_, p, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		k.Private = p
		k.JWK = map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64(p.Public().(ed25519.PublicKey))}
	default:
		return nil, errors.New("jwkstest: unsupported alg " + alg)
	}
	k.JWK["kid"], k.JWK["alg"], k.JWK["use"] = kid, alg, "sig"
	return k, nil
}

// Sign returns a token with header {"alg", "kid", "typ": "JWT"} and the
// given claims.
func (k *Key) Sign(claims map[string]any) (string, error) {
	return k.SignHeader(map[string]any{"alg": k.Alg, "kid": k.Kid, "typ": "JWT"}, claims)
}

// SignHeader returns a token with the given header and claims, signed
// with k whatever the header's alg says.
func (k *Key) SignHeader(header, claims map[string]any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	b64 := base64.RawURLEncoding.EncodeToString
	input := b64(h) + "." + b64(c)
	sig, err := k.signature([]byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}

func (k *Key) signature(input []byte) ([]byte, error) {
	sum := sha256.Sum256(input)
	switch p := k.Private.(type) {
	case *rsa.PrivateKey:
		if k.Alg == "PS256" {
			return rsa.SignPSS(rand.Reader, p, crypto.SHA256, sum[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.SignPKCS1v15(rand.Reader, p, crypto.SHA256, sum[:])
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, p, sum[:])
		if err != nil {
			return nil, err
		}
		// Low-S form (n-s when s > n/2): strict verifiers refuse the other
		// half as a second spelling of the same signature.
		n := p.Curve.Params().N
		if s.Cmp(new(big.Int).Rsh(n, 1)) > 0 {
			s.Sub(n, s)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return sig, nil
	case ed25519.PrivateKey:
		return ed25519.Sign(p, input), nil
	}
	return nil, errors.New("jwkstest: unsupported key")
}
