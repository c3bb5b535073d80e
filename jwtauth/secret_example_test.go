package jwtauth_test

import (
	"context"
	"fmt"

	"github.com/lambdasec/lambdasec/jwtauth"
)

// The secret is copied in and never printed, whatever the verb.
func ExampleNewHMACSecret() {
	b := []byte("q8Jz4nW1rT0vXy7LpM3sB6dF9gH2kC5e") // 32 random bytes from a secret store
	s := jwtauth.NewHMACSecret(b)
	b[0] = 'X' // later changes to b change nothing
	fmt.Println(s.Len(), s)
	fmt.Printf("%x %q\n", s, s)
	// Output:
	// 32 REDACTED
	// REDACTED REDACTED
}

// Reason names a refusal in one word for logs, metrics and events; it
// never holds anything taken from the token.
func ExampleReason() {
	auth := newExampleAuth(nil)
	_, err := auth.Verify(context.Background(), "not-a-token")
	fmt.Println(jwtauth.Reason(err), jwtauth.Reason(jwtauth.ErrTokenExpired), jwtauth.Reason(jwtauth.ErrTokenRevoked))
	// Output: malformed expired revoked
}
