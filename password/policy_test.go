package password_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/password"
)

func codes(err error) []password.Code {
	var pe *password.PolicyError
	if errors.As(err, &pe) {
		return pe.Codes()
	}
	return nil
}

// checkCase is one row of a Policy.Check table.
type checkCase struct {
	name    string
	policy  password.Policy
	pw      string
	context []string
	want    []password.Code // nil means Check returns nil
}

func TestPolicyCheckRules(t *testing.T) {
	type C = password.Code
	runCheckCases(t, []checkCase{
		// Composition: one case per rule.
		{name: "composition ok", policy: password.Composition(), pw: "Kv7#qmzW"},
		{name: "too short", policy: password.Composition(), pw: "Kv7#qmz", want: []C{password.CodeTooShort}},
		{name: "too long", policy: password.Composition(), pw: "Kv7#" + strings.Repeat("q", 97), want: []C{password.CodeTooLong}},
		{name: "exactly 100", policy: password.Composition(), pw: "Kv7#" + strings.Repeat("q", 96)},
		{name: "missing upper", policy: password.Composition(), pw: "kv7#qmzw", want: []C{password.CodeMissingUpper}},
		{name: "missing lower", policy: password.Composition(), pw: "KV7#QMZW", want: []C{password.CodeMissingLower}},
		{name: "missing digit", policy: password.Composition(), pw: "Kvx#qmzW", want: []C{password.CodeMissingDigit}},
		{name: "missing special", policy: password.Composition(), pw: "Kv7xqmzW", want: []C{password.CodeMissingSpecial}},
		// Every unmet rule is listed at once, in a fixed order.
		{name: "all at once", policy: password.Composition(), pw: "abc", want: []C{
			password.CodeTooShort, password.CodeMissingUpper, password.CodeMissingDigit, password.CodeMissingSpecial}},
		// A narrow special-character set would reject this for want of a listed symbol.
		{name: "hyphen is special", policy: password.Composition(), pw: "My-Long-Passphrase-2024"},
		{name: "space is special", policy: password.Composition(), pw: "Kv7 qmzW"},
		{name: "composition specials exact", policy: withSpecials(password.Composition(), password.CompositionSpecials),
			pw: "My-Long-Passphrase-2024", want: []C{password.CodeMissingSpecial}},
		{name: "composition specials hit", policy: withSpecials(password.Composition(), password.CompositionSpecials), pw: "My{Long}Passphrase2024"},
		// Scripts without case can satisfy the case rules.
		{name: "caseless script", policy: password.Composition(), pw: "안전한비밀번호7!"},
		{name: "non-ASCII upper and lower", policy: password.Composition(), pw: "Ärger-7ödland"},
		// NIST: 15 code points, counted after NFC (NIST 800-63B-4 3.1.1.2).
		{name: "nist 14", policy: password.NIST(), pw: "vivid otter la", want: []C{password.CodeTooShort}},
		{name: "nist 15", policy: password.NIST(), pw: "vivid otter lamp"},
		{name: "nist counts runes not bytes", policy: password.NIST(), pw: "ééééééééééééééé"},
		{name: "nist counts after NFC", policy: password.NIST(), pw: strings.Repeat("e\u0301", 14), want: []C{password.CodeTooShort}},
		{name: "nist no composition", policy: password.NIST(), pw: "lowercase only words here"},
		{name: "zero policy is nist", policy: password.Policy{}, pw: "vivid otter la", want: []C{password.CodeTooShort}},
		{name: "nist max 128", policy: password.NIST(), pw: strings.Repeat("x", 129) + "!", want: []C{password.CodeTooLong}},
		{name: "mfa 8", policy: password.NISTWithMFA(), pw: "qmzwkvrt"},
		{name: "mfa 7", policy: password.NISTWithMFA(), pw: "qmzwkvr", want: []C{password.CodeTooShort}},
		// Byte cap before any other work.
		{name: "over max bytes", policy: password.NIST(), pw: strings.Repeat("a", 1025), want: []C{password.CodeTooLong}},
		// Control characters and invalid UTF-8.
		{name: "tab", policy: password.NIST(), pw: "vivid otter\tlamp", want: []C{password.CodeInvalidCharacter}},
		{name: "nul", policy: password.NIST(), pw: "vivid otter\x00lamp", want: []C{password.CodeInvalidCharacter}},
		{name: "invalid utf8", policy: password.NIST(), pw: "vivid otter \xff lamp", want: []C{password.CodeInvalidEncoding}},
		// Blocklist, whole password only (NIST: no substrings).
		{name: "passphrase of listed words", policy: password.NIST(), pw: "correct horse battery staple"},
		{name: "trial balance", policy: password.Composition(), pw: "Tr1al-Balance!2026"},
		{name: "common short", policy: password.NISTWithMFA(), pw: "iloveyou", want: []C{password.CodeCommon}},
		{name: "common and short", policy: password.NIST(), pw: "password", want: []C{password.CodeTooShort, password.CodeCommon}},
		{name: "skip blocklist", policy: password.Policy{MinLength: 8, SkipBlocklist: true}, pw: "password"},
		{name: "custom blocklist", policy: password.Policy{MinLength: 8, Blocklist: password.NewBlocklist("Trial-Balance")}, pw: "Tr1al-Balance!2026", want: []C{password.CodeCommon}},
		{name: "custom replaces default", policy: password.Policy{MinLength: 8, Blocklist: password.NewBlocklist("x")}, pw: "password"},
		{name: "default with extra", policy: password.Policy{MinLength: 8, Blocklist: password.DefaultBlocklist().With("lambdasec")}, pw: "Lambdasec2026!", want: []C{password.CodeCommon}},
		// Context words (NIST: context-specific words).
		{name: "contains email local part", policy: password.NISTWithMFA(), pw: "jonathan-rocks-77", context: []string{"jonathan@example.com"}, want: []C{password.CodeContainsContext}},
		{name: "email domain ignored", policy: password.NISTWithMFA(), pw: "example-rocks-77", context: []string{"jonathan@example.com"}},
		{name: "context split into words", policy: password.NISTWithMFA(), pw: "I am Smith forever", context: []string{"jane.smith@example.com"}, want: []C{password.CodeContainsContext}},
		{name: "context short word ignored", policy: password.NISTWithMFA(), pw: "joe likes quiet lamps", context: []string{"joe@example.com"}},
		{name: "context disguised", policy: password.NISTWithMFA(), pw: "Tr!@lB@l@nc3 forever", context: []string{"TrialBalance"}, want: []C{password.CodeContainsContext}},
		{name: "context case", policy: password.NISTWithMFA(), pw: "my TRIALBALANCE pass", context: []string{"trialbalance"}, want: []C{password.CodeContainsContext}},
		{name: "context letters of alnum", policy: password.NISTWithMFA(), pw: "jdoe is my name", context: []string{"jdoe1990@example.com"}, want: []C{password.CodeContainsContext}},
		// Only the first 256 bytes of a context string are read.
		{name: "context huge", policy: password.NISTWithMFA(), pw: "jonathan-rocks-77", context: []string{"jonathan " + strings.Repeat("x ", 1<<20)}, want: []C{password.CodeContainsContext}},
		{name: "no context", policy: password.NISTWithMFA(), pw: "jonathan-rocks-77"},
	})
}

