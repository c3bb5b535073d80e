package password

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"

	"github.com/lambdasec/lambdasec/secevent"
)

// Default argon2id parameters (OWASP's m=19 MiB, t=2, p=1 row, a 16-byte
// salt and a 32-byte key) and the 1 KiB input cap that [Hasher] and
// [Policy] share.
const (
	DefaultMemory      = 19 * 1024 // KiB
	DefaultTime        = 2
	DefaultParallelism = 1
	DefaultSaltLength  = 16
	DefaultKeyLength   = 32
	DefaultMaxBytes    = 1024
)

// A Hasher hashes passwords with argon2id into PHC strings and verifies
// them, along with legacy argon2i and bcrypt hashes.
//
// The zero Hasher is ready to use with the OWASP parameters (m=19 MiB, t=2,
// p=1): one Hash costs about 40 ms of one core and allocates 19 MiB. Set
// the fields only to raise the cost; [Hasher.Hash] refuses parameters
// weaker than OWASP's equal-strength table (m=46 MiB with t=1, 19 MiB
// with t=2, 12 MiB with t=3, 9 MiB with t=4, 7 MiB with t≥5).
//
// # Memory and concurrency
//
// Each hash holds Memory KiB for as long as it runs (19 MiB by default;
// bcrypt needs 4 KiB). A Hasher computes at most MaxConcurrent hashes at
// once, by default GOMAXPROCS less one (at least one), so that a core
// stays free for the requests that wait on the network: hashing on every
// core made Redis calls miss their deadlines under a burst of logins.
// Further Hash and Verify calls wait for a free slot, or return when
// their ctx ends. The memory the Hasher holds at once is therefore at
// most
//
//	MaxConcurrent × Memory       (3 × 19 MiB = 57 MiB on 4 cores)
//
// and Go's collector may let about twice that accumulate before it runs
// (GOGC=100): budget 2 × MaxConcurrent × Memory (114 MiB here), or set
// GOMEMLIMIT. Verify holds the memory the stored hash names instead, which
// is more than Memory only for rows hashed before Memory was lowered (and
// never over 256 MiB); rehashing on login retires them. Without the bound, eight concurrent logins on a 2-core host
// peaked at 159 MiB. Raising MaxConcurrent above the core count adds
// memory but no throughput.
//
// On Lambda, CPU is proportional to configured memory (one full vCPU at
// 1,769 MB; GOMAXPROCS is 2 however little CPU that buys), so expect
// several hundred milliseconds per hash at 128 MB; MaxConcurrent 1, the
// default there, is right below 1,769 MB. With GOMAXPROCS 1 no core is
// left free: a hash then delays the process's network waits by up to the
// scheduler's 10 ms time slice at a time; give such a process's Redis
// calls deadlines well above the hash time, or more CPU.
//
// A Hasher is safe for concurrent use. It must not be copied after first
// use, because it keeps its slots and the dummy hash it makes for
// [Hasher.DummyHash].
type Hasher struct {
	// Memory is argon2id's memory cost in KiB. Zero means
	// [DefaultMemory], 19456 (19 MiB).
	Memory uint32

	// Time is the number of passes over memory. Zero means
	// [DefaultTime], 2.
	Time uint32

	// Parallelism is the number of lanes. Zero means
	// [DefaultParallelism], 1. It is stored in each hash, so it never
	// depends on the host's CPU count.
	Parallelism uint8

	// SaltLength is the random salt size in bytes. Zero means
	// [DefaultSaltLength], 16.
	SaltLength uint32

	// KeyLength is the derived key size in bytes. Zero means
	// [DefaultKeyLength], 32.
	KeyLength uint32

	// MaxPasswordBytes caps the password length that Hash and Verify
	// accept, checked before any hashing work. Zero means
	// [DefaultMaxBytes], 1024.
	MaxPasswordBytes int

	// MaxConcurrent is the number of hashes the Hasher computes at once
	// (Hash, Verify and the first DummyHash); the others wait. Zero means
	// runtime.GOMAXPROCS(0) less one, at least one, read at first use. The Hasher's doc, under
	// "Memory and concurrency", gives the memory it bounds.
	MaxConcurrent int

	// Events receives a sys_dependency_fail security event (package
	// secevent, reason "stored_hash_malformed", "stored_hash_unsupported"
	// or "stored_hash_too_expensive") when Verify refuses the stored
	// hash itself: a corrupt or tampered user record, or one written by
	// another system. Neither the hash nor the password is included. Nil
	// means none.
	Events secevent.Sink

	dummyOnce sync.Once
	dummy     string

	slotsOnce sync.Once
	slots     chan struct{} // a semaphore of MaxConcurrent slots
	inSlot    func()        // tests only: called once a slot is taken
}

