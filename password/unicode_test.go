package password_test

import (
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/password"
)

// Unicode disguises: characters that render as nothing or as a look-alike
// of an ASCII letter must neither hide a listed password or a context word
// nor count towards the minimum length. NIST SP 800-63B-4 asks for NFKC or
// NFKD normalization before comparing with the blocklist; default-ignorable
// code points are those Unicode says to render as nothing (UAX #44).
func TestPolicyUnicodeDisguises(t *testing.T) {
	type C = password.Code
	nist, mfa := password.NIST(), password.NISTWithMFA()
	runCheckCases(t, []checkCase{
		// Fullwidth forms fold to ASCII under NFKC: "password12345678".
		{name: "fullwidth common", policy: nist, pw: "ｐａｓｓｗｏｒｄ１２３４５６７８", want: []C{password.CodeCommon}},
		{name: "fullwidth upper common", policy: mfa, pw: "ＰＡＳＳＷＯＲＤ", want: []C{password.CodeCommon}},
		// Invisible characters do not count towards the length.
		{name: "a and 14 zero width spaces", policy: nist, pw: "a" + strings.Repeat("\u200b", 14), want: []C{password.CodeTooShort}},
		{name: "only invisible", policy: mfa, pw: strings.Repeat("\u200d", 20), want: []C{password.CodeTooShort}},
		{name: "padded with BOMs", policy: nist, pw: "vivid otter la" + "\ufeff\ufeff", want: []C{password.CodeTooShort}},
		// Each kind of invisible character inside a listed password.
		{name: "zero width non-joiner", policy: mfa, pw: "pass\u200cword", want: []C{password.CodeCommon}},
		{name: "zero width joiner", policy: mfa, pw: "pass\u200dword", want: []C{password.CodeCommon}},
		{name: "soft hyphen", policy: mfa, pw: "pass\u00adword", want: []C{password.CodeCommon}},
		{name: "word joiner", policy: mfa, pw: "pass\u2060word", want: []C{password.CodeCommon}},
		{name: "variation selectors", policy: mfa, pw: "p\ufe0fa\ufe0es\U000E0100sword", want: []C{password.CodeCommon}},
		{name: "tag characters", policy: mfa, pw: "pass\U000E0070\U000E0077word\U000E007F", want: []C{password.CodeCommon}},
		{name: "bidi override", policy: mfa, pw: "pass\u202eword\u202c", want: []C{password.CodeCommon}},
		{name: "combining grapheme joiner", policy: mfa, pw: "pass\u034fword", want: []C{password.CodeCommon}},
		// An invisible character is not a special character either.
		{name: "zero width space is not special", policy: password.Composition(), pw: "Kv7xqmzW\u200b", want: []C{password.CodeMissingSpecial}},
		// Context words are compared on the same skeleton.
		{name: "context fullwidth", policy: mfa, pw: "ｍａｒｇａｒｅｔ-is-my-name", context: []string{"margaret@example.com"}, want: []C{password.CodeContainsContext}},
		{name: "context zero width", policy: mfa, pw: "mar\u200bgaret-is-my-name", context: []string{"margaret@example.com"}, want: []C{password.CodeContainsContext}},
		{name: "context soft hyphen", policy: mfa, pw: "Mar\u00adgaret is my name", context: []string{"margaret@example.com"}, want: []C{password.CodeContainsContext}},
		{name: "context given in fullwidth", policy: mfa, pw: "margaret-is-my-name", context: []string{"ｍａｒｇａｒｅｔ＠example.com"}, want: []C{password.CodeContainsContext}},
		{name: "context full case folding", policy: mfa, pw: "meine strasse hier", context: []string{"Straße"}, want: []C{password.CodeContainsContext}},
		// Ordinary non-ASCII passphrases keep working.
		{name: "cyrillic", policy: nist, pw: "пароль от почты надёжный"},
		{name: "cjk", policy: nist, pw: "我的密码是长城上的一只猫咪跳舞"},
		{name: "accented latin", policy: nist, pw: "déjà vu à la française"},
		{name: "decomposed accents count once", policy: nist, pw: strings.Repeat("e\u0301", 15)},
		{name: "emoji with joiners", policy: mfa, pw: "👨\u200d👩\u200d👧 our trip to Oslo ❤\ufe0f"},
		{name: "persian with non-joiner", policy: mfa, pw: "می\u200cخواهم بروم خانه"},
		// Cyrillic letters that look like Latin ones are letters of another
		// script, not a compatibility form; NFKC leaves them alone and so
		// does the check (no confusables mapping).
		{name: "cyrillic look-alikes", policy: mfa, pw: "раsswоrd"},
	})
}

func TestBlocklistFoldsNewWords(t *testing.T) {
	bl := password.NewBlocklist("ＬａｍｂｄａＳｅｃ", "Stra\u00dfe")
	for _, pw := range []string{"lambdasec", "LAMBDA\u200bSEC", "strasse", "STRASSE"} {
		if !bl.Contains(pw) {
			t.Errorf("Contains(%q) = false, want true", pw)
		}
	}
}
