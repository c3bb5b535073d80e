package password_test

import (
	"bufio"
	"encoding/base64"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/lambdasec/lambdasec/password"
)

// fast is a Hasher at the cheapest parameters Hash accepts (OWASP m=7 MiB,
// t=5), to keep the race-enabled suite quick.
func fast() *password.Hasher {
	return &password.Hasher{Memory: 7168, Time: 5}
}

func TestHashDefaults(t *testing.T) {
	var h password.Hasher
	enc, err := h.Hash(t.Context(), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash = %q, want the OWASP argon2id parameters", enc)
	}
	parts := strings.Split(enc, "$")
	if len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Errorf("Hash = %q, want a 16-byte salt and 32-byte key in unpadded base64", enc)
	}
	ok, err := h.Verify(t.Context(), "correct horse battery staple", enc)
	if !ok || err != nil {
		t.Errorf("Verify(right) = %v, %v", ok, err)
	}
	ok, err = h.Verify(t.Context(), "correct horse battery stapler", enc)
	if ok || err != nil {
		t.Errorf("Verify(wrong) = %v, %v; want false, nil", ok, err)
	}
	if h.NeedsRehash(enc) {
		t.Error("NeedsRehash(fresh hash) = true")
	}
	enc2, _ := h.Hash(t.Context(), "correct horse battery staple")
	if enc2 == enc {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

func TestHashNormalizesNFC(t *testing.T) {
	h := fast()
	enc, err := h.Hash(t.Context(), "m\u00fcnchen-is-lovely") // composed ü
	if err != nil {
		t.Fatal(err)
	}
	// The same text typed with a combining diaeresis verifies.
	if ok, err := h.Verify(t.Context(), "mu\u0308nchen-is-lovely", enc); !ok || err != nil {
		t.Errorf("Verify(decomposed) = %v, %v; want true", ok, err)
	}
}

func TestHasherParameters(t *testing.T) {
	tests := []struct {
		name string
		h    *password.Hasher
		ok   bool
	}{
		{"zero", &password.Hasher{}, true},
		{"owasp t1", &password.Hasher{Memory: 47104, Time: 1}, true},
		{"owasp t3", &password.Hasher{Memory: 12288, Time: 3}, true},
		{"owasp t5", &password.Hasher{Memory: 7168, Time: 5}, true},
		// A common slip: Memory in MiB instead of KiB.
		{"memory in MiB", &password.Hasher{Memory: 64}, false},
		{"below owasp t1", &password.Hasher{Memory: 19456, Time: 1}, false},
		{"below owasp t2", &password.Hasher{Memory: 19455}, false},
		{"over verify limit memory", &password.Hasher{Memory: 256*1024 + 1}, false},
		{"over verify limit time", &password.Hasher{Time: 17}, false},
		{"over verify limit lanes", &password.Hasher{Parallelism: 17}, false},
		{"short salt", &password.Hasher{SaltLength: 8}, false},
		{"long salt", &password.Hasher{SaltLength: 65}, false},
		{"short key", &password.Hasher{KeyLength: 8}, false},
		{"long key", &password.Hasher{KeyLength: 65}, false},
		{"negative cap", &password.Hasher{MaxPasswordBytes: -1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ok {
				return // hashing at each valid setting is covered elsewhere
			}
			_, err := tc.h.Hash(t.Context(), "pw")
			if !errors.Is(err, password.ErrInvalidHasher) {
				t.Errorf("Hash = %v, want ErrInvalidHasher", err)
			}
			if tc.h.NeedsRehash("$2b$10$" + strings.Repeat("a", 53)) {
				t.Error("NeedsRehash = true for a Hasher that cannot hash")
			}
		})
	}
}

func TestPasswordCap(t *testing.T) {
	h := fast()
	long := strings.Repeat("a", 1025)
	if _, err := h.Hash(t.Context(), long); !errors.Is(err, password.ErrPasswordTooLong) {
		t.Errorf("Hash(1025 bytes) = %v, want ErrPasswordTooLong", err)
	}
	// Refused before the hash string is even parsed.
	if _, err := h.Verify(t.Context(), long, "garbage"); !errors.Is(err, password.ErrPasswordTooLong) {
		t.Errorf("Verify(1025 bytes) = %v, want ErrPasswordTooLong", err)
	}
	h2 := &password.Hasher{Memory: 7168, Time: 5, MaxPasswordBytes: 4096}
	enc, err := h2.Hash(t.Context(), long)
	if err != nil {
		t.Fatalf("Hash with raised cap = %v", err)
	}
	if ok, _ := h2.Verify(t.Context(), long, enc); !ok {
		t.Error("Verify with raised cap failed")
	}
	if ok, _ := h2.Verify(t.Context(), long[:1024], enc); ok {
		t.Error("a truncated password verified")
	}
}

// Hashes made by the reference argon2 CLI, htpasswd and pyca/bcrypt verify.
// (RFC 9106's own vectors use a secret key and associated data, which
// x/crypto/argon2 does not expose, so they cannot be replayed here.)
func TestVerifyInterop(t *testing.T) {
	f, err := os.Open("testdata/interop.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var h password.Hasher
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		quoted, enc, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		pw, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("bad password %s: %v", quoted, err)
		}
		n++
		t.Run(enc[:strings.LastIndexByte(enc, '$')], func(t *testing.T) {
			ok, err := h.Verify(t.Context(), pw, enc)
			if !ok || err != nil {
				t.Errorf("Verify(%q) = %v, %v; want true", pw, ok, err)
			}
			ok, err = h.Verify(t.Context(), pw+"x", enc)
			if ok || err != nil {
				t.Errorf("Verify(wrong) = %v, %v; want false, nil", ok, err)
			}
			// Only the vector at the default parameters with a 16-byte salt is
			// current; the others are cheaper, argon2i, bcrypt or short-salted.
			wantRehash := !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$MDEy")
			if got := h.NeedsRehash(enc); got != wantRehash {
				t.Errorf("NeedsRehash = %v, want %v", got, wantRehash)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d vectors read", n)
	}
}

func TestVerifyBcrypt(t *testing.T) {
	var h password.Hasher
	enc, err := bcrypt.GenerateFromPassword([]byte("legacy-password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(t.Context(), "legacy-password", string(enc)); !ok || err != nil {
		t.Errorf("Verify($2a$) = %v, %v", ok, err)
	}
	if !h.NeedsRehash(string(enc)) {
		t.Error("NeedsRehash(bcrypt) = false")
	}

	// x/crypto/bcrypt compares only the first 72 bytes; Verify must refuse
	// instead of accepting a longer password that shares them.
	p72 := strings.Repeat("k", 72)
	enc72, err := bcrypt.GenerateFromPassword([]byte(p72), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(t.Context(), p72, string(enc72)); !ok || err != nil {
		t.Errorf("Verify(72 bytes) = %v, %v", ok, err)
	}
	ok, err := h.Verify(t.Context(), p72+"extra-ignored", string(enc72))
	if ok || !errors.Is(err, password.ErrPasswordTooLong) {
		t.Errorf("Verify(85 bytes) = %v, %v; want false, ErrPasswordTooLong", ok, err)
	}
	// 72 bytes in multibyte runes is the limit too.
	if _, err := h.Verify(t.Context(), strings.Repeat("é", 37), string(enc72)); !errors.Is(err, password.ErrPasswordTooLong) {
		t.Errorf("Verify(74 bytes of é) = %v, want ErrPasswordTooLong", err)
	}

	// NFC can make a password longer: U+0958 (3 bytes) becomes U+0915
	// U+093C (6 bytes). 72 bytes as typed are 144 once normalized, and
	// bcrypt would compare only the first 72 of those.
	typed := strings.Repeat("\u0958", 24)
	prefix := strings.Repeat("\u0915\u093c", 12) // the first 72 bytes of NFC(typed)
	encPrefix, err := bcrypt.GenerateFromPassword([]byte(prefix), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	ok, err = h.Verify(t.Context(), typed, string(encPrefix))
	if ok || !errors.Is(err, password.ErrPasswordTooLong) {
		t.Errorf("Verify(72 bytes growing to 144 under NFC) = %v, %v; want false, ErrPasswordTooLong", ok, err)
	}
}

func TestVerifyRefusesBadHashes(t *testing.T) {
	var h password.Hasher
	const salt, key = "c29tZXNhbHRzb21lc2FsdA", "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	tests := []struct {
		name string
		enc  string
		want error
	}{
		{"empty", "", password.ErrMalformedHash},
		{"plain text", "hunter2", password.ErrMalformedHash},
		{"too long", "$argon2id$" + strings.Repeat("A", 300), password.ErrMalformedHash},
		{"unknown scheme", "$scrypt$ln=15,r=8,p=1$" + salt + "$" + key, password.ErrUnsupportedHash},
		{"argon2d", "$argon2d$v=19$m=65536,t=2,p=1$" + salt + "$" + key, password.ErrUnsupportedHash},
		{"version 16 (no v=)", "$argon2id$m=65536,t=2,p=1$" + salt + "$" + key, password.ErrUnsupportedHash},
		{"version 20", "$argon2id$v=20$m=65536,t=2,p=1$" + salt + "$" + key, password.ErrUnsupportedHash},
		{"missing field", "$argon2id$v=19$m=65536,t=2,p=1$" + salt, password.ErrMalformedHash},
		{"extra field", "$argon2id$v=19$m=65536,t=2,p=1$" + salt + "$" + key + "$x", password.ErrMalformedHash},
		{"params order", "$argon2id$v=19$t=2,m=65536,p=1$" + salt + "$" + key, password.ErrMalformedHash},
		{"keyid param", "$argon2id$v=19$m=65536,t=2,p=1,keyid=x$" + salt + "$" + key, password.ErrMalformedHash},
		{"leading zero", "$argon2id$v=19$m=065536,t=2,p=1$" + salt + "$" + key, password.ErrMalformedHash},
		{"sign", "$argon2id$v=19$m=+65536,t=2,p=1$" + salt + "$" + key, password.ErrMalformedHash},
		// x/crypto/argon2 panics on t=0 or p=0 (alexedwards/argon2id passes
		// them through).
		{"t zero", "$argon2id$v=19$m=65536,t=0,p=1$" + salt + "$" + key, password.ErrMalformedHash},
		{"p zero", "$argon2id$v=19$m=65536,t=2,p=0$" + salt + "$" + key, password.ErrMalformedHash},
		{"m below 8p", "$argon2id$v=19$m=15,t=2,p=2$" + salt + "$" + key, password.ErrMalformedHash},
		// Resource exhaustion from a tampered row.
		{"m 4 GiB", "$argon2id$v=19$m=4194304,t=2,p=1$" + salt + "$" + key, password.ErrHashTooExpensive},
		{"m overflow", "$argon2id$v=19$m=99999999999,t=2,p=1$" + salt + "$" + key, password.ErrMalformedHash},
		{"t 17", "$argon2id$v=19$m=65536,t=17,p=1$" + salt + "$" + key, password.ErrHashTooExpensive},
		{"p 255", "$argon2id$v=19$m=65536,t=2,p=255$" + salt + "$" + key, password.ErrHashTooExpensive},
		{"salt 4 bytes", "$argon2id$v=19$m=65536,t=2,p=1$c29tZQ$" + key, password.ErrMalformedHash},
		{"salt 100 bytes", "$argon2id$v=19$m=65536,t=2,p=1$" + strings.Repeat("QUFB", 34) + "$" + key, password.ErrMalformedHash},
		{"key 8 bytes", "$argon2id$v=19$m=65536,t=2,p=1$" + salt + "$c29tZXNhbHQ", password.ErrMalformedHash},
		{"padded base64", "$argon2id$v=19$m=65536,t=2,p=1$" + salt + "==$" + key, password.ErrMalformedHash},
		{"bad base64", "$argon2id$v=19$m=65536,t=2,p=1$" + salt + "$" + key[:42] + "*", password.ErrMalformedHash},
		// encoding/base64 skips newlines; the parser must not.
		{"newline in base64", "$argon2id$v=19$m=65536,t=2,p=1$" + salt + "$" + key[:20] + "\n" + key[20:], password.ErrMalformedHash},
		{"base64 stray bits", "$argon2id$v=19$m=65536,t=2,p=1$" + salt + "$" + key[:42] + "d", password.ErrMalformedHash},
		{"bcrypt 2x", "$2x$10$" + strings.Repeat("a", 53), password.ErrUnsupportedHash},
		{"bcrypt 2", "$2$10$" + strings.Repeat("a", 53), password.ErrUnsupportedHash},
		{"bcrypt short", "$2b$10$abc", password.ErrMalformedHash},
		{"bcrypt cost 3", "$2b$03$" + strings.Repeat("a", 53), password.ErrMalformedHash},
		{"bcrypt cost 31", "$2b$31$" + strings.Repeat("a", 53), password.ErrHashTooExpensive},
		{"bcrypt bad char", "$2b$10$" + strings.Repeat("a", 52) + "*", password.ErrMalformedHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := h.Verify(t.Context(), "password", tc.enc)
			if ok || !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, %v; want false, %v", ok, err, tc.want)
			}
			if len(tc.enc) > 8 && strings.Contains(err.Error(), tc.enc) {
				t.Errorf("error echoes the hash: %v", err)
			}
			if !h.NeedsRehash(tc.enc) {
				t.Error("NeedsRehash(unparseable) = false")
			}
		})
	}
}

// Absurd parameters are refused before any allocation proportional to
// them.
func TestVerifyAbsurdDoesNotAllocate(t *testing.T) {
	var h password.Hasher
	enc := "$argon2id$v=19$m=262145,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	allocs := testing.AllocsPerRun(20, func() { _, _ = h.Verify(t.Context(), "password", enc) })
	if allocs > 12 {
		t.Errorf("Verify(absurd) made %v allocations", allocs)
	}
}

func TestNeedsRehash(t *testing.T) {
	h := &password.Hasher{} // m=19456 t=2 p=1 salt 16 key 32
	const s16, k32 = "c29tZXNhbHRzb21lc2FsdA", "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	tests := []struct {
		name string
		enc  string
		want bool
	}{
		{"same", "$argon2id$v=19$m=19456,t=2,p=1$" + s16 + "$" + k32, false},
		{"stronger memory", "$argon2id$v=19$m=65536,t=2,p=1$" + s16 + "$" + k32, false},
		{"more lanes", "$argon2id$v=19$m=19456,t=2,p=4$" + s16 + "$" + k32, false},
		{"less memory", "$argon2id$v=19$m=12288,t=2,p=1$" + s16 + "$" + k32, true},
		{"fewer passes", "$argon2id$v=19$m=47104,t=1,p=1$" + s16 + "$" + k32, true},
		{"short salt", "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$" + k32, true},
		{"short key", "$argon2id$v=19$m=19456,t=2,p=1$" + s16 + "$VzR4QSW0vsOwuZ4xeeEWBg", true},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + s16 + "$" + k32, true},
		{"bcrypt", "$2y$12$" + strings.Repeat("a", 53), true},
		{"garbage", "nope", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.NeedsRehash(tc.enc); got != tc.want {
				t.Errorf("NeedsRehash = %v, want %v", got, tc.want)
			}
		})
	}
	stronger := &password.Hasher{Memory: 47104, Time: 3}
	if !stronger.NeedsRehash("$argon2id$v=19$m=19456,t=2,p=1$" + s16 + "$" + k32) {
		t.Error("raising the Hasher's cost did not ask for a rehash")
	}
}

