package password

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CompositionSpecials is a narrow special-character set that some
// composition rules name: the twenty ASCII symbols !@#$%^&*(),.?":{}|<>.
// Set it as [Policy.Specials] to accept only these as special characters;
// by default any visible character that is not a letter or digit counts.
const CompositionSpecials = `!@#$%^&*(),.?":{}|<>`

// Default length limits of a [Policy], which [NIST] uses.
const (
	DefaultMinLength = 15  // NIST SP 800-63B-4's minimum for a sole factor
	DefaultMaxLength = 128 // NIST asks to permit at least 64
)

// A Policy describes which passwords a service accepts when a user picks
// one. Check it at registration and password change, never at login (a
// stored password that no longer meets the policy must still log in).
//
// The zero Policy behaves as [NIST], the policy this package recommends:
// 15 to 128 characters, no composition rules, the embedded blocklist. Every field's zero value means the default given
// in its comment. A Policy is a plain value, safe for concurrent use.
type Policy struct {
	// MinLength is the minimum length in visible characters: Unicode code
	// points after NFC normalization, not counting default-ignorable code
	// points (zero width space and joiners, soft hyphen, variation
	// selectors, tag characters, bidi controls), which render as nothing.
	// Zero means [DefaultMinLength], 15, NIST SP 800-63B-4's minimum for a
	// password that is the only factor.
	MinLength int

	// MaxLength is the maximum length, counted as MinLength is. Zero means
	// [DefaultMaxLength], 128; NIST asks to permit at least 64. Longer passwords are refused,
	// never truncated.
	MaxLength int

	// MaxBytes caps the UTF-8 length of the input before any other work,
	// so a megabyte "password" costs nothing. Zero means
	// [DefaultMaxBytes], 1024.
	MaxBytes int

	// RequireUpper, RequireLower, RequireDigit and RequireSpecial turn on
	// composition rules. NIST SP 800-63B-4 and OWASP ASVS 5.0 (6.2.5)
	// forbid them; they exist for services bound to an older standard
	// (see [Composition]). A letter from a script without case (CJK,
	// Hangul, Arabic, ...) satisfies both RequireUpper and RequireLower,
	// so users writing in those scripts can comply.
	RequireUpper, RequireLower, RequireDigit, RequireSpecial bool

	// Specials is the exact set of characters that satisfy
	// RequireSpecial. Empty means any visible character that is not a
	// letter, digit or combining mark, space included. See
	// [CompositionSpecials].
	Specials string

	// Blocklist holds the passwords rejected as common. Nil means
	// [DefaultBlocklist]. Use DefaultBlocklist().With(...) to add words.
	Blocklist *Blocklist

	// SkipBlocklist turns the blocklist off. Both NIST and ASVS require
	// one, so leave it false outside tests.
	SkipBlocklist bool

	// Breach, if set, is consulted by [Policy.CheckOnline] (never by
	// [Policy.Check], which does no I/O). Nil means no breach check.
	Breach BreachChecker
}

// Composition returns a composition policy: 8 to 100 characters with at
// least one uppercase letter, one lowercase letter, one digit and one
// special character, plus the blocklist, which is what keeps "Password1!"
// out. Any visible character that is not a letter or digit counts as
// special (so "My-Long-Passphrase-2024" passes); set Specials to
// [CompositionSpecials] to accept only those twenty ASCII symbols.
//
// Composition rules are not conformant with NIST SP 800-63B-4 or OWASP
// ASVS 5.0; this package recommends [NIST]. Use Composition only where a
// requirement names these rules.
func Composition() Policy {
	return Policy{
		MinLength:      8,
		MaxLength:      100,
		RequireUpper:   true,
		RequireLower:   true,
		RequireDigit:   true,
		RequireSpecial: true,
	}
}

// NIST returns the NIST SP 800-63B-4 policy for a password that is the only
// authentication factor: at least 15 characters, at most 128 (NIST asks
// for at least 64), no composition rules, the blocklist. The zero Policy
// behaves the same.
func NIST() Policy {
	return Policy{MinLength: DefaultMinLength, MaxLength: DefaultMaxLength}
}

// NISTWithMFA returns the NIST SP 800-63B-4 policy for a password that is
// only ever used together with a second factor: like [NIST] but with a
// minimum of 8 characters.
func NISTWithMFA() Policy {
	return Policy{MinLength: 8, MaxLength: DefaultMaxLength}
}

// A Code identifies a violated rule. Codes are stable: clients may key
// translations on them.
type Code string

