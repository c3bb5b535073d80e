package secretkeys

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/lambdasec/lambdasec/jwtauth"
	"github.com/lambdasec/lambdasec/secrets"
)

// keyJSON is one secret version's value.
type keyJSON struct {
	Alg        string `json:"alg"`
	Kid        string `json:"kid"`
	Secret     string `json:"secret"`
	PrivateKey string `json:"private_key"`
}

// parseVersion turns a secret version into a key; with sign false an
// asymmetric key keeps only its public half.
func parseVersion(v secrets.Secret, sign bool) (jwtauth.Key, error) {
	var kj keyJSON
	if err := v.Decode(&kj); err != nil {
		return jwtauth.Key{}, fmt.Errorf("%w: version %s: %w", ErrInvalidSecret, v.VersionID(), err)
	}
	k, err := ParseKey(kj.Alg, kj.Secret, kj.PrivateKey)
	if err != nil {
		return jwtauth.Key{}, fmt.Errorf("%w: version %s: %w", ErrInvalidSecret, v.VersionID(), err)
	}
	k.ID = kj.Kid
	if k.ID == "" {
		k.ID = v.VersionID()
	}
	if !sign && k.PrivateKey != nil {
		k.PublicKey, k.PrivateKey = k.PrivateKey.Public(), nil
	}
	return k, nil
}

// ParseKey builds a key (without ID) from a secret version's fields: alg,
// and the base64 secret for HS256 or the PEM PKCS #8 private key for the
// others. Errors never hold key material.
func ParseKey(alg, secret, privateKeyPEM string) (jwtauth.Key, error) {
	k := jwtauth.Key{Algorithm: jwtauth.Algorithm(alg)}
	switch k.Algorithm {
	case jwtauth.HS256:
		if privateKeyPEM != "" {
			return jwtauth.Key{}, fmt.Errorf("HS256 takes secret, not private_key")
		}
		b, err := decodeBase64(secret)
		if err != nil {
			return jwtauth.Key{}, fmt.Errorf("secret is not base64")
		}
		k.Secret = jwtauth.NewHMACSecret(b)
	case jwtauth.ES256, jwtauth.RS256, jwtauth.PS256, jwtauth.EdDSA:
		if secret != "" {
			return jwtauth.Key{}, fmt.Errorf("%s takes private_key, not secret", alg)
		}
		block, _ := pem.Decode([]byte(privateKeyPEM))
		if block == nil || block.Type != "PRIVATE KEY" {
			return jwtauth.Key{}, fmt.Errorf("private_key is not a PEM PRIVATE KEY (PKCS #8)")
		}
		priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return jwtauth.Key{}, fmt.Errorf("private_key does not parse as PKCS #8")
		}
		signer, ok := priv.(crypto.Signer)
		if !ok {
			return jwtauth.Key{}, fmt.Errorf("private_key cannot sign")
		}
		k.PrivateKey = signer
	default:
		return jwtauth.Key{}, fmt.Errorf("alg %q is not one of HS256, ES256, RS256, PS256, EdDSA", alg)
	}
	return k, nil
}

// decodeBase64 accepts standard and URL alphabets, padded or not.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// NewHS256Secret returns the JSON value of a secret version holding a
// fresh HS256 key of 32 random bytes, as [Rotate]'s createSecret step
// writes it.
func NewHS256Secret(random []byte) (string, error) {
	if len(random) < 32 {
		return "", fmt.Errorf("%w: an HS256 key needs 32 random bytes or more", ErrInvalidConfig)
	}
	b, err := json.Marshal(keyJSON{Alg: string(jwtauth.HS256), Secret: base64.StdEncoding.EncodeToString(random)})
	return string(b), err
}