func TestDummyHash(t *testing.T) {
	h := fast()
	d := h.DummyHash()
	if !strings.HasPrefix(d, "$argon2id$v=19$m=7168,t=5,p=1$") {
		t.Fatalf("DummyHash = %q, want the Hasher's parameters", d)
	}
	if h.DummyHash() != d {
		t.Error("DummyHash changed between calls")
	}
	for _, pw := range []string{"", "password", d} {
		if ok, err := h.Verify(t.Context(), pw, d); ok || err != nil {
			t.Errorf("Verify(%q, dummy) = %v, %v; want false, nil", pw, ok, err)
		}
	}
	bad := &password.Hasher{Memory: 1}
	if bad.DummyHash() != "" {
		t.Error("DummyHash of an invalid Hasher is not empty")
	}
}

// A small password cap must not break the dummy: an empty DummyHash makes
// Verify fail at once for unknown accounts, so their logins would be fast
// and answered differently, revealing which accounts exist.
func TestDummyHashSmallCap(t *testing.T) {
	h := &password.Hasher{Memory: 7168, Time: 5, MaxPasswordBytes: 16}
	d := h.DummyHash()
	if !strings.HasPrefix(d, "$argon2id$v=19$m=7168,t=5,p=1$") {
		t.Fatalf("DummyHash = %q, want a hash at the Hasher's parameters", d)
	}
	if ok, err := h.Verify(t.Context(), "a password", d); ok || err != nil {
		t.Errorf("Verify(dummy) = %v, %v; want false, nil", ok, err)
	}
}