// The codes a [PolicyError] can carry.
const (
	CodeTooShort         Code = "too_short"         // fewer visible characters than MinLength
	CodeTooLong          Code = "too_long"          // more than MaxLength visible characters or MaxBytes bytes
	CodeMissingUpper     Code = "missing_upper"     // RequireUpper and no uppercase letter
	CodeMissingLower     Code = "missing_lower"     // RequireLower and no lowercase letter
	CodeMissingDigit     Code = "missing_digit"     // RequireDigit and no digit
	CodeMissingSpecial   Code = "missing_special"   // RequireSpecial and no special character
	CodeCommon           Code = "common"            // on the blocklist, possibly disguised
	CodeContainsContext  Code = "contains_context"  // contains a context word passed to Check
	CodeBreached         Code = "breached"          // found by the BreachChecker
	CodeInvalidCharacter Code = "invalid_character" // holds a control character (NUL, TAB, newline, ...)
	CodeInvalidEncoding  Code = "invalid_encoding"  // not valid UTF-8
)

// A Violation is one unmet rule.
type Violation struct {
	// Code is the stable machine-readable reason.
	Code Code
	// Message is an English sentence fragment a UI can show after the
	// field name, such as "must be at least 15 characters". It never
	// contains the password.
	Message string
	// Limit is the bound for CodeTooShort and CodeTooLong (in visible
	// characters, or in bytes when the MaxBytes cap was hit), and zero for
	// the other codes. It lets a client build its own translated message.
	Limit int
}

// A PolicyError lists every rule a password failed, in a fixed order.
// Neither it nor its Error text contains the password.
type PolicyError struct {
	Violations []Violation
}

// Error joins the violation messages: "password: must be at least 15
// characters; is too common".
func (e *PolicyError) Error() string {
	var b strings.Builder
	b.WriteString("password: ")
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.Message)
	}
	return b.String()
}

// Has reports whether the error includes a violation with the given code.
func (e *PolicyError) Has(code Code) bool {
	for _, v := range e.Violations {
		if v.Code == code {
			return true
		}
	}
	return false
}

// Messages returns the violation messages in order. Validation libraries
// that look for a Messages() []string method (such as this module's
// validate package) then report one field error per violation.
func (e *PolicyError) Messages() []string {
	msgs := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		msgs[i] = v.Message
	}
	return msgs
}

// Codes returns the violation codes in order.
func (e *PolicyError) Codes() []Code {
	codes := make([]Code, len(e.Violations))
	for i, v := range e.Violations {
		codes[i] = v.Code
	}
	return codes
}

func (p Policy) limits() (minLen, maxLen, maxBytes int, err error) {
	if p.MinLength < 0 || p.MaxLength < 0 || p.MaxBytes < 0 {
		return 0, 0, 0, fmt.Errorf("%w: negative length", ErrInvalidPolicy)
	}
	minLen = cmp.Or(p.MinLength, DefaultMinLength)
	maxLen = cmp.Or(p.MaxLength, DefaultMaxLength)
	maxBytes = cmp.Or(p.MaxBytes, DefaultMaxBytes)
	if maxLen < minLen {
		return 0, 0, 0, fmt.Errorf("%w: MaxLength %d is below MinLength %d", ErrInvalidPolicy, maxLen, minLen)
	}
	return minLen, maxLen, maxBytes, nil
}

// Check reports whether password satisfies the policy. It returns nil, a
// *[PolicyError] listing every unmet rule, or an error wrapping
// [ErrInvalidPolicy] when the Policy itself is inconsistent.
//
// context holds words the password must not contain: pass the user's email
// address or name and the service's name. An email address contributes its
// local part; each string (its first 256 bytes) is split into words, and
// words of 4 or more characters count, seen through the same disguises as
// the blocklist (fullwidth letters and invisible characters included).
//
// Length is counted in visible characters (see [Policy.MinLength]). An
// input over MaxBytes gets a single CodeTooLong violation and no further
// work.
func (p Policy) Check(password string, context ...string) error {
	v, err := p.violations(password, context)
	if err != nil {
		return err
	}
	if len(v) == 0 {
		return nil
	}
	return &PolicyError{Violations: v}
}

// CheckOnline is [Policy.Check] plus the Breach checker, whose result is
// added as a CodeBreached violation. ctx bounds the breach lookup. When the
// checker fails closed and cannot answer, CheckOnline returns an error
// wrapping [ErrBreachUnavailable] (not a PolicyError): the caller should
// answer 503, not blame the password. With a nil Breach it is Check.
func (p Policy) CheckOnline(ctx context.Context, password string, context ...string) error {
	v, err := p.violations(password, context)
	if err != nil {
		return err
	}
	tooLong := len(v) == 1 && v[0].Code == CodeTooLong && v[0].Limit == p.maxBytes()
	if p.Breach != nil && !tooLong && !hasCode(v, CodeInvalidEncoding) {
		breached, err := p.Breach.Breached(ctx, norm.NFC.String(password))
		if err != nil {
			return err
		}
		if breached {
			v = append(v, Violation{Code: CodeBreached, Message: "has appeared in a data breach; choose another one"})
		}
	}
	if len(v) == 0 {
		return nil
	}
	return &PolicyError{Violations: v}
}

