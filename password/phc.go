package password

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Bounds on what an encoded hash may ask for. They are checked on the text,
// before any allocation, so a tampered or corrupt row costs microseconds.
const (
	maxEncodedLen = 256
	maxMemoryKiB  = 256 * 1024 // 256 MiB
	maxTime       = 16
	maxThreads    = 16
	minSaltLen    = 8 // RFC 9106 minimum; this package writes 16
	maxSaltLen    = 64
	minKeyLen     = 16
	maxKeyLen     = 64
	maxBcryptCost = 16 // about 4 s of CPU; 31 would be days
)

// b64 returns the PHC string encoding: standard alphabet, no padding, and
// (Strict) no stray bits, so each hash has one spelling.
func b64() *base64.Encoding {
	e := base64.RawStdEncoding.Strict()
	return e
}

// scheme names an algorithm found in an encoded hash.
type scheme uint8

const (
	schemeArgon2id scheme = iota + 1
	schemeArgon2i
	schemeBcrypt
)

// parsedHash is a decoded hash string.
type parsedHash struct {
	scheme  scheme
	memory  uint32 // KiB (argon2)
	time    uint32 // passes (argon2)
	threads uint8  // lanes (argon2)
	cost    int    // bcrypt
	salt    []byte // argon2
	key     []byte // argon2
}

// parseHash decodes an argon2 PHC string or recognises a bcrypt hash.
// Errors wrap ErrMalformedHash, ErrUnsupportedHash or ErrHashTooExpensive,
// and never include the input, which is secret-derived.
func parseHash(encoded string) (parsedHash, error) {
	if len(encoded) > maxEncodedLen {
		return parsedHash{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformedHash, maxEncodedLen)
	}
	if strings.HasPrefix(encoded, "$2") {
		return parseBcrypt(encoded)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) < 2 || parts[0] != "" {
		return parsedHash{}, fmt.Errorf("%w: not a PHC string", ErrMalformedHash)
	}
	var h parsedHash
	switch parts[1] {
	case "argon2id":
		h.scheme = schemeArgon2id
	case "argon2i":
		h.scheme = schemeArgon2i
	default:
		return parsedHash{}, fmt.Errorf("%w: unknown scheme", ErrUnsupportedHash)
	}
	if len(parts) == 5 && !strings.HasPrefix(parts[2], "v=") {
		// The reference encoder omits v= only for version 0x10.
		return parsedHash{}, fmt.Errorf("%w: argon2 version 16", ErrUnsupportedHash)
	}
	if len(parts) != 6 {
		return parsedHash{}, fmt.Errorf("%w: want 6 $-separated fields, got %d", ErrMalformedHash, len(parts))
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return parsedHash{}, fmt.Errorf("%w: missing version", ErrMalformedHash)
	}
	if n, ok := parseUint(v); !ok {
		return parsedHash{}, fmt.Errorf("%w: bad version", ErrMalformedHash)
	} else if n != 19 {
		return parsedHash{}, fmt.Errorf("%w: argon2 version %d", ErrUnsupportedHash, n)
	}
	if err := h.parseParams(parts[3]); err != nil {
		return parsedHash{}, err
	}
	var err error
	if h.salt, err = decodeB64(parts[4], minSaltLen, maxSaltLen, "salt"); err != nil {
		return parsedHash{}, err
	}
	if h.key, err = decodeB64(parts[5], minKeyLen, maxKeyLen, "key"); err != nil {
		return parsedHash{}, err
	}
	return h, nil
}

