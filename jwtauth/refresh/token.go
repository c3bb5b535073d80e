package refresh

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// A refresh token is 64 random-looking bytes, sent as 86 base64url
// characters:
//
//	tag (16) | family key (16) | secret (32)
//
// tag is the subject's digest and picks the Redis hash slot; the family
// key names the family record; the secret is 256 random bits. Only the
// SHA-256 of the whole token is stored. The family key never leaves the
// refresh token: access tokens carry fid, a one-way digest of it, so an
// access token (which a browser, a proxy log or a JWT debugger may show)
// is not enough to name a family in a refresh request.
const (
	tagLen     = 16
	famKeyLen  = 16
	secretLen  = 32
	rawLen     = tagLen + famKeyLen + secretLen
	encodedLen = (rawLen*8 + 5) / 6 // 86
)

// Domain-separation labels: each digest of a token serves one purpose.
const (
	labelID   = "lambdasec/refresh id\x00"
	labelWrap = "lambdasec/refresh wrap\x00"
	labelJTI  = "lambdasec/refresh jti\x00"
	labelFID  = "lambdasec/refresh fid\x00"
)

var b64 = base64.RawURLEncoding.Strict()

// Token is a refresh token. Its String, Format, LogValue and MarshalJSON
// print "[REDACTED]"; [Token.Reveal] returns the value to send to the
// client. The zero value is the empty token.
type Token struct {
	// Behind a pointer: fmt's %p prints a struct's fields without asking
	// its Format method, and a pointer prints as an address.
	p *string
}

// Reveal returns the token as the client sends it back.
func (t Token) Reveal() string {
	if t.p == nil {
		return ""
	}
	return *t.p
}

// IsZero reports whether t is the empty token.
func (t Token) IsZero() bool { return t.p == nil || *t.p == "" }

// String implements fmt.Stringer without the token.
func (t Token) String() string { return "[REDACTED]" }

// Format implements fmt.Formatter: every verb prints [Token.String].
func (t Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// LogValue implements slog.LogValuer without the token.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// MarshalJSON implements json.Marshaler without the token: put
// [Token.Reveal] into a response explicitly.
func (t Token) MarshalJSON() ([]byte, error) { return []byte(`"[REDACTED]"`), nil }

// raw is a decoded refresh token.
type raw [rawLen]byte

func (r *raw) tag() []byte    { return r[:tagLen] }
func (r *raw) famKey() []byte { return r[tagLen : tagLen+famKeyLen] }

// errMalformed is the cause when a presented token is not one of ours.
var errMalformed = errors.New("not a refresh token")

// parseToken decodes s, which must be exactly 86 canonical base64url
// characters. Nothing else is looked at before the store is asked.
func parseToken(s string) (raw, error) {
	var r raw
	if len(s) != encodedLen {
		return r, errMalformed
	}
	n, err := b64.Decode(r[:], []byte(s))
	if err != nil || n != rawLen {
		return r, errMalformed
	}
	return r, nil
}

func (r *raw) encode() Token {
	s := b64.EncodeToString(r[:])
	return Token{p: &s}
}

// digest is SHA-256 over label and the whole token.
func (r *raw) digest(label string) [sha256.Size]byte {
	var buf [64 + rawLen]byte
	return sha256.Sum256(append(append(buf[:0], label...), r[:]...))
}

// id is what the store keeps of a token: the hex SHA-256 of it. The
// token holds 256 random bits, so no salt or slow hash is needed.
func (r *raw) id() string {
	d := r.digest(labelID)
	return hex.EncodeToString(d[:])
}

// jti is the access token id issued with this token as the new refresh
// token: derived, so that a retry within the grace period issues the very
// same access token again.
func (r *raw) jti() string {
	d := r.digest(labelJTI)
	return base64.RawURLEncoding.EncodeToString(d[:16])
}

// familyID is the public family id (the fid claim) of a family key.
func familyID(famKey []byte) string {
	var buf [64]byte
	d := sha256.Sum256(append(append(buf[:0], labelFID...), famKey...))
	return base64.RawURLEncoding.EncodeToString(d[:16])
}

// wrap seals the successor next with a key only the holder of r can
// derive, so the store can hand the successor back to a retrying client
// without holding any token in a usable form.
func (r *raw) wrap(next *raw, rand io.Reader) (string, error) {
	aead, err := r.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+rawLen+aead.Overhead())
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return "", err
	}
	return b64.EncodeToString(aead.Seal(nonce, nonce, next[:], []byte(labelWrap))), nil
}

// unwrap opens what wrap sealed; it fails for a blob sealed under another
// token or altered in the store.
func (r *raw) unwrap(blob string) (raw, error) {
	var next raw
	sealed, err := b64.DecodeString(blob)
	if err != nil {
		return next, errMalformed
	}
	aead, err := r.aead()
	if err != nil {
		return next, err
	}
	if len(sealed) < aead.NonceSize() {
		return next, errMalformed
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(labelWrap))
	if err != nil || len(plain) != rawLen {
		return next, errMalformed
	}
	copy(next[:], plain)
	return next, nil
}

func (r *raw) aead() (cipher.AEAD, error) {
	k := r.digest(labelWrap)
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
