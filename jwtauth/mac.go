package jwtauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"hash"
	"sync"
	"unsafe"
)

// mac is an HS256 key with a pool of keyed HMAC states: hmac.New hashes
// the key into fresh inner and outer states and allocates them on every
// call, which was a third of the cost of verifying a token. A pooled state
// is Reset (back to the keyed state) and reused.
//
// The secret itself is kept only inside the pooled states and the pool's
// New function, where no fmt verb or reflection reaches it.
type mac struct {
	pool *sync.Pool
}

// macState is one keyed HMAC and the buffer its sum goes to.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
	sig [sha256.Size]byte
}

func newMAC(secret []byte) mac {
	s := string(secret) // a copy: later changes to Key.Secret change nothing
	return mac{pool: &sync.Pool{New: func() any {
		return &macState{h: hmac.New(sha256.New, []byte(s))}
	}}}
}

// sum writes HMAC-SHA256(input) into st.sum.
func (st *macState) compute(input string) []byte {
	st.h.Reset()
	// The hash only reads input; the conversion saves a copy per call.
	st.h.Write(unsafe.Slice(unsafe.StringData(input), len(input)))
	return st.h.Sum(st.sum[:0])
}

// verifyB64 checks sigB64, the token's base64url signature segment,
// against input, decoding into the pooled buffer. The comparison is in
// constant time.
func (m mac) verifyB64(enc decoder, input, sigB64 string) (bool, error) {
	st := m.pool.Get().(*macState)
	defer m.pool.Put(st)
	if enc.DecodedLen(len(sigB64)) != sha256.Size {
		return false, errMACLength
	}
	n, err := enc.Decode(st.sig[:], unsafe.Slice(unsafe.StringData(sigB64), len(sigB64)))
	if err != nil {
		return false, err
	}
	return hmac.Equal(st.compute(input), st.sig[:n]), nil
}

var errMACLength = errors.New("HS256 signature is not 32 bytes")

// decoder is the part of *base64.Encoding verifyB64 uses.
type decoder interface {
	DecodedLen(n int) int
	Decode(dst, src []byte) (int, error)
}

// hs256 is the jwt.SigningMethod of HS256 keys (the key is a mac), for
// Issue and for tests; Verify takes the faster verifyB64 path.
type hs256 struct{}

func (hs256) Alg() string { return string(HS256) }

func (hs256) Verify(input string, sig []byte, k any) error {
	m, ok := k.(mac)
	if !ok {
		return errors.New("HS256 key is not a mac")
	}
	st := m.pool.Get().(*macState)
	defer m.pool.Put(st)
	if !hmac.Equal(st.compute(input), sig) {
		return errors.New("HS256 signature invalid")
	}
	return nil
}

func (hs256) Sign(input string, k any) ([]byte, error) {
	m, ok := k.(mac)
	if !ok {
		return nil, errors.New("HS256 key is not a mac")
	}
	st := m.pool.Get().(*macState)
	defer m.pool.Put(st)
	return append([]byte(nil), st.compute(input)...), nil
}