func TestHasherConcurrent(t *testing.T) {
	h := fast()
	enc, err := h.Hash(t.Context(), "shared secret")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if i%2 == 0 {
				_ = h.DummyHash()
			}
			if ok, err := h.Verify(t.Context(), "shared secret", enc); !ok || err != nil {
				t.Errorf("Verify = %v, %v", ok, err)
			}
		})
	}
	wg.Wait()
}

// Verify hashes once. It used to try the NFC form and then, on a mismatch,
// the bytes as sent, so a client that sent decomposed text doubled the CPU
// of every failed login. A hash written from unnormalized bytes by other
// code therefore no longer verifies: that is the price of one hash.
func TestVerifyHashesOnce(t *testing.T) {
	h := fast()
	const nfd = "mu\u0308nchen-is-lovely" // decomposed ü: not NFC
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(nfd), salt, 2, 19456, 1, 32)
	b64 := base64.RawStdEncoding
	enc := "$argon2id$v=19$m=19456,t=2,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
	if ok, err := h.Verify(t.Context(), nfd, enc); ok || err != nil {
		t.Errorf("Verify(NFD against a hash of NFD bytes) = %v, %v; want false, nil (one hash, of the NFC form)", ok, err)
	}
	// The same bytes in NFC, hashed the same way, verify from either form.
	key = argon2.IDKey([]byte("m\u00fcnchen-is-lovely"), salt, 2, 19456, 1, 32)
	enc = "$argon2id$v=19$m=19456,t=2,p=1$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
	for _, pw := range []string{nfd, "m\u00fcnchen-is-lovely"} {
		if ok, err := h.Verify(t.Context(), pw, enc); !ok || err != nil {
			t.Errorf("Verify(%+q) = %v, %v; want true", pw, ok, err)
		}
	}
}

