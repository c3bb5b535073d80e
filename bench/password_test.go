package bench

import (
	"crypto/rand"
	"crypto/subtle"
	"testing"

	"github.com/alexedwards/argon2id"
	passwordvalidator "github.com/wagslane/go-password-validator"
	"golang.org/x/crypto/argon2"

	"github.com/lambdasec/lambdasec/password"
)

// Equal argon2id parameters for both libraries: OWASP m=19 MiB, t=2, p=1,
// 16-byte salt, 32-byte key.
var pwAlexParams = &argon2id.Params{Memory: 19456, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

const pwBenchInput = "correct horse battery staple"

// The floor is x/crypto/argon2 itself at the same parameters: a random
// salt and IDKey, without encoding. lambdasec adds NFC normalization, the
// PHC encoding and one slot of the Hasher's concurrency bound (a channel
// send and receive); the ratio lambdasec/x-crypto-argon2 should be 1.00
// within noise. Each hash holds 19 MiB while it runs, which is the memory
// per concurrent hash that Hasher.MaxConcurrent multiplies.
func BenchmarkPasswordHash(b *testing.B) {
	b.Run("x-crypto-argon2", func(b *testing.B) {
		b.ReportAllocs()
		salt := make([]byte, pwAlexParams.SaltLength)
		for b.Loop() {
			_, _ = rand.Read(salt)
			_ = argon2.IDKey([]byte(pwBenchInput), salt, pwAlexParams.Iterations, pwAlexParams.Memory, pwAlexParams.Parallelism, pwAlexParams.KeyLength)
		}
	})
	b.Run("lambdasec", func(b *testing.B) {
		var h password.Hasher
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.Hash(b.Context(), pwBenchInput); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("alexedwards-argon2id", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := argon2id.CreateHash(pwBenchInput, pwAlexParams); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkPasswordVerify(b *testing.B) {
	var h password.Hasher
	ours, _ := h.Hash(b.Context(), pwBenchInput)
	theirs, _ := argon2id.CreateHash(pwBenchInput, pwAlexParams)
	// The floor: IDKey at the stored parameters and a constant-time
	// compare, on an already decoded salt and key.
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(pwBenchInput), salt, 2, 19456, 1, 32)
	b.Run("x-crypto-argon2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got := argon2.IDKey([]byte(pwBenchInput), salt, 2, 19456, 1, 32)
			if subtle.ConstantTimeCompare(got, key) != 1 {
				b.Fatal("mismatch")
			}
		}
	})
	b.Run("lambdasec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := h.Verify(b.Context(), pwBenchInput, ours); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("alexedwards-argon2id", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ok, err := argon2id.ComparePasswordAndHash(pwBenchInput, theirs); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
}

// The two libraries read each other's hashes: same PHC format.
func TestPasswordInteropAlexedwards(t *testing.T) {
	var h password.Hasher
	ours, err := h.Hash(t.Context(), pwBenchInput)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := argon2id.ComparePasswordAndHash(pwBenchInput, ours); !ok || err != nil {
		t.Errorf("alexedwards verifying ours = %v, %v", ok, err)
	}
	theirs, err := argon2id.CreateHash(pwBenchInput, pwAlexParams)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(t.Context(), pwBenchInput, theirs); !ok || err != nil {
		t.Errorf("lambdasec verifying alexedwards = %v, %v", ok, err)
	}
}

// Check does strictly more than wagslane's entropy estimate (blocklist with
// disguises, composition, context words), so the comparison is per call on
// the same inputs. wagslane accepts "Password1!" at its README's 60 bits;
// Check rejects it.
func BenchmarkPasswordCheck(b *testing.B) {
	inputs := []string{"Kv7#qmzW-vivid-otter", "Password1!", pwBenchInput}
	policy := password.Composition()
	_ = policy.Check("warm up")
	b.Run("lambdasec-Composition", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, pw := range inputs {
				_ = policy.Check(pw)
			}
		}
	})
	nist := password.NIST()
	b.Run("lambdasec-NIST", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, pw := range inputs {
				_ = nist.Check(pw)
			}
		}
	})
	b.Run("wagslane-go-password-validator", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, pw := range inputs {
				_ = passwordvalidator.Validate(pw, 60)
			}
		}
	})
}

func TestPasswordCheckVersusEntropy(t *testing.T) {
	if err := passwordvalidator.Validate("Password1!", 60); err != nil {
		t.Logf("wagslane now rejects Password1!: %v", err)
		return
	}
	if err := password.Composition().Check("Password1!"); err == nil {
		t.Error("Composition accepted Password1!, which an entropy meter passes")
	}
}
