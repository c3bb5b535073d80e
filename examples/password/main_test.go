package main

import (
	"testing"

	"github.com/lambdasec/lambdasec/internal/exampletest"
)

// TestRun checks the example's verdicts, hash format and login outcomes.
func TestRun(t *testing.T) {
	out := exampletest.Run(t, run)
	exampletest.Contains(t, out,
		`"P@ssw0rd"                       too_short,common  common`,
		`"Tr1al-Balance!2026"             ok                ok`,
		`"correct horse battery staple"   ok                missing_upper,missing_digit`,
		`"margaret-is-my-name-2026"       contains_context  missing_upper,contains_context`,
		`fullwidth password12345678       common            missing_upper,missing_special,common`,
		`"a" + 14 zero width spaces       too_short         too_short,`,
		`mar<soft hyphen>garet keeps ...  contains_context  `,
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
