package password

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// commonPasswords is the embedded list of common passwords, one lowercase
// entry a line; see common-passwords.LICENSE.txt for its origin and
// licence. go:embed needs a package-level variable; nothing writes to it.
//
//go:embed common-passwords.txt
var commonPasswords string

// defaultBlocklist parses commonPasswords on first use, so a login-only
// function that never checks a policy pays nothing for it. A package-level
// once-value is the only way to share one parsed copy; it is never
// reassigned.
var defaultBlocklist = sync.OnceValue(parseEmbedded)

// parseEmbedded builds the set from commonPasswords.
func parseEmbedded() *Blocklist {
	n := strings.Count(commonPasswords, "\n") + 1
	b := &Blocklist{words: make(map[string]struct{}, n)}
	for line := range strings.Lines(commonPasswords) {
		// Keys are substrings of the embedded data: no copy per entry.
		w := strings.TrimRight(line, "\r\n")
		if w != "" {
			b.words[w] = struct{}{}
			b.maxLen = max(b.maxLen, len(w))
		}
	}
	return b
}

// minCoreRunes is the shortest word that the disguise-stripping candidates
// may match. The list has three-letter entries; without the floor a strong
// password such as "Xyz-91827364510!" would be rejected because "xyz" is
// listed. The password as a whole is still compared however short it is.
const minCoreRunes = 4

// A Blocklist is a set of passwords that a [Policy] rejects as common. It
// compares skeletons: NFKC-normalized and case-folded, with invisible
// (default-ignorable) code points removed, so fullwidth letters, a zero
// width space, a soft hyphen, variation selectors or tag characters hide
// nothing. It also sees through the usual disguises: leet substitutions (@ 4 → a, 8 → b, 0 → o, 1 → i or l,
// ! → i, 3 → e, $ 5 → s, 7 + → t) and leading or trailing digits and
// symbols. So with "password" listed, "P@ssw0rd", "Password1!" and
// "123Password" all match. The whole normalized password is compared, never
// its substrings, as NIST SP 800-63B-4 requires: "correct horse battery
// staple" does not match even though "correct" and "horse" are listed.
//
// A nil *Blocklist contains nothing. A Blocklist is immutable and safe for
// concurrent use.
type Blocklist struct {
	words  map[string]struct{}
	maxLen int // longest entry in bytes: longer candidates skip the map
	next   *Blocklist
}

// DefaultBlocklist returns the embedded list of about 49,000 common
// passwords (the zxcvbn frequency list, MIT licence; attribution in
// common-passwords.LICENSE.txt). It is parsed once, on first use, which
// costs a few milliseconds and about 2 MB; later calls return the same
// list.
func DefaultBlocklist() *Blocklist { return defaultBlocklist() }

// NewBlocklist returns a Blocklist holding words. Each word is reduced to
// its skeleton (NFKC, case-folded, invisible code points removed); empty
// words are ignored. Use
// [Blocklist.With] to extend the default list instead of replacing it.
func NewBlocklist(words ...string) *Blocklist {
	b := &Blocklist{words: make(map[string]struct{}, len(words))}
	for _, w := range words {
		if w = skeleton(w); w != "" {
			b.words[w] = struct{}{}
			b.maxLen = max(b.maxLen, len(w))
		}
	}
	return b
}

// With returns a Blocklist that holds b's words and words. b is not
// modified and its words are not copied.
func (b *Blocklist) With(words ...string) *Blocklist {
	nb := NewBlocklist(words...)
	nb.next = b
	return nb
}

// Len reports the number of entries in b, counting each layer added by
// [Blocklist.With] separately.
func (b *Blocklist) Len() int {
	n := 0
	for ; b != nil; b = b.next {
		n += len(b.words)
	}
	return n
}

// Contains reports whether password, or the password with its disguises
// removed, is on the list.
func (b *Blocklist) Contains(password string) bool {
	if b == nil {
		return false
	}
	return b.containsFolded(skeleton(password))
}

func (b *Blocklist) has(w []byte) bool {
	for ; b != nil; b = b.next {
		if len(w) > b.maxLen {
			continue
		}
		// The string(w) conversion in a map index does not allocate.
		if _, ok := b.words[string(w)]; ok {
			return true
		}
	}
	return false
}

