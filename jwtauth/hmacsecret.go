package jwtauth

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
)

// HMACSecret is the key material of an HS256 [Key], made by
// [NewHMACSecret].
//
// It keeps its bytes behind a pointer so that no way of printing a Key
// shows them: besides String, Format, LogValue and MarshalJSON, which all
// print REDACTED, this also covers the paths where fmt bypasses those
// methods and walks a value's fields by reflection (%p of a Key value, a
// wrong verb), which then print only an address.
type HMACSecret struct{ b *[]byte }

// NewHMACSecret returns a secret holding a copy of b, so later changes to
// b change nothing. The length and strength rules are checked when the
// key is used ([New], [NewKeySet]), not here.
func NewHMACSecret(b []byte) HMACSecret {
	c := bytes.Clone(b)
	return HMACSecret{&c}
}

// Len is the secret's length in bytes; zero for the zero HMACSecret.
func (s HMACSecret) Len() int { return len(s.bytes()) }

func (s HMACSecret) bytes() []byte {
	if s.b == nil {
		return nil
	}
	return *s.b
}

const redacted = "REDACTED"

// String returns REDACTED.
func (s HMACSecret) String() string { return redacted }

// GoString returns REDACTED, for %#v.
func (s HMACSecret) GoString() string { return redacted }

// Format prints REDACTED for every verb.
func (s HMACSecret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue logs REDACTED.
func (s HMACSecret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes REDACTED.
func (s HMACSecret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
