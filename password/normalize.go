package password

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// Three forms of a password are used in this package:
//
//   - what the user typed, NFC-normalized once: it is hashed and sent to
//     the breach checker, invisible characters included, so that a
//     password manager's exact string is what logs in;
//   - its visible length: NFC code points that are not default-ignorable,
//     the unit of MinLength and MaxLength;
//   - its skeleton: NFKC, case-folded, default-ignorables removed (the
//     NFKC_Casefold mapping of Unicode UAX #44), compared with the
//     blocklist and the context words, so that fullwidth letters, a zero
//     width space or a soft hyphen do not disguise "password".

// isIgnorable reports whether r is a Default_Ignorable_Code_Point, as UAX #44
// derives it: Other_Default_Ignorable_Code_Point, format characters (Cf) and
// variation selectors, less white space, the interlinear annotation
// characters, Egyptian hieroglyph format controls and prepended
// concatenation marks. These render as nothing (zero width space, joiners,
// soft hyphen, bidi controls, BOM, variation selectors, tag characters,
// Hangul fillers).
func isIgnorable(r rune) bool {
	if r < 0xAD { // U+00AD SOFT HYPHEN is the first one
		return false
	}
	switch {
	case unicode.Is(unicode.White_Space, r),
		r >= 0xFFF9 && r <= 0xFFFB,
		r >= 0x13430 && r <= 0x1343F,
		unicode.Is(unicode.Prepended_Concatenation_Mark, r):
		return false
	}
	return unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// isASCII reports whether s holds only ASCII bytes, for which every form
// below is trivial.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// stripIgnorable returns s without default-ignorable code points; s itself
// when it has none.
func stripIgnorable(s string) string {
	i := strings.IndexFunc(s, isIgnorable)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if !isIgnorable(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// skeleton returns the form that the blocklist and context words compare:
// NFKC_Casefold. Fullwidth and other compatibility letters become their
// plain letters ("ｐａｓｓ" → "pass"), case is folded fully ("STRASSE" and
// "straße" agree), and invisible characters disappear. Ignorables go first
// so that one between a letter and its accent cannot keep them apart, and
// again last because NFKC maps a few characters (U+FFA0) to ignorables.
// NFKC runs again after folding, which can leave text unnormalized.
func skeleton(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	s = norm.NFKC.String(stripIgnorable(s))
	// Lower before Fold: x/text's Fold swaps the two cases of Cherokee
	// (U+13A0-13F5 and U+AB70-ABBF) where Unicode's CaseFolding.txt maps
	// both to U+13A0-13F5, so Fold alone would not be idempotent.
	s = norm.NFKC.String(cases.Fold().String(cases.Lower(language.Und).String(s)))
	return stripIgnorable(s)
}

// visibleLen counts the code points of nfc, an NFC-normalized string, that
// are not default-ignorable. NIST SP 800-63B-4 counts each code point as
// one character; code points that render as nothing are left out, so a
// zero width space cannot make a short password long enough. Without its
// invisible code points the text is normalized again, so an accent that
// one kept from composing counts as it would have: "e", U+200B, U+0301 is
// one character, like "é". A combining accent that NFC cannot compose
// still counts, as NIST's rule says.
func visibleLen(nfc string) int {
	if isASCII(nfc) {
		return len(nfc)
	}
	if s := stripIgnorable(nfc); len(s) != len(nfc) {
		nfc = norm.NFC.String(s)
	}
	return utf8.RuneCountInString(nfc)
}
