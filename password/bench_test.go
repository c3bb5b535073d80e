package password_test

import (
	"testing"

	"github.com/lambdasec/lambdasec/password"
)

var benchPasswords = []struct{ name, pw string }{
	{"accepted", "Kv7#qmzW-vivid-otter"},
	{"common", "P@ssw0rd2024!"},
	{"passphrase", "correct horse battery staple"},
	// Non-ASCII takes the NFKC case-folding path; ASCII skips it.
	{"cyrillic", "пароль от почты надёжный"},
	{"fullwidth", "ｐａｓｓｗｏｒｄ１２３４５６７８"},
}

func BenchmarkCheck(b *testing.B) {
	for _, p := range []struct {
		name   string
		policy password.Policy
	}{{"Composition", password.Composition()}, {"NIST", password.NIST()}} {
		_ = p.policy.Check("warm up the blocklist")
		for _, pw := range benchPasswords {
			b.Run(p.name+"/"+pw.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					_ = p.policy.Check(pw.pw)
				}
			})
		}
	}
	b.Run("NIST/with-context", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = password.NIST().Check("Kv7#qmzW-vivid-otter", "jonathan.smith@example.com", "Trial Balance")
		}
	})
}

func BenchmarkBlocklistContains(b *testing.B) {
	bl := password.DefaultBlocklist()
	for _, pw := range benchPasswords {
		b.Run(pw.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = bl.Contains(pw.pw)
			}
		})
	}
}

// B/op of Hash is its peak memory: argon2id allocates its m KiB of blocks
// once per call and nothing else of size.
func BenchmarkHash(b *testing.B) {
	var h password.Hasher
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(b.Context(), "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	var h password.Hasher
	enc, _ := h.Hash(b.Context(), "correct horse battery staple")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := h.Verify(b.Context(), "correct horse battery staple", enc); !ok {
			b.Fatal("no match")
		}
	}
}

// Refusing a tampered hash costs nothing like a verification.
func BenchmarkVerifyRefusesAbsurd(b *testing.B) {
	var h password.Hasher
	enc := "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	b.ReportAllocs()
	for b.Loop() {
		_, _ = h.Verify(b.Context(), "password", enc)
	}
}

func BenchmarkNeedsRehash(b *testing.B) {
	var h password.Hasher
	enc, _ := h.Hash(b.Context(), "correct horse battery staple")
	b.ReportAllocs()
	for b.Loop() {
		_ = h.NeedsRehash(enc)
	}
}
