package jwtauth

import (
	"bytes"
	"strings"
)

// weakWords are fragments that appear in placeholder and tutorial secrets
// ("your-256-bit-secret", "change-me-in-production", "supersecretkey...").
// A secret made of random bytes contains none of them once lower-cased and
// stripped of separators, so matching any of them means a human typed it.
func weakWords() []string {
	return []string{
		"secret", "changeme", "changethis", "replaceme", "password", "passwd",
		"example", "placeholder", "default", "qwerty", "letmein", "jwtkey",
		"signingkey", "yourkey", "mykey", "testkey", "devkey", "12345678",
		"abcdefgh", "hunter2", "admin", "insecure", "notsecure",
	}
}

// weakSecret reports whether an HMAC secret is a value a person chose or
// a low-entropy pattern rather than random bytes: a known placeholder word,
// fewer than 8 distinct bytes, or one short block repeated.
func weakSecret(s []byte) bool {
	if len(s) == 0 {
		return true
	}
	var norm strings.Builder
	for _, c := range bytes.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			norm.WriteByte(c)
		}
	}
	n := norm.String()
	for _, w := range weakWords() {
		if strings.Contains(n, w) {
			return true
		}
	}
	var seen [256]bool
	distinct := 0
	for _, c := range s {
		if !seen[c] {
			seen[c] = true
			distinct++
		}
	}
	if distinct < 8 {
		return true
	}
	// A block of up to 16 bytes repeated over the whole secret.
	for p := 1; p <= 16 && p < len(s); p++ {
		if bytes.Equal(s[p:], s[:len(s)-p]) {
			return true
		}
	}
	return false
}