// Rule returns Check with the given context words bound, in the
// func(string) error shape that validation libraries accept.
func (p Policy) Rule(context ...string) func(password string) error {
	return func(password string) error { return p.Check(password, context...) }
}

func (p Policy) maxBytes() int { return cmp.Or(p.MaxBytes, DefaultMaxBytes) }

func hasCode(v []Violation, c Code) bool {
	for _, x := range v {
		if x.Code == c {
			return true
		}
	}
	return false
}

func (p Policy) violations(password string, context []string) ([]Violation, error) {
	minLen, maxLen, maxBytes, err := p.limits()
	if err != nil {
		return nil, err
	}
	if len(password) > maxBytes {
		return []Violation{{Code: CodeTooLong, Limit: maxBytes,
			Message: "must be at most " + strconv.Itoa(maxBytes) + " bytes"}}, nil
	}
	if !utf8.ValidString(password) {
		return []Violation{{Code: CodeInvalidEncoding, Message: "must be valid UTF-8 text"}}, nil
	}
	pw := norm.NFC.String(password)
	n := visibleLen(pw)
	c := p.classify(pw)

	var v []Violation
	if c.control {
		v = append(v, Violation{Code: CodeInvalidCharacter, Message: "must not contain control characters such as tab or newline"})
	}
	if n < minLen {
		v = append(v, Violation{Code: CodeTooShort, Limit: minLen, Message: "must be at least " + strconv.Itoa(minLen) + " characters"})
	}
	if n > maxLen {
		v = append(v, Violation{Code: CodeTooLong, Limit: maxLen, Message: "must be at most " + strconv.Itoa(maxLen) + " characters"})
	}
	v = p.composition(v, c)
	return p.common(v, skeleton(pw), context), nil
}

// classes records which kinds of character a password holds.
type classes struct {
	upper, lower, digit, special, control bool
}

// classify sorts the runes of the NFC password into classes. Invisible
// (default-ignorable) code points belong to none: a zero width space or a
// soft hyphen is not a special character.
func (p Policy) classify(pw string) classes {
	var c classes
	for _, r := range pw {
		switch {
		case unicode.IsControl(r):
			c.control = true
			continue
		case isIgnorable(r):
			continue
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			c.upper = true
		case unicode.IsLower(r):
			c.lower = true
		case unicode.IsLetter(r):
			// A letter of a script without case.
			c.upper, c.lower = true, true
		case unicode.IsDigit(r):
			c.digit = true
		}
		if p.Specials != "" {
			if strings.ContainsRune(p.Specials, r) {
				c.special = true
			}
		} else if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
			c.special = true
		}
	}
	return c
}

// composition appends the violations of the Require rules to v.
func (p Policy) composition(v []Violation, c classes) []Violation {
	if p.RequireUpper && !c.upper {
		v = append(v, Violation{Code: CodeMissingUpper, Message: "must contain an uppercase letter"})
	}
	if p.RequireLower && !c.lower {
		v = append(v, Violation{Code: CodeMissingLower, Message: "must contain a lowercase letter"})
	}
	if p.RequireDigit && !c.digit {
		v = append(v, Violation{Code: CodeMissingDigit, Message: "must contain a digit"})
	}
	if p.RequireSpecial && !c.special {
		msg := "must contain a character that is not a letter or digit"
		if p.Specials != "" {
			msg = "must contain one of " + p.Specials
		}
		v = append(v, Violation{Code: CodeMissingSpecial, Message: msg})
	}
	return v
}

// common appends the blocklist and context violations of the password's
// skeleton to v.
func (p Policy) common(v []Violation, skel string, context []string) []Violation {
	if !p.SkipBlocklist {
		bl := p.Blocklist
		if bl == nil {
			bl = DefaultBlocklist()
		}
		if bl.containsFolded(skel) {
			v = append(v, Violation{Code: CodeCommon, Message: "is too common; choose something less predictable"})
		}
	}
	if containsContext(skel, contextWords(context)) {
		v = append(v, Violation{Code: CodeContainsContext, Message: "must not contain your name, email address or the name of this service"})
	}
	return v
}