// parseParams reads "m=<KiB>,t=<passes>,p=<lanes>" in the reference order.
func (h *parsedHash) parseParams(s string) error {
	var vals [3]uint64
	for i, name := range [3]string{"m=", "t=", "p="} {
		field := s
		if i < 2 {
			var ok bool
			field, s, ok = strings.Cut(s, ",")
			if !ok {
				return fmt.Errorf("%w: want m=,t=,p= parameters", ErrMalformedHash)
			}
		}
		num, ok := strings.CutPrefix(field, name)
		if !ok {
			return fmt.Errorf("%w: want m=,t=,p= parameters", ErrMalformedHash)
		}
		n, ok := parseUint(num)
		if !ok || n == 0 {
			return fmt.Errorf("%w: bad %s parameter", ErrMalformedHash, name[:1])
		}
		vals[i] = n
	}
	m, t, p := vals[0], vals[1], vals[2]
	if m > maxMemoryKiB || t > maxTime || p > maxThreads {
		return fmt.Errorf("%w: m=%d t=%d p=%d (limits m=%d t=%d p=%d)", ErrHashTooExpensive, m, t, p, maxMemoryKiB, maxTime, maxThreads)
	}
	if m < 8*p {
		// Argon2 needs 8 KiB per lane; x/crypto would silently round m up
		// and compute a different function than the string names.
		return fmt.Errorf("%w: m=%d below 8*p", ErrMalformedHash, m)
	}
	h.memory, h.time, h.threads = uint32(m), uint32(t), uint8(p)
	return nil
}

// parseUint parses 1 to 10 decimal digits without sign or leading zero.
func parseUint(s string) (uint64, bool) {
	if len(s) == 0 || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// decodeB64 decodes s after checking, from its length alone, that the
// result has between minLen and maxLen bytes.
func decodeB64(s string, minLen, maxLen int, what string) ([]byte, error) {
	// encoding/base64 skips CR and LF anywhere in its input, which would
	// make the length check below meaningless and let two strings name one
	// hash: accept the alphabet only.
	if len(s)%4 == 1 || !isB64(s) {
		return nil, fmt.Errorf("%w: bad %s encoding", ErrMalformedHash, what)
	}
	if n := b64().DecodedLen(len(s)); n < minLen || n > maxLen {
		return nil, fmt.Errorf("%w: %s of %d bytes, want %d to %d", ErrMalformedHash, what, n, minLen, maxLen)
	}
	b, err := b64().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: bad %s encoding", ErrMalformedHash, what)
	}
	return b, nil
}

func isB64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '+' || c == '/' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// parseBcrypt checks the shape of a modular-crypt bcrypt hash
// ("$2b$10$" + 22 salt + 31 hash characters) and its cost.
func parseBcrypt(s string) (parsedHash, error) {
	if len(s) < 4 || s[3] != '$' {
		return parsedHash{}, fmt.Errorf("%w: unknown bcrypt variant", ErrUnsupportedHash)
	}
	switch s[:4] {
	case "$2a$", "$2b$", "$2y$":
	default:
		// $2x$ marks hashes from the buggy 2011 crypt_blowfish; $2$ is
		// the original, which mishandled non-ASCII input.
		return parsedHash{}, fmt.Errorf("%w: bcrypt variant %s", ErrUnsupportedHash, s[1:3])
	}
	if len(s) != 60 || s[6] != '$' {
		return parsedHash{}, fmt.Errorf("%w: bcrypt hash must be 60 characters", ErrMalformedHash)
	}
	cost, ok := parseUint(strings.TrimPrefix(s[4:6], "0"))
	if s[4] < '0' || s[4] > '9' || !ok || cost < 4 || cost > 31 {
		return parsedHash{}, fmt.Errorf("%w: bad bcrypt cost", ErrMalformedHash)
	}
	if cost > maxBcryptCost {
		return parsedHash{}, fmt.Errorf("%w: bcrypt cost %d (limit %d)", ErrHashTooExpensive, cost, maxBcryptCost)
	}
	for i := 7; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || c == '/' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return parsedHash{}, fmt.Errorf("%w: bad bcrypt encoding", ErrMalformedHash)
		}
	}
	return parsedHash{scheme: schemeBcrypt, cost: int(cost)}, nil
}
