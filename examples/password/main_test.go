package main

import (
	"testing"

	"github.com/lambdasec/lambdasec/internal/exampletest"
)

// TestRun checks the example's verdicts, hash format and login outcomes.
func TestRun(t *testing.T) {
	out := exampletest.Run(t, run)
	exampletest.Contains(t, out,
		`"P@ssw0rd"                      common `,
		`"Tr1al-Balance!2026"            ok                                                            ok`,
		`"correct horse battery staple"  missing_upper,missing_digit                                   ok`,
		`contains_context`,
		"hash: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>",
		"verify right password: true <nil>",
		"verify wrong password: false <nil>",
		"ada@example.com      login ok: true  hash was 2a (rehashed to argon2id)",
		"ada@example.com      login ok: true  hash was argon2id",
		"nobody@example.com   login ok: false no account: checked against the dummy argon2id hash",
		"Hash of 2000 bytes:                 ErrPasswordTooLong=true",
		"Verify of 73 bytes against bcrypt:  ErrPasswordTooLong=true",
	)
}
