// Package password checks new passwords against a policy that explains
// every unmet rule, and hashes and verifies passwords with argon2id.
//
// It imports only the standard library and golang.org/x, does no I/O
// except through an optional [BreachChecker], and keeps no mutable global
// state.
//
// # Choosing passwords
//
// A [Policy] is a plain struct; [NIST] (which the zero Policy matches), [NISTWithMFA] and
// [Composition] are presets. [Policy.Check] returns nil or a *[PolicyError]
// holding one [Violation] per unmet rule, each with a stable [Code] such as
// "too_short" or "common" and an English message, so a client can show
// every problem at once or translate by code. Neither the error nor its
// text ever contains the password.
//
// Length is counted in visible characters: Unicode code points after NFC
// normalization, leaving out the default-ignorable ones that render as
// nothing (zero width space, joiners, soft hyphen, variation selectors,
// tag characters, bidi controls), so "a" followed by fourteen zero width
// spaces is one character long. Any printable Unicode, spaces included,
// is accepted (Cyrillic, CJK, accented Latin, emoji), and nothing is
// truncated. Control characters and invalid UTF-8 are refused.
//
// The blocklist ([DefaultBlocklist], about 49,000 entries, parsed lazily
// once) compares the password's skeleton, as NIST SP 800-63B-4 asks:
// NFKC-normalized and case-folded, with default-ignorable code points
// removed, so "ｐａｓｓｗｏｒｄ" and "pass" + U+200B + "word" are
// "password". It compares the whole skeleton, and also with the usual
// disguises removed: leet substitutions and leading or trailing digits
// and symbols. "P@ssw0rd", "Password1!" and "Summer2024!" are
// rejected; "correct horse battery staple" is not, although "correct" is
// listed. Words passed to Check as context (the user's email, the service
// name) must not appear anywhere in the password, seen through the same
// disguises. Look-alike letters of other scripts (Cyrillic "а" for Latin
// "a") are letters in their own right and are not mapped.
//
// [NIST] is the policy this package recommends; [Composition] exists for
// services bound to an older rule (upper, lower, digit and special
// character, 8 to 100 characters).
//
// [Policy.CheckOnline] adds a breach check. [HIBP] queries the Have I Been
// Pwned range API with k-anonymity (only 5 hex characters of the SHA-1
// leave the process) and padded responses; it fails closed unless told
// otherwise.
//
// # Storing passwords
//
// The zero [Hasher] hashes with argon2id at OWASP's parameters (m=19 MiB,
// t=2, p=1, 16-byte salt, 32-byte key) into a PHC string
// ("$argon2id$v=19$m=19456,t=2,p=1$salt$key") that records the
// parameters, so they can change later. [Hasher.Verify] accepts those
// strings from any argon2 implementation, and bcrypt hashes ($2a$, $2b$,
// $2y$) from older systems; [Hasher.NeedsRehash] says when to replace a
// stored hash after a successful login. Hash and Verify hash what the user
// typed, NFC-normalized once: case, compatibility forms and invisible
// characters are kept, so a password manager's exact string logs in.
//
// A Hasher computes at most MaxConcurrent hashes at once (GOMAXPROCS less
// one by default, at least one), each holding Memory (19 MiB), so logins
// in a burst wait for a slot instead of taking the process's memory or
// every core; a waiting Hash or Verify returns when its ctx ends.
//
// Verify refuses, before doing any work, passwords over 1 KiB, hashes that
// demand absurd resources (over 256 MiB, 16 passes or 16 lanes, bcrypt cost
// over 16, or argon2 memory × passes over eight times the Hasher's own),
// and passwords longer than the 72 bytes bcrypt would silently ignore. A
// tampered row costs microseconds, not seconds.
//
// # What the caller still has to do
//
//   - Log in with one code path: when the account does not exist, verify
//     against [Hasher.DummyHash] so the response time does not reveal
//     which accounts exist, and answer every failure with the same status
//     and message.
//   - Limit failed logins per account and per client (NIST allows at most
//     100 consecutive failures); this package keeps no state.
//   - Run Check at registration and password change only, never at login.
//   - Never log the password or put it in an error; this package doesn't.
//   - Size memory for the hashes: at most Hasher.MaxConcurrent (default
//     GOMAXPROCS less one, at least one) run at once, each holding Hasher.Memory (19 MiB), and
//     Go's collector may let twice that accumulate (see [Hasher]).
//   - Pass the request's context to Hash and Verify, and answer an error
//     wrapping context.DeadlineExceeded with 503, not "wrong password".
package password