// Hash keeps invisible characters and case: Check compares skeletons, but
// the stored hash is of what the user typed, NFC-normalized.
func TestHashKeepsWhatWasTyped(t *testing.T) {
	h := fast()
	enc, err := h.Hash(t.Context(), "vivid\u200dotter\u00adlamp")
	if err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"vividotterlamp", "vivid\u200dotterlamp", "VIVID\u200dotter\u00adlamp"} {
		if ok, err := h.Verify(t.Context(), pw, enc); ok || err != nil {
			t.Errorf("Verify(%+q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
	if ok, err := h.Verify(t.Context(), "vivid\u200dotter\u00adlamp", enc); !ok || err != nil {
		t.Errorf("Verify(as typed) = %v, %v; want true", ok, err)
	}
}

// Each parameter of m=262144,t=16,p=1 is within the absolute limits, but
// together they cost over 100 times the default Hasher's work (10 seconds
// and more): Verify must refuse the row before hashing.
func TestVerifyRefusesCombinedCost(t *testing.T) {
	const salt, key = "c29tZXNhbHRzb21lc2FsdA", "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	tests := []struct {
		name string
		h    *password.Hasher
		enc  string
		want error
	}{
		{"tampered max m and t", &password.Hasher{}, "$argon2id$v=19$m=262144,t=16,p=1$" + salt + "$" + key, password.ErrHashTooExpensive},
		{"tampered argon2i", &password.Hasher{}, "$argon2i$v=19$m=131072,t=16,p=1$" + salt + "$" + key, password.ErrHashTooExpensive},
		// 8 × 19456 × 2 = 311296 KiB-passes is the default Hasher's limit.
		{"just over 8 times", &password.Hasher{}, "$argon2id$v=19$m=103766,t=3,p=1$" + salt + "$" + key, password.ErrHashTooExpensive},
		// The limit follows the Hasher: 8 × 7168 × 5 = 286720 for fast().
		{"over 8 times, cheap Hasher", fast(), "$argon2id$v=19$m=57345,t=5,p=1$" + salt + "$" + key, password.ErrHashTooExpensive},
		// A Hasher that cannot hash cannot verify either: fail closed.
		{"invalid Hasher", &password.Hasher{Memory: 64}, "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key, password.ErrInvalidHasher},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := tc.h.Verify(t.Context(), "password", tc.enc)
			if ok || !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, %v; want false, %v", ok, err, tc.want)
			}
		})
	}
	// Within 8 times (the interop vector m=65536,t=2 is 3.4 times the
	// default) still verifies: see TestVerifyInterop.
	// Refused without the work: no allocation proportional to m.
	h := &password.Hasher{}
	enc := tests[0].enc
	if allocs := testing.AllocsPerRun(20, func() { _, _ = h.Verify(t.Context(), "password", enc) }); allocs > 12 {
		t.Errorf("Verify(tampered) made %v allocations", allocs)
	}
}
