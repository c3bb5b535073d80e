package password_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lambdasec/lambdasec/password"
)

// Registration: check the new password against the policy, with the
// user's email as context, and show every problem at once.
func ExamplePolicy_Check() {
	policy := password.NIST()
	email := "jonathan@example.com"

	for _, pw := range []string{"Password1!", "jonathan-is-the-best", "vivid otter lamp on the desk"} {
		err := policy.Check(pw, email, "Trial Balance")
		var pe *password.PolicyError
		if errors.As(err, &pe) {
			for _, v := range pe.Violations {
				fmt.Printf("%s: password %s\n", v.Code, v.Message)
			}
			continue
		}
		fmt.Println("accepted")
	}
	// Output:
	// too_short: password must be at least 15 characters
	// common: password is too common; choose something less predictable
	// contains_context: password must not contain your name, email address or the name of this service
	// accepted
}

// A composition policy (upper, lower, digit, special, 8 to 100 characters)
// still rejects a decorated common password, because the blocklist sees
// through the decoration.
func ExampleComposition() {
	policy := password.Composition()
	fmt.Println(policy.Check("Summer2024!"))
	fmt.Println(policy.Check("My-Long-Passphrase-2024"))
	fmt.Println(policy.Check("lowercase"))
	// Output:
	// password: is too common; choose something less predictable
	// <nil>
	// password: must contain an uppercase letter; must contain a digit; must contain a character that is not a letter or digit
}

func ExampleNIST() {
	policy := password.NIST() // the same as password.Policy{}
	fmt.Println(policy.Check("Kv7#qmzW"))
	fmt.Println(policy.Check("correct horse battery staple"))
	// Output:
	// password: must be at least 15 characters
	// <nil>
}

func ExampleNISTWithMFA() {
	policy := password.NISTWithMFA()
	fmt.Println(policy.Check("Kv7#qmzW"))
	// Output:
	// <nil>
}

// Rule adapts a Policy to the func(string) error shape that validation
// libraries accept.
func ExamplePolicy_Rule() {
	rule := password.Composition().Rule("jonathan@example.com")
	fmt.Println(rule("P@ssw0rd"))
	fmt.Println(rule("Kv7#qmzW"))
	// Output:
	// password: is too common; choose something less predictable
	// <nil>
}

// alwaysBreached stands in for a real BreachChecker such as *HIBP.
type alwaysBreached struct{}

func (alwaysBreached) Breached(context.Context, string) (bool, error) { return true, nil }

func ExamplePolicy_CheckOnline() {
	policy := password.NIST()
	policy.Breach = alwaysBreached{} // in production: a *password.HIBP
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	err := policy.CheckOnline(ctx, "vivid otter lamp on the desk")
	switch {
	case errors.Is(err, password.ErrBreachUnavailable):
		fmt.Println("503: try again later")
	case err != nil:
		fmt.Println("422:", err)
	default:
		fmt.Println("accepted")
	}
	// Output:
	// 422: password: has appeared in a data breach; choose another one
}

func ExamplePolicyError_Has() {
	err := password.Composition().Check("abc")
	var pe *password.PolicyError
	if errors.As(err, &pe) {
		fmt.Println(pe.Codes())
		fmt.Println(pe.Has(password.CodeTooShort), pe.Violations[0].Limit)
		fmt.Println(pe.Messages()[0])
	}
	// Output:
	// [too_short missing_upper missing_digit missing_special]
	// true 8
	// must be at least 8 characters
}

// Codes suit a client that translates: send them, and each Limit, instead
// of the English messages.
func ExamplePolicyError_Codes() {
	err := password.NISTWithMFA().Check("pa55word")
	var pe *password.PolicyError
	if errors.As(err, &pe) {
		for _, c := range pe.Codes() {
			fmt.Println(c)
		}
	}
	// Output:
	// common
}

// Messages are English fragments to put after the field's name.
func ExamplePolicyError_Messages() {
	err := password.Composition().Check("lowercase")
	var pe *password.PolicyError
	if errors.As(err, &pe) {
		for _, m := range pe.Messages() {
			fmt.Println("Password", m+".")
		}
	}
	// Output:
	// Password must contain an uppercase letter.
	// Password must contain a digit.
	// Password must contain a character that is not a letter or digit.
}

func ExampleNewHIBP() {
	hibp, err := password.NewHIBP(password.HIBPConfig{
		Timeout: time.Second, // on Lambda, also pass a ctx derived from the invocation deadline
	})
	if err != nil {
		panic(err)
	}
	policy := password.NIST()
	policy.Breach = hibp
	_ = policy // policy.CheckOnline(ctx, pw, email) at registration
}

func ExampleHIBP_Breached() {
	hibp, err := password.NewHIBP(password.HIBPConfig{})
	if err != nil {
		panic(err)
	}
	check := func(ctx context.Context, pw string) {
		// Only the first 5 hex characters of SHA-1(pw) leave the process.
		breached, err := hibp.Breached(ctx, pw)
		fmt.Println(breached, err)
	}
	_ = check // needs network access to api.pwnedpasswords.com
}