// params is a Hasher's resolved configuration.
type params struct {
	memory, time    uint32
	threads         uint8
	saltLen, keyLen uint32
	maxBytes        int
	maxConcurrent   int // 0: GOMAXPROCS-1 (at least 1), resolved by acquire
}

func (h *Hasher) params() (params, error) {
	p := params{
		memory:        cmp.Or(h.Memory, DefaultMemory),
		time:          cmp.Or(h.Time, DefaultTime),
		threads:       cmp.Or(h.Parallelism, DefaultParallelism),
		saltLen:       cmp.Or(h.SaltLength, DefaultSaltLength),
		keyLen:        cmp.Or(h.KeyLength, DefaultKeyLength),
		maxBytes:      cmp.Or(h.MaxPasswordBytes, DefaultMaxBytes),
		maxConcurrent: h.MaxConcurrent,
	}
	switch {
	case p.maxBytes < 0:
		return p, fmt.Errorf("%w: negative MaxPasswordBytes", ErrInvalidHasher)
	case p.maxConcurrent < 0:
		return p, fmt.Errorf("%w: negative MaxConcurrent", ErrInvalidHasher)
	case p.memory > maxMemoryKiB || p.time > maxTime || p.threads > maxThreads:
		return p, fmt.Errorf("%w: over the verify limits (m=%d KiB, t=%d, p=%d)", ErrInvalidHasher, maxMemoryKiB, maxTime, maxThreads)
	case p.memory < 8*uint32(p.threads):
		return p, fmt.Errorf("%w: Memory below 8 KiB per lane", ErrInvalidHasher)
	case p.saltLen < DefaultSaltLength || p.saltLen > maxSaltLen:
		return p, fmt.Errorf("%w: SaltLength must be 16 to %d", ErrInvalidHasher, maxSaltLen)
	case p.keyLen < minKeyLen || p.keyLen > maxKeyLen:
		return p, fmt.Errorf("%w: KeyLength must be %d to %d", ErrInvalidHasher, minKeyLen, maxKeyLen)
	case p.memory < owaspMinMemory(p.time):
		return p, fmt.Errorf("%w: Memory %d KiB with Time %d is below the OWASP minimum of %d KiB (Memory is in KiB)",
			ErrInvalidHasher, p.memory, p.time, owaspMinMemory(p.time))
	}
	return p, nil
}

// maxCostFactor bounds the work of a stored argon2 hash relative to the
// Hasher's: Memory × Time may be at most this many times the Hasher's.
const maxCostFactor = 8

// affords refuses an argon2 hash whose memory × passes exceed maxCostFactor
// times the Hasher's. Each parameter alone is already under the absolute
// limits of parseHash, but their product is what costs: m=262144,t=16
// passes each bound and takes seconds. Lanes divide the memory, not
// multiply it, so the product leaves them out; parseHash bounds them.
func (p params) affords(ph parsedHash) error {
	if ph.scheme == schemeBcrypt {
		return nil
	}
	limit := maxCostFactor * uint64(p.memory) * uint64(p.time)
	if cost := uint64(ph.memory) * uint64(ph.time); cost > limit {
		return fmt.Errorf("%w: m*t = %d KiB-passes, over %d times this Hasher's %d", ErrHashTooExpensive,
			cost, maxCostFactor, uint64(p.memory)*uint64(p.time))
	}
	return nil
}

