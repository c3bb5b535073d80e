// Command password shows package password: the NIST SP 800-63B-4 policy
// it recommends next to a composition policy (upper, lower, digit, special,
// 8 to 100 characters), a rejection that lists every unmet rule, the
// blocklist seeing through disguises (leet, affixes, fullwidth letters,
// invisible characters), argon2id hashing with a bound on concurrent
// hashes, and a login that upgrades a legacy bcrypt hash and spends the
// same time on unknown users.
//
//	go run ./examples/password
//
// Everything runs locally on embedded defaults. PASSWORD_HIBP=on adds the
// breach check against the real Have I Been Pwned range API (only the
// first 5 hex digits of each password's SHA-1 leave the machine).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/lambdasec/lambdasec/password"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "password:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	nist, composition := password.NIST(), password.Composition()
	if getenv("PASSWORD_HIBP") == "on" {
		hibp, err := password.NewHIBP(password.HIBPConfig{Timeout: 3 * time.Second})
		if err != nil {
			return err
		}
		nist.Breach, composition.Breach = hibp, hibp
	}
	comparePolicies(ctx, w, nist, composition)
	// The zero Hasher is ready: m=19 MiB, t=2, p=1, and at most GOMAXPROCS
	// hashes at once (each holds 19 MiB); the others wait until their ctx
	// ends.
	var h password.Hasher
	if err := hashing(ctx, w, &h); err != nil {
		return err
	}
	legacy, err := migratingLogins(ctx, w, &h)
	if err != nil {
		return err
	}
	limits(ctx, w, &h, legacy)
	return nil
}

// comparePolicies prints each policy's verdict on a few passwords.
func comparePolicies(ctx context.Context, w io.Writer, nist, composition password.Policy) {
	fmt.Fprintln(w, "== policies: NIST SP 800-63B-4 (recommended) and a composition policy")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "password\tnist\tcomposition")
	for _, c := range []struct{ pw, shown string }{
		{pw: "short"},
		{pw: "P@ssw0rd"},           // on the blocklist, disguised
		{pw: "Summer2024!"},        // a season and a year: on the blocklist too
		{pw: "Tr1al-Balance!2026"}, // meets the composition rules
		{pw: "correct horse battery staple"},
		{pw: "margaret-is-my-name-2026"}, // contains the user's name
		// Unicode disguises: compared on the NFKC case-folded form without
		// invisible characters, and counted as a person sees them.
		{"ｐａｓｓｗｏｒｄ１２３４５６７８", "fullwidth password12345678"},
		{"a" + strings.Repeat("\u200b", 14), `"a" + 14 zero width spaces`},
		{"mar\u00adgaret keeps the ledger tidy", "mar<soft hyphen>garet keeps ..."},
	} {
		shown := c.shown
		if shown == "" {
			shown = strconv.Quote(c.pw)
		}
		// The user's email is context: its local part may not appear.
		fmt.Fprintf(tw, "%s\t%s\t%s\n", shown,
			verdict(nist.CheckOnline(ctx, c.pw, "margaret@example.com")),
			verdict(composition.CheckOnline(ctx, c.pw, "margaret@example.com")))
	}
	tw.Flush()
}

// hashing hashes a password and verifies the right one and a wrong one.
func hashing(ctx context.Context, w io.Writer, h *password.Hasher) error {
	fmt.Fprintln(w, "\n== hashing: argon2id with OWASP's parameters, in a PHC string")
	hash, err := h.Hash(ctx, "Tr1al-Balance!2026")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "hash:", strings.Join(strings.Split(hash, "$")[:4], "$")+"$<salt>$<key>")
	ok, err := h.Verify(ctx, "Tr1al-Balance!2026", hash)
	fmt.Fprintln(w, "verify right password:", ok, err)
	ok, err = h.Verify(ctx, "tr1al-balance!2026", hash)
	fmt.Fprintln(w, "verify wrong password:", ok, err)
	return nil
}

// migratingLogins logs in a user whose hash is a legacy bcrypt one, twice
// (the first login rehashes it), and an unknown user. It returns the
// bcrypt hash.
func migratingLogins(ctx context.Context, w io.Writer, h *password.Hasher) (legacy []byte, err error) {
	fmt.Fprintln(w, "\n== login that migrates a bcrypt hash from the old stack")
	legacy, err = bcrypt.GenerateFromPassword([]byte("Tr1al-Balance!2026"), bcrypt.MinCost) // MinCost only to keep the demo fast
	if err != nil {
		return nil, err
	}
	users := map[string]string{"ada@example.com": string(legacy)}
	for _, try := range []struct{ email, pw string }{
		{"ada@example.com", "Tr1al-Balance!2026"},
		{"ada@example.com", "Tr1al-Balance!2026"}, // now argon2id
		{"nobody@example.com", "Tr1al-Balance!2026"},
	} {
		if err := login(ctx, w, h, users, try.email, try.pw); err != nil {
			return nil, err
		}
	}
	return legacy, nil
}

// login checks pw against the hash users holds for email, upgrading a
// hash made with older parameters, and prints the outcome.
func login(ctx context.Context, w io.Writer, h *password.Hasher, users map[string]string, email, pw string) error {
	stored, found := users[email]
	if !found {
		// Same work as for a real account: timing does not reveal
		// which emails are registered.
		stored = h.DummyHash()
	}
	ok, err := h.Verify(ctx, pw, stored)
	if err != nil {
		return err
	}
	scheme := "hash was " + strings.Split(stored, "$")[1]
	if !found {
		scheme = "no account: checked against the dummy argon2id hash"
	}
	if found && ok && h.NeedsRehash(stored) {
		if users[email], err = h.Hash(ctx, pw); err != nil {
			return err
		}
		scheme += " (rehashed to argon2id)"
	}
	fmt.Fprintf(w, "%-20s login ok: %-5v %s\n", email, found && ok, scheme)
	return nil
}

// limits shows long inputs refused before any hashing work.
func limits(ctx context.Context, w io.Writer, h *password.Hasher, legacy []byte) {
	fmt.Fprintln(w, "\n== limits: long inputs are refused before any hashing work")
	_, err := h.Hash(ctx, strings.Repeat("x", 2000))
	fmt.Fprintf(w, "Hash of 2000 bytes:                 ErrPasswordTooLong=%v (%v)\n", errors.Is(err, password.ErrPasswordTooLong), err)
	// bcrypt reads only 72 bytes: a 73rd that differed would still match
	// if the input were silently cut.
	_, err = h.Verify(ctx, strings.Repeat("x", 73), string(legacy))
	fmt.Fprintf(w, "Verify of 73 bytes against bcrypt:  ErrPasswordTooLong=%v (%v)\n", errors.Is(err, password.ErrPasswordTooLong), err)
}

// verdict lists the violation codes of a Check, or "ok".
func verdict(err error) string {
	var pe *password.PolicyError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &pe):
		codes := make([]string, len(pe.Codes()))
		for i, c := range pe.Codes() {
			codes[i] = string(c)
		}
		return strings.Join(codes, ",")
	}
	return err.Error()
}
