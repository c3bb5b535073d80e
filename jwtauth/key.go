package jwtauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithm is a JWS "alg" value this package supports.
type Algorithm string

// Supported algorithms. Each [Key] is bound to exactly one of them, and a
// token verifies only under the algorithm of the key it selects
// (RFC 8725 §3.1).
const (
	// HS256 is HMAC with SHA-256. The secret must be at least 32 bytes of
	// random data.
	HS256 Algorithm = "HS256"
	// ES256 is ECDSA on P-256 with SHA-256.
	ES256 Algorithm = "ES256"
	// RS256 is RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys or larger.
	RS256 Algorithm = "RS256"
	// PS256 is RSASSA-PSS with SHA-256 and a 32-byte salt, as RFC 7518
	// §3.5 requires; signatures with any other salt length are rejected.
	PS256 Algorithm = "PS256"
	// EdDSA is Ed25519 (RFC 8037).
	EdDSA Algorithm = "EdDSA"
)

const (
	minHMACSecret = 32   // RFC 7518 §3.2: key at least the hash size
	minRSABits    = 2048 // RFC 7518 §3.3
	maxKIDLen     = 256  // kid is an opaque map key; longer is refused
)

// Key is one signing or verification key, bound to one algorithm and
// named by an id that tokens carry in their "kid" header.
//
// Set Secret for HS256. For the asymmetric algorithms set PrivateKey to
// issue and verify, or only PublicKey to verify: *ecdsa.PrivateKey /
// *ecdsa.PublicKey (P-256) for ES256, *rsa.PrivateKey / *rsa.PublicKey
// (2048 bits or more) for RS256 and PS256, ed25519.PrivateKey /
// ed25519.PublicKey for EdDSA.
//
// Key redacts itself when printed or logged.
type Key struct {
	// ID is the key id written to and looked up from the "kid" header:
	// unique within a key set, at most 256 bytes. Zero means no kid: a
	// set may hold one key without ID, which signs tokens without a kid
	// header and verifies tokens that carry none. A single key therefore
	// needs no ID; give IDs once a second key joins for rotation.
	ID string
	// Algorithm is the only algorithm this key signs and verifies.
	// Required.
	Algorithm Algorithm
	// Secret is the HS256 key, made with NewHMACSecret from the bytes
	// given: at least 32 bytes (ErrInvalidKey when shorter) and not a
	// known-weak value (ErrWeakKey, at any length). Text such as the
	// output of `openssl rand -base64 32` is not decoded; its 44
	// characters are the key, which is fine.
	Secret HMACSecret
	// PrivateKey signs (and, through its public half, verifies).
	PrivateKey crypto.Signer
	// PublicKey verifies. Zero means the public half of PrivateKey.
	PublicKey crypto.PublicKey
}

// String describes the key without its material.
func (k Key) String() string {
	return fmt.Sprintf("jwtauth.Key{ID:%q, Algorithm:%s}", k.ID, k.Algorithm)
}

// GoString describes the key without its material, for %#v.
func (k Key) GoString() string { return k.String() }

// Format implements fmt.Formatter, so that every verb (%x and %d
// included, which would otherwise print Secret's bytes) shows only the id
// and algorithm.
func (k Key) Format(f fmt.State, verb rune) {
	_, _ = io.WriteString(f, k.String())
}

// MarshalJSON encodes the id and algorithm only.
func (k Key) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID        string    `json:"id"`
		Algorithm Algorithm `json:"alg"`
	}{k.ID, k.Algorithm})
}

// LogValue logs the key's id and algorithm only.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("alg", string(k.Algorithm)))
}

// key is a validated Key.
type key struct {
	id     string
	alg    Algorithm
	method jwt.SigningMethod
	sign   any // nil when the key only verifies
	verify any
}

// newKey validates k and prepares it for signing and verifying.
func newKey(k Key) (*key, error) {
	if len(k.ID) > maxKIDLen {
		return nil, fmt.Errorf("%w: id longer than %d bytes", ErrInvalidKey, maxKIDLen)
	}
	switch k.Algorithm {
	case "":
		return nil, keyError(k, "set Algorithm (HS256, ES256, RS256, PS256 or EdDSA)")
	case HS256:
		return newHMACKey(k)
	case ES256, RS256, PS256, EdDSA:
	default:
		return nil, keyError(k, fmt.Sprintf("unsupported algorithm %q", k.Algorithm))
	}
	if k.Secret.Len() != 0 {
		return nil, keyError(k, "Secret is for HS256 only")
	}
	pub, err := publicHalf(k)
	if err != nil {
		return nil, err
	}
	out := &key{id: k.ID, alg: k.Algorithm, verify: pub}
	switch k.Algorithm {
	case ES256:
		out.method, err = checkECDSA(k, pub)
	case RS256, PS256:
		out.method, err = checkRSA(k, pub)
	case EdDSA:
		out.method, err = checkEd25519(pub)
	}
	if err != nil {
		return nil, keyError(k, err.Error())
	}
	if k.PrivateKey != nil {
		out.sign = k.PrivateKey
	}
	return out, nil
}