// owaspMinMemory is the least memory (KiB) the OWASP Password Storage Cheat
// Sheet accepts for argon2id with t passes.
func owaspMinMemory(t uint32) uint32 {
	switch t {
	case 1:
		return 47104
	case 2:
		return 19456
	case 3:
		return 12288
	case 4:
		return 9216
	default:
		return 7168
	}
}

// Hash returns the argon2id PHC string for password, such as
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>" (unpadded standard
// base64). The password is NFC-normalized first, so the same password
// typed on different systems hashes alike; nothing else is changed (case,
// compatibility forms and invisible characters are hashed as typed).
//
// Hash waits for one of the Hasher's MaxConcurrent slots. If ctx ends
// first, or has ended already, it returns an error wrapping ctx.Err()
// (context.Canceled or context.DeadlineExceeded) without hashing. Other
// errors wrap [ErrPasswordTooLong] or [ErrInvalidHasher].
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	p, err := h.params()
	if err != nil {
		return "", err
	}
	if len(password) > p.maxBytes {
		return "", fmt.Errorf("%w: over %d bytes", ErrPasswordTooLong, p.maxBytes)
	}
	if err := h.acquire(ctx, p.maxConcurrent); err != nil {
		return "", err
	}
	defer h.release()
	return hashWith(p, password)
}

// hashWith hashes password at p, without the length cap.
func hashWith(p params, password string) (string, error) {
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading random salt: %w", err)
	}
	key := argon2.IDKey([]byte(norm.NFC.String(password)), salt, p.time, p.memory, p.threads, p.keyLen)
	return encodeArgon2id(p.memory, p.time, p.threads, salt, key), nil
}

func encodeArgon2id(m, t uint32, p uint8, salt, key []byte) string {
	enc := b64()
	buf := make([]byte, 0, 48+enc.EncodedLen(len(salt))+enc.EncodedLen(len(key)))
	buf = append(buf, "$argon2id$v=19$m="...)
	buf = strconv.AppendUint(buf, uint64(m), 10)
	buf = append(buf, ",t="...)
	buf = strconv.AppendUint(buf, uint64(t), 10)
	buf = append(buf, ",p="...)
	buf = strconv.AppendUint(buf, uint64(p), 10)
	buf = append(buf, '$')
	buf = enc.AppendEncode(buf, salt)
	buf = append(buf, '$')
	buf = enc.AppendEncode(buf, key)
	return string(buf)
}

// Verify reports whether password matches encoded, an argon2id or argon2i
// PHC string (from this package or any implementation that writes the
// reference format) or a bcrypt hash ($2a$, $2b$, $2y$). The key comparison
// is constant-time.
//
// The password is NFC-normalized, as [Hasher.Hash] normalizes it, and
// hashed once, whatever the scheme: a client sending decomposed text buys
// no second hash. A hash that other code wrote from unnormalized bytes
// (typed with combining accents and never normalized) does not verify;
// such a user resets the password. Invisible characters are kept: what
// the user's keyboard or password manager typed is what is hashed.
//
// A mismatch is (false, nil). Errors wrap [ErrPasswordTooLong] (over
// MaxPasswordBytes, or over bcrypt's 72 bytes for a bcrypt hash: the
// password is refused, never truncated), [ErrMalformedHash],
// [ErrUnsupportedHash], [ErrHashTooExpensive] or [ErrInvalidHasher]; all
// are refused before any hashing work. Treat them as a failed login, with
// the same answer as a wrong password. ErrPasswordTooLong comes from what
// the client sent; the others signal a corrupt or tampered row or a
// misconfigured Hasher, so log them.
//
// Verify then waits for one of the Hasher's MaxConcurrent slots. If ctx
// ends first, or has ended already, it returns an error wrapping ctx.Err()
// without hashing: answer 503 (or nothing, to a client that left), not
// "wrong password".
//
// Verify uses the parameters stored in encoded, not the Hasher's, so it
// works after the Hasher's parameters change; follow a successful Verify
// with [Hasher.NeedsRehash]. An argon2 hash may cost at most eight times
// the Hasher's own work (Memory × Time), besides the absolute limits of
// [ErrHashTooExpensive]: a row tampered to m=262144,t=16 (over 100 times
// the default's work, about 10 seconds of CPU) is refused in microseconds.
// Hashes made at parameters up to eight times costlier than the current
// ones still verify, so lower the parameters by at most that factor at a
// time, and rehash on login.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	p, err := h.params()
	if err != nil {
		return false, err
	}
	if len(password) > p.maxBytes {
		return false, fmt.Errorf("%w: over %d bytes", ErrPasswordTooLong, p.maxBytes)
	}
	ph, err := parseHash(encoded)
	if err == nil {
		err = p.affords(ph)
	}
	if err != nil {
		h.reportStoredHash(ctx, err)
		return false, err
	}
	nfc := norm.NFC.String(password)
	if ph.scheme == schemeBcrypt && len(nfc) > 72 {
		return false, fmt.Errorf("%w: bcrypt hashes only the first 72 bytes", ErrPasswordTooLong)
	}
	if err := h.acquire(ctx, p.maxConcurrent); err != nil {
		return false, err
	}
	defer h.release()
	return ph.matches(nfc, encoded)
}

