package password

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzCheck: Check never panics, returns nil or a *PolicyError with known
// codes, and never puts the password in the error text.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"", "password", "P@ssw0rd", "Password1!", "Summer2024!", "$ummer2024",
		"correct horse battery staple", "Tr1al-Balance!2026", "My-Long-Passphrase-2024",
		"안전한비밀번호7!", "e\u0301e\u0301", "\xff\xfe", "a\x00b", "1111", "!!!!", "@@@@@@@@",
		strings.Repeat("ab1!", 300),
	} {
		f.Add(s, "jonathan@example.com")
	}
	known := map[Code]bool{}
	for _, c := range []Code{CodeTooShort, CodeTooLong, CodeMissingUpper, CodeMissingLower, CodeMissingDigit,
		CodeMissingSpecial, CodeCommon, CodeContainsContext, CodeBreached, CodeInvalidCharacter, CodeInvalidEncoding} {
		known[c] = true
	}
	policies := []Policy{NIST(), NISTWithMFA(), Composition(), {Specials: CompositionSpecials, RequireSpecial: true, MinLength: 1}}
	f.Fuzz(func(t *testing.T, pw, ctxWord string) {
		for _, p := range policies {
			err := p.Check(pw, ctxWord)
			if err == nil {
				continue
			}
			var pe *PolicyError
			if !errors.As(err, &pe) || len(pe.Violations) == 0 {
				t.Fatalf("Check = %v, want *PolicyError with violations", err)
			}
			for _, v := range pe.Violations {
				if !known[v.Code] || v.Message == "" {
					t.Fatalf("unknown violation %+v", v)
				}
			}
			msg := strings.TrimPrefix(err.Error(), "password: ")
			if utf8.RuneCountInString(pw) >= 6 && strings.Contains(msg, pw) && !strings.Contains(p.Specials, pw) {
				t.Fatalf("error %q contains the password", msg)
			}
		}
		// Blocklist.Contains agrees with the common code, unless Check
		// stopped early at the byte cap or on invalid UTF-8.
		if len(pw) <= DefaultMaxBytes && utf8.ValidString(pw) {
			var pe *PolicyError
			common := errors.As(NIST().Check(pw), &pe) && pe.Has(CodeCommon)
			if listed := DefaultBlocklist().Contains(pw); common != listed {
				t.Fatalf("Check common = %v, Blocklist.Contains = %v for %q", common, listed, pw)
			}
		}
	})
}

// FuzzParseHash: the hash parser never panics, refuses with the documented
// sentinels, and what it accepts is within the limits.
func FuzzParseHash(f *testing.F) {
	for _, s := range []string{
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=19456,t=2,p=1$MDEyMzQ1Njc4OWFiY2RlZg$qtv1hcIlcnI4WnDYzP8EJ6OgPXnqyfwyRLY5f36RJTM",
		"$argon2i$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A",
		"$argon2id$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=4294967295,t=4294967295,p=255$c29tZXNhbHQ$CTFh",
		"$argon2id$v=19$m=65536,t=0,p=0$$",
		"$2y$05$RH6nQd9HjMBs2QSxUN3u1e714Q0lAmMR1pMaQSoVxS3Qz8PTO0TQi",
		"$2b$05$BZpU/4QoDYebqAOyuKk.mub5k3vXMtEmdwbRXo0fG0hKOogr4u9yy",
		"$2x$05$BZpU/4QoDYebqAOyuKk.mub5k3vXMtEmdwbRXo0fG0hKOogr4u9yy",
		"$2b$99$BZpU/4QoDYebqAOyuKk.mub5k3vXMtEmdwbRXo0fG0hKOogr4u9yy",
		"", "$", "$$$$$", "$2", "$2b$", "plain",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ph, err := parseHash(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) && !errors.Is(err, ErrUnsupportedHash) && !errors.Is(err, ErrHashTooExpensive) {
				t.Fatalf("parseHash error %v is not a documented kind", err)
			}
			if len(s) >= 8 && strings.Contains(err.Error(), s) {
				t.Fatalf("error echoes the input: %v", err)
			}
			return
		}
		switch ph.scheme {
		case schemeArgon2id, schemeArgon2i:
			if ph.memory > maxMemoryKiB || ph.time < 1 || ph.time > maxTime || ph.threads < 1 || ph.threads > maxThreads ||
				ph.memory < 8*uint32(ph.threads) || len(ph.salt) < minSaltLen || len(ph.salt) > maxSaltLen ||
				len(ph.key) < minKeyLen || len(ph.key) > maxKeyLen {
				t.Fatalf("accepted out-of-range hash %+v", ph)
			}
			// Round trip: an accepted argon2id string is canonical.
			if ph.scheme == schemeArgon2id {
				if got := encodeArgon2id(ph.memory, ph.time, ph.threads, ph.salt, ph.key); got != s {
					t.Fatalf("re-encoded %q, want %q", got, s)
				}
			}
		case schemeBcrypt:
			if len(s) != 60 || ph.cost < 4 || ph.cost > maxBcryptCost {
				t.Fatalf("accepted bad bcrypt %q", s)
			}
		default:
			t.Fatalf("unknown scheme %d", ph.scheme)
		}
	})
}

