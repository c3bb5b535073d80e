package jwtauth

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// KeySet is an immutable, validated set of keys. The first key able to
// sign (Secret, or PrivateKey) is the signing key; the others only verify.
// Build it with [NewKeySet]; a nil *KeySet is an empty set. It is safe for
// concurrent use.
//
// Each key id names one key bound to one algorithm. At most one key may
// have no ID: it is the key of tokens that carry no kid, and tokens
// issued with it carry none.
type KeySet struct {
	keys   []*key
	byID   map[string]*key
	signer *key
}

// NewKeySet validates keys and returns them as a set. It fails with
// [ErrInvalidKey] or [ErrWeakKey] for an unusable key and with
// [ErrInvalidKey] for two keys with the same ID. An empty set is valid
// (a [KeySource] may start with one); it verifies and signs nothing.
func NewKeySet(keys ...Key) (*KeySet, error) {
	s := &KeySet{byID: make(map[string]*key, len(keys))}
	for _, k := range keys {
		vk, err := newKey(k)
		if err != nil {
			return nil, err
		}
		if _, dup := s.byID[vk.id]; dup {
			if vk.id == "" {
				return nil, fmt.Errorf("%w: more than one key without ID", ErrInvalidKey)
			}
			return nil, fmt.Errorf("%w: duplicate key id %q", ErrInvalidKey, vk.id)
		}
		s.byID[vk.id] = vk
		s.keys = append(s.keys, vk)
		if s.signer == nil && vk.sign != nil {
			s.signer = vk
		}
	}
	return s, nil
}

// Len returns the number of keys in s.
func (s *KeySet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.keys)
}

// Has reports whether s holds a key with the given id, for [KeySource]
// implementations deciding whether a fetch found a kid.
func (s *KeySet) Has(kid string) bool {
	if s == nil {
		return false
	}
	_, ok := s.byID[kid]
	return ok
}

// String lists the key ids and algorithms of s, never their material.
func (s *KeySet) String() string {
	var b strings.Builder
	b.WriteString("jwtauth.KeySet{")
	for i, k := range s.all() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q:%s", k.id, k.alg)
	}
	b.WriteString("}")
	return b.String()
}

// Format implements fmt.Formatter: every verb prints [KeySet.String].
func (s *KeySet) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, s.String()) }

func (s *KeySet) all() []*key {
	if s == nil {
		return nil
	}
	return s.keys
}

// find returns the key that must verify a token with header alg and kid
// (hasKid false when the header has none), or nil and the reason.
//
// A kid selects its key, whose algorithm must then be alg. Without kid
// the key without ID is chosen, else the only key of alg; several keys of
// alg and no kid is ambiguous, and refused rather than tried in turn.
func (s *KeySet) find(alg, kid []byte, hasKid bool) (*key, error) {
	if s == nil {
		return nil, errUnknownKid
	}
	if hasKid {
		if k := s.byID[string(kid)]; k != nil {
			return k, nil
		}
		return nil, errUnknownKid
	}
	if k := s.byID[""]; k != nil {
		return k, nil
	}
	var found *key
	for _, k := range s.keys {
		if string(k.alg) == string(alg) {
			if found != nil {
				return nil, fmt.Errorf("%w: kid required", ErrKeyNotFound)
			}
			found = k
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w: no key for this algorithm", ErrAlgorithm)
	}
	return found, nil
}

// errUnknownKid is find's answer for a kid the set lacks; the caller may
// ask the KeySource before refusing.
var errUnknownKid = fmt.Errorf("%w: unknown kid", ErrKeyNotFound)

// KeySource supplies keys at verify and issue time. Set it as
// Config.KeySource when keys change while the service runs: a key rotated
// in a secret store, or an identity provider's JWKS. [StaticKeys] is the
// source behind Config.Keys. Implementations must be safe for concurrent
// use.
type KeySource interface {
	// Keys returns the current set. Called on every Verify and Issue:
	// must be cheap and lock-free (an atomic load).
	Keys() *KeySet
	// Lookup is called when a token names a kid that Keys() lacks. It may
	// fetch (bounded by ctx) and returns the set to use; it returns the
	// same set when the kid stays unknown. Implementations rate-limit
	// their own fetches. An error refuses the token with
	// [ErrKeySourceUnavailable].
	Lookup(ctx context.Context, kid string) (*KeySet, error)
}

// StaticKeys returns a KeySource that always supplies the same keys, as
// Config.Keys does. It fails like [NewKeySet], and with [ErrInvalidConfig]
// when keys is empty.
func StaticKeys(keys ...Key) (KeySource, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrInvalidConfig)
	}
	s, err := NewKeySet(keys...)
	if err != nil {
		return nil, err
	}
	return staticKeys{s}, nil
}

type staticKeys struct{ set *KeySet }

func (s staticKeys) Keys() *KeySet { return s.set }

func (s staticKeys) Lookup(context.Context, string) (*KeySet, error) { return s.set, nil }