// containsFolded tries the password's skeleton f whole, then with its leading
// and/or trailing non-letters removed, each raw and with leet substitutions
// undone: at most twelve map lookups, no allocation for short inputs.
func (b *Blocklist) containsFolded(f string) bool {
	if f == "" {
		return false
	}
	var stack [128]byte
	buf := stack[:0]
	start, end := letterSpan(f)
	type span struct{ i, j int }
	spans := [4]span{{0, len(f)}, {start, len(f)}, {0, end}, {start, end}}
	for k, s := range spans {
		if s.i >= s.j {
			continue
		}
		dup := false
		for _, prev := range spans[:k] {
			if prev == s {
				dup = true
			}
		}
		if dup {
			continue
		}
		sub := f[s.i:s.j]
		if k > 0 && utf8.RuneCountInString(sub) < minCoreRunes {
			continue
		}
		buf = append(buf[:0], sub...)
		if b.has(buf) {
			return true
		}
		if desub(buf, sub, 'i') && b.has(buf) {
			return true
		}
		if strings.IndexByte(sub, '1') >= 0 && desub(buf, sub, 'l') && b.has(buf) {
			return true
		}
	}
	return false
}

// letterSpan returns the byte offsets of the first letter of s and the end
// of its last letter; start == end when s has no letter.
func letterSpan(s string) (start, end int) {
	start = strings.IndexFunc(s, unicode.IsLetter)
	if start < 0 {
		return 0, 0
	}
	end = strings.LastIndexFunc(s, unicode.IsLetter)
	_, size := utf8.DecodeRuneInString(s[end:])
	return start, end + size
}

// leet maps the ASCII stand-ins people use for letters back to the letter.
// '1' is handled apart because it stands for both i and l. Only ASCII bytes
// are mapped, so UTF-8 sequences are never split.
func leet(c byte) byte {
	switch c {
	case '@', '4':
		return 'a'
	case '8':
		return 'b'
	case '3':
		return 'e'
	case '!':
		return 'i'
	case '0':
		return 'o'
	case '$', '5':
		return 's'
	case '7', '+':
		return 't'
	}
	return c
}

// desub writes s into buf (which has len(s) bytes) with leet substitutions
// undone, '1' becoming one. It reports whether anything changed.
func desub(buf []byte, s string, one byte) bool {
	changed := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '1' {
			c = one
		} else {
			c = leet(c)
		}
		if c != s[i] {
			changed = true
		}
		buf[i] = c
	}
	return changed
}

// desubString is desub for callers that want a string.
func desubString(s string, one byte) string {
	buf := []byte(s)
	desub(buf, s, one)
	return string(buf)
}

// contextWords splits the caller's context strings (user name, email,
// service name) into the words a password must not contain: runs of
// letters and digits, and runs of letters alone, of at least
// minContextRunes in their skeletons, from the first 256 bytes of each string.
// For a string holding '@', only the part before the last '@' is used, so
// an email address can be passed as is.
func contextWords(context []string) []string {
	var words []string
	add := func(w string) {
		if utf8.RuneCountInString(w) < minContextRunes || len(words) >= maxContextWords {
			return
		}
		for _, x := range words {
			if x == w {
				return
			}
		}
		words = append(words, w)
	}
	for _, c := range context {
		if len(c) > maxContextBytes {
			c = c[:maxContextBytes]
		}
		// The skeleton first, so a fullwidth '@' splits an address too.
		c = skeleton(c)
		if i := strings.LastIndexByte(c, '@'); i >= 0 {
			c = c[:i]
		}
		for w := range strings.FieldsFuncSeq(c, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(w)
			for l := range strings.FieldsFuncSeq(w, func(r rune) bool { return !unicode.IsLetter(r) }) {
				add(l)
			}
		}
	}
	return words
}

// maxContextWords bounds the number of context words kept.
const maxContextWords = 64

// maxContextBytes bounds the work one context string can cause; only its
// first 256 bytes are read.
const maxContextBytes = 256

// minContextRunes is the shortest context word that counts; shorter ones
// (initials, "com") would reject too many good passwords.
const minContextRunes = 4

// containsContext reports whether the folded password contains one of the
// context words, raw or with leet substitutions undone on both sides.
func containsContext(f string, words []string) bool {
	if len(words) == 0 {
		return false
	}
	forms := [3]string{f, desubString(f, 'i'), desubString(f, 'l')}
	for _, w := range words {
		wi, wl := desubString(w, 'i'), desubString(w, 'l')
		for _, p := range forms {
			if strings.Contains(p, w) || strings.Contains(p, wi) || strings.Contains(p, wl) {
				return true
			}
		}
	}
	return false
}