func (ph parsedHash) matches(password, encoded string) (bool, error) {
	switch ph.scheme {
	case schemeBcrypt:
		err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("%w: bcrypt: %w", ErrMalformedHash, err)
		}
		return true, nil
	case schemeArgon2i:
		key := argon2.Key([]byte(password), ph.salt, ph.time, ph.memory, ph.threads, uint32(len(ph.key)))
		return subtle.ConstantTimeCompare(key, ph.key) == 1, nil
	default:
		key := argon2.IDKey([]byte(password), ph.salt, ph.time, ph.memory, ph.threads, uint32(len(ph.key)))
		return subtle.ConstantTimeCompare(key, ph.key) == 1, nil
	}
}

// NeedsRehash reports whether encoded should be replaced by a fresh
// [Hasher.Hash] of the password, which the caller has at hand right after
// a successful [Hasher.Verify]: true for bcrypt and argon2i hashes, for
// argon2id hashes with less memory, fewer passes, a shorter salt or a
// shorter key than the Hasher's, and for strings it cannot parse. It is
// false when the Hasher's own parameters are invalid, since Hash would
// fail. Store the new hash with a compare-and-swap on the old one so a
// concurrent password change wins.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, err := h.params()
	if err != nil {
		return false
	}
	ph, err := parseHash(encoded)
	if err != nil || ph.scheme != schemeArgon2id {
		return true
	}
	return ph.memory < p.memory || ph.time < p.time ||
		uint32(len(ph.salt)) < p.saltLen || uint32(len(ph.key)) < p.keyLen
}

// DummyHash returns a hash of a random secret made once, with the Hasher's
// current parameters, on first call. When a login names an account that
// does not exist, verify the submitted password against DummyHash instead
// of returning early: the response then takes as long as for a real
// account, and timing does not reveal which accounts exist (OWASP ASVS
// 6.3.8). Nothing verifies against it. Call it once during start-up so the
// first unknown login does not pay for making it.
//
// Accounts whose stored hashes use older, cheaper parameters (or bcrypt)
// still verify faster; rehash them on login to close that gap. DummyHash
// returns "" if the Hasher's parameters are invalid; Verify then fails
// with ErrInvalidHasher, as Hash fails for every registration.
func (h *Hasher) DummyHash() string {
	h.dummyOnce.Do(func() {
		p, err := h.params()
		if err != nil {
			return
		}
		var secret [32]byte
		_, _ = rand.Read(secret[:]) // never fails since Go 1.24
		// Not through Hash: its cap may be below the secret's length. It
		// waits for a slot without a deadline: the hashes that hold the
		// slots finish.
		if h.acquire(context.Background(), p.maxConcurrent) != nil {
			return
		}
		defer h.release()
		h.dummy, _ = hashWith(p, hex.EncodeToString(secret[:]))
	})
	return h.dummy
}