func keyError(k Key, why string) error {
	return fmt.Errorf("%w: key %q: %s", ErrInvalidKey, k.ID, why)
}

// newHMACKey checks an HS256 secret. A known-weak value is ErrWeakKey
// whatever its length; a random-looking one shorter than 32 bytes is
// ErrInvalidKey.
func newHMACKey(k Key) (*key, error) {
	if k.PrivateKey != nil || k.PublicKey != nil {
		return nil, keyError(k, "HS256 takes Secret only")
	}
	if weakSecret(k.Secret.bytes()) {
		return nil, fmt.Errorf("%w: key %q: generate 32 random bytes", ErrWeakKey, k.ID)
	}
	if k.Secret.Len() < minHMACSecret {
		return nil, keyError(k, fmt.Sprintf("HS256 secret must be at least %d bytes", minHMACSecret))
	}
	m := newMAC(k.Secret.bytes())
	return &key{id: k.ID, alg: HS256, method: hs256{}, sign: m, verify: m}, nil
}

// publicHalf returns the verification key: PublicKey, or the public half
// of PrivateKey, which must agree when both are set.
func publicHalf(k Key) (crypto.PublicKey, error) {
	pub := k.PublicKey
	if k.PrivateKey != nil {
		derived := k.PrivateKey.Public()
		if pub == nil {
			pub = derived
		} else if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(derived) {
			return nil, keyError(k, "PublicKey does not match PrivateKey")
		}
	}
	if pub == nil {
		return nil, keyError(k, "PrivateKey or PublicKey required")
	}
	return pub, nil
}

func checkECDSA(k Key, pub crypto.PublicKey) (jwt.SigningMethod, error) {
	if p, ok := pub.(*ecdsa.PublicKey); !ok || p.Curve != elliptic.P256() {
		return nil, errors.New("ES256 needs a P-256 ECDSA key")
	}
	if _, ok := k.PrivateKey.(*ecdsa.PrivateKey); k.PrivateKey != nil && !ok {
		return nil, errors.New("ES256 needs an *ecdsa.PrivateKey")
	}
	return es256{}, nil
}

func checkRSA(k Key, pub crypto.PublicKey) (jwt.SigningMethod, error) {
	p, ok := pub.(*rsa.PublicKey)
	if !ok || p.N == nil {
		return nil, fmt.Errorf("%s needs an RSA key", k.Algorithm)
	}
	if p.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("RSA key must be at least %d bits", minRSABits)
	}
	if _, ok := k.PrivateKey.(*rsa.PrivateKey); k.PrivateKey != nil && !ok {
		return nil, fmt.Errorf("%s needs an *rsa.PrivateKey", k.Algorithm)
	}
	if k.Algorithm == RS256 {
		return jwt.SigningMethodRS256, nil
	}
	// golang-jwt's own PS256 verifies any salt length; RFC 7518 §3.5
	// requires the hash size.
	return &jwt.SigningMethodRSAPSS{
		SigningMethodRSA: jwt.SigningMethodPS256.SigningMethodRSA,
		Options:          &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash},
	}, nil
}

func checkEd25519(pub crypto.PublicKey) (jwt.SigningMethod, error) {
	if p, ok := pub.(ed25519.PublicKey); !ok || len(p) != ed25519.PublicKeySize {
		return nil, errors.New("EdDSA needs an Ed25519 key")
	}
	return jwt.SigningMethodEdDSA, nil
}

// p256HalfOrder is (n-1)/2 for P-256's group order n, big-endian: a
// constant, not computed at start, where crypto/elliptic would set up all
// four of its curves for every program that links jwtauth (a test checks
// it against the curve).
var p256HalfOrder = [32]byte{
	0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
}

// es256 is ES256 with one signature per token. ECDSA signatures are
// malleable: if (r, s) verifies, so does (r, n-s), a second spelling of
// the same token that anyone can compute. es256 refuses the high-S half
// when verifying and always signs with the low-S one, so a token string
// stays a single spelling (the same rule Bitcoin's BIP 62 applies).
type es256 struct{}

func (es256) Alg() string { return string(ES256) }

func (es256) Verify(signingString string, sig []byte, key any) error {
	if len(sig) != 64 || bytes.Compare(sig[32:], p256HalfOrder[:]) > 0 {
		return jwt.ErrSignatureInvalid
	}
	return jwt.SigningMethodES256.Verify(signingString, sig, key)
}

func (es256) Sign(signingString string, key any) ([]byte, error) {
	sig, err := jwt.SigningMethodES256.Sign(signingString, key)
	if err != nil || len(sig) != 64 || bytes.Compare(sig[32:], p256HalfOrder[:]) <= 0 {
		return sig, err
	}
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(elliptic.P256().Params().N, s)
	s.FillBytes(sig[32:])
	return sig, nil
}
