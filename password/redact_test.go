package password_test

import (
	"errors"
	"testing"

	"github.com/lambdasec/lambdasec/internal/redacttest"
	"github.com/lambdasec/lambdasec/password"
)

// No type in this package holds a password: a PolicyError names the rules
// a password broke, never the password, and errors from Hash and Verify
// name neither the password nor the stored hash. redacttest prints them
// every way a program might (each fmt verb, slog text and JSON,
// json.Marshal, nested in a struct, slice and map).
func TestErrorsNeverHoldThePassword(t *testing.T) {
	const pw = "margaret-P@ssw0rd\u200b-2026"
	err := password.Composition().Check(pw, "margaret@example.com")
	var pe *password.PolicyError
	if !errors.As(err, &pe) || len(pe.Violations) == 0 {
		t.Fatalf("Check = %v, want a *PolicyError", err)
	}
	redacttest.Check(t, pe, pw, "margaret-P@ssw0rd")
	redacttest.Check(t, *pe, pw, "margaret-P@ssw0rd")

	h := &password.Hasher{MaxPasswordBytes: 16}
	_, err = h.Hash(t.Context(), pw+pw)
	if !errors.Is(err, password.ErrPasswordTooLong) {
		t.Fatalf("Hash = %v, want ErrPasswordTooLong", err)
	}
	redacttest.Check(t, err, pw)

	const tampered = "$argon2id$v=19$m=262144,t=16,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	_, err = (&password.Hasher{}).Verify(t.Context(), pw, tampered)
	if !errors.Is(err, password.ErrHashTooExpensive) {
		t.Fatalf("Verify = %v, want ErrHashTooExpensive", err)
	}
	redacttest.Check(t, err, pw, "c29tZXNhbHRzb21lc2FsdA", "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
}