// runCheckCases runs Check on each case and compares the codes.
func runCheckCases(t *testing.T, tests []checkCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.policy.Check(tc.pw, tc.context...)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var pe *password.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("Check = %v, want *PolicyError", err)
			}
			if got := pe.Codes(); !slices.Equal(got, tc.want) {
				t.Fatalf("codes = %v, want %v", got, tc.want)
			}
			if len(tc.pw) >= 4 && strings.Contains(strings.TrimPrefix(err.Error(), "password: "), tc.pw) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

func withSpecials(p password.Policy, s string) password.Policy {
	p.Specials = s
	return p
}

// Each disguise from the blocklist's documentation, on its own.
func TestBlocklistDisguises(t *testing.T) {
	bl := password.DefaultBlocklist()
	tests := []struct {
		name string
		pw   string
		want bool
	}{
		{"plain", "password", true},
		{"case", "PassWord", true},
		{"at for a", "p@ssword", true},
		{"four for a", "p4ssword", true},
		{"zero for o", "passw0rd", true},
		{"one for i", "1loveyou", true},
		{"one for l", "he11o", true},
		{"three for e", "3agl3s", true},
		{"dollar for s", "pa$$word", true},
		{"five for s", "pa55word", true},
		{"seven for t", "7rus7no1", true},
		{"bang for i", "!loveyou", true},
		{"eight for b", "8aseball", true},
		{"all together", "P@$$w0rd", true},
		{"trailing digits", "password2024", true},
		{"trailing digits and symbols", "Password1!", true},
		{"leading digits", "123password", true},
		{"leading and trailing", "!!Password99", true},
		{"season and year", "Summer2024!", true},
		{"disguise at the edge", "$ummer2024", true},
		{"listed with digits", "Blink182!", true},
		{"numeric", "12345678", true},
		// NIST SP 800-63B-4: compare on the NFKC case-folded form.
		{"fullwidth", "ｐａｓｓｗｏｒｄ", true},
		{"zero width space", "pass\u200bword", true},
		// NIST 800-63B-4: the whole password, never substrings.
		{"passphrase", "correct horse battery staple", false},
		{"two listed words", "Tr1al-Balance!2026", false},
		{"listed word inside", "mypasswordisgreat", false},
		{"short core not matched", "Xyz-91827364510!", false},
		{"random", "vT9#kq2!Lm", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := bl.Contains(tc.pw); got != tc.want {
				t.Errorf("Contains(%q) = %v, want %v", tc.pw, got, tc.want)
			}
		})
	}
}