func ExampleDefaultBlocklist() {
	bl := password.DefaultBlocklist()
	for _, pw := range []string{"P@ssw0rd", "Password1!", "Summer2024!", "correct horse battery staple"} {
		fmt.Println(pw, bl.Contains(pw))
	}
	// Output:
	// P@ssw0rd true
	// Password1! true
	// Summer2024! true
	// correct horse battery staple false
}

func ExampleNewBlocklist() {
	// Only the service's own list, without the embedded one.
	policy := password.NISTWithMFA()
	policy.Blocklist = password.NewBlocklist("trialbalance", "ledger")
	fmt.Println(policy.Check("Tr1alBalance2026!"))
	// Output:
	// password: is too common; choose something less predictable
}

func ExampleBlocklist_With() {
	bl := password.DefaultBlocklist().With("lambdasec", "trialbalance")
	fmt.Println(bl.Contains("Lambdasec2026!"), bl.Contains("password1"))
	// Output:
	// true true
}

func ExampleBlocklist_Len() {
	fmt.Println(password.NewBlocklist("ledger", "Ledger", "journal").Len())
	// Output:
	// 2
}

func ExampleBlocklist_Contains() {
	bl := password.NewBlocklist("ledger")
	fmt.Println(bl.Contains("L3dg3r!!"), bl.Contains("ledgers and books"))
	// Output:
	// true false
}

func ExampleHasher_Hash() {
	ctx := context.Background() // in a handler: r.Context()
	var hasher password.Hasher  // argon2id, m=19 MiB, t=2, p=1
	encoded, err := hasher.Hash(ctx, "vivid otter lamp")
	if err != nil {
		panic(err)
	}
	fmt.Println(encoded[:strings.LastIndexByte(encoded[:len(encoded)-44], '$')])
	// Output:
	// $argon2id$v=19$m=19456,t=2,p=1
}

func ExampleHasher_Verify() {
	ctx := context.Background() // in a handler: r.Context()
	var hasher password.Hasher
	encoded, _ := hasher.Hash(ctx, "vivid otter lamp")
	ok, err := hasher.Verify(ctx, "vivid otter lamp", encoded)
	fmt.Println(ok, err)
	ok, err = hasher.Verify(ctx, "vivid otter lamb", encoded)
	fmt.Println(ok, err)
	// Output:
	// true <nil>
	// false <nil>
}

// Login with one code path: an unknown email is verified against the dummy
// hash, so it takes as long as a wrong password, and every failure gets
// the same answer.
func ExampleHasher_DummyHash() {
	ctx := context.Background() // in a handler: r.Context()
	var hasher password.Hasher
	_ = hasher.DummyHash() // at start-up, so no login pays for making it

	stored, _ := hasher.Hash(ctx, "vivid otter lamp")
	users := map[string]string{"ana@example.com": stored}

	login := func(email, pw string) int {
		encoded, found := users[email]
		if !found {
			encoded = hasher.DummyHash()
		}
		ok, err := hasher.Verify(ctx, pw, encoded)
		if err != nil || !ok || !found {
			return http.StatusUnauthorized // same status and body for every failure
		}
		return http.StatusOK
	}
	fmt.Println(login("ana@example.com", "vivid otter lamp"))
	fmt.Println(login("ana@example.com", "wrong guess"))
	fmt.Println(login("nobody@example.com", "vivid otter lamp"))
	// Output:
	// 200
	// 401
	// 401
}

// Rehash on login: a user migrated from a bcrypt system logs in, and the
// stored hash is upgraded to argon2id while the password is at hand.
func ExampleHasher_NeedsRehash() {
	ctx := context.Background() // in a handler: r.Context()
	var hasher password.Hasher
	// A bcrypt hash of "vivid otter lamp" from the old system.
	stored := "$2b$05$jPAsRpemC2WG2w1Yk.0qk.H.DNGOgZv0Sic/GwzUESdaZfp..pGQi"

	ok, err := hasher.Verify(ctx, "vivid otter lamp", stored)
	if err != nil || !ok {
		fmt.Println("401")
		return
	}
	if hasher.NeedsRehash(stored) {
		upgraded, err := hasher.Hash(ctx, "vivid otter lamp")
		if err == nil {
			// UPDATE users SET hash = upgraded WHERE id = ? AND hash = stored
			stored = upgraded
		}
	}
	fmt.Println(stored[:10], hasher.NeedsRehash(stored))
	// Output:
	// $argon2id$ false
}

// A Hasher computes at most MaxConcurrent hashes at once; the other calls
// wait for a slot until their ctx ends, and a request whose ctx has ended
// is not hashed at all.
func ExampleHasher_concurrency() {
	hasher := &password.Hasher{MaxConcurrent: 1} // 1 × 19 MiB held at once
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client went away
	_, err := hasher.Hash(ctx, "vivid otter lamp")
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// true
}