// FuzzParseRange: the HIBP response parser never panics and either finds a
// count or fails; it never reports a negative count.
func FuzzParseRange(f *testing.F) {
	const suffix = "0018A45C4D1DEF81644B54AB7F969B88D65"
	f.Add("0018A45C4D1DEF81644B54AB7F969B88D65:10\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2\r\n")
	f.Add("00000000000000000000000000000000000:0\n")
	f.Add("0018A45C4D1DEF81644B54AB7F969B88D65:99999999999999999999999")
	f.Add("garbage")
	f.Add("")
	f.Fuzz(func(t *testing.T, body string) {
		n, err := parseRange(strings.NewReader(body), suffix)
		if err != nil && n != 0 {
			t.Fatalf("count %d with error %v", n, err)
		}
		if n < 0 {
			t.Fatalf("negative count %d", n)
		}
	})
}

// FuzzSkeleton: the normalization behind the blocklist, the context words
// and the length count never panics, is idempotent, leaves no invisible
// code point, is plain lowercasing for visible ASCII, and cannot be moved
// by inserting an invisible character anywhere.
func FuzzSkeleton(f *testing.F) {
	for _, s := range []string{
		"", "password", "PassWord1!", "ｐａｓｓｗｏｒｄ１２３４５６７８", "a\u200b\u200b\u200b",
		"pass\u00adword", "p\ufe0fa\U000E0100ss", "pass\U000E0070word\U000E007F", "\u202epassword\u202c",
		"Straße", "ﬃ", "e\u0301", "a\u034f\u0301", "\uffa0\u3164", "ᄀ\uffa0", "İstanbul", "ǅ", "ΐ",
		"пароль", "密码", "👨\u200d👩\u200d👧", "\xff\xfe", "a\x00b", "\u0958\u093c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sk := skeleton(s)
		if again := skeleton(sk); again != sk {
			t.Fatalf("skeleton(%+q) = %+q, but skeleton of that is %+q", s, sk, again)
		}
		if strings.IndexFunc(sk, isIgnorable) >= 0 {
			t.Fatalf("skeleton(%+q) = %+q keeps an invisible code point", s, sk)
		}
		if isVisibleASCII(s) && sk != strings.ToLower(s) {
			t.Fatalf("skeleton(%q) = %q, want %q", s, sk, strings.ToLower(s))
		}
		if !utf8.ValidString(s) {
			return
		}
		nfc := norm.NFC.String(s)
		n := visibleLen(nfc)
		if n > utf8.RuneCountInString(nfc) {
			t.Fatalf("visibleLen(%+q) = %d, over its code point count", s, n)
		}
		for i := range s {
			disguised := s[:i] + "\u200b" + s[i:]
			if got := skeleton(disguised); got != sk {
				t.Fatalf("skeleton(%+q) = %+q, but with a zero width space at %d it is %+q", s, sk, i, got)
			}
			if got := visibleLen(norm.NFC.String(disguised)); got != n {
				t.Fatalf("visibleLen(%+q) = %d, but with a zero width space at %d it is %d", s, n, i, got)
			}
		}
	})
}

func isVisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