// A composition rule alone passes all of these; the blocklist must not.
func TestCompositionRejectsDecoratedCommonPasswords(t *testing.T) {
	for _, pw := range []string{"Password1!", "P@ssw0rd!", "Summer2024!", "Qwerty123!", "Welcome1!", "Iloveyou1!", "Passw0rd."} {
		err := password.Composition().Check(pw)
		if got := codes(err); !slices.Equal(got, []password.Code{password.CodeCommon}) {
			t.Errorf("Check(%q) codes = %v, want [common]", pw, got)
		}
	}
}

func TestBlocklistLayers(t *testing.T) {
	var nilList *password.Blocklist
	if nilList.Contains("password") {
		t.Error("nil Blocklist contains password")
	}
	base := password.NewBlocklist("alpha", "", "BETA")
	ext := base.With("gamma")
	if !ext.Contains("Beta") || !ext.Contains("gamma") || base.Contains("gamma") {
		t.Error("With did not layer correctly")
	}
	if got := ext.Len(); got != 3 {
		t.Errorf("Len = %d, want 3", got)
	}
	if n := password.DefaultBlocklist().Len(); n < 40000 {
		t.Errorf("default list has %d entries, want the embedded ~49k", n)
	}
	first, second := password.DefaultBlocklist(), password.DefaultBlocklist()
	if first != second {
		t.Error("DefaultBlocklist parsed twice")
	}
}

func TestPolicyInvalid(t *testing.T) {
	for _, p := range []password.Policy{
		{MinLength: -1},
		{MaxLength: -1},
		{MaxBytes: -1},
		{MinLength: 20, MaxLength: 10},
	} {
		if err := p.Check("whatever password"); !errors.Is(err, password.ErrInvalidPolicy) {
			t.Errorf("%+v: Check = %v, want ErrInvalidPolicy", p, err)
		}
		if err := p.CheckOnline(context.Background(), "whatever password"); !errors.Is(err, password.ErrInvalidPolicy) {
			t.Errorf("%+v: CheckOnline = %v, want ErrInvalidPolicy", p, err)
		}
	}
}

func TestPolicyErrorDetails(t *testing.T) {
	err := password.NIST().Check("password")
	var pe *password.PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("Check = %v", err)
	}
	if pe.Violations[0].Limit != 15 {
		t.Errorf("too_short Limit = %d, want 15", pe.Violations[0].Limit)
	}
	if got := pe.Messages(); !slices.Equal(got, []string{"must be at least 15 characters", "is too common; choose something less predictable"}) {
		t.Errorf("Messages = %q", got)
	}
	if !pe.Has(password.CodeCommon) || pe.Has(password.CodeBreached) {
		t.Errorf("Has wrong for %v", pe.Codes())
	}
	want := "password: must be at least 15 characters; is too common; choose something less predictable"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func TestPolicyRule(t *testing.T) {
	rule := password.NISTWithMFA().Rule("jonathan@example.com")
	if err := rule("vivid otter lamp"); err != nil {
		t.Errorf("rule(good) = %v", err)
	}
	if got := codes(rule("jonathan is here")); !slices.Equal(got, []password.Code{password.CodeContainsContext}) {
		t.Errorf("rule(context) codes = %v", got)
	}
}

// Check is used from many goroutines with one Policy and the lazily parsed
// default list.
func TestPolicyConcurrent(t *testing.T) {
	p := password.Composition()
	done := make(chan error)
	for i := range 8 {
		go func() {
			var err error
			for range 200 {
				if i%2 == 0 {
					err = p.Check("Kv7#qmzW")
				} else if e := p.Check("Password1!"); e == nil {
					err = errors.New("Password1! accepted")
				}
				if err != nil {
					break
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
