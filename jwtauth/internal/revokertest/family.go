package revokertest

import (
	"context"
	"errors"
	"testing"

	"github.com/lambdasec/lambdasec/jwtauth"
)

// Family checks family revocation through a, an Authenticator whose
// Revoker is under test: revoking a family refuses every token carrying
// it, and only those, in the same check as the other records.
func Family(t *testing.T, a *jwtauth.Authenticator) {
	t.Helper()
	ctx := context.Background()
	issue := func(g jwtauth.Grant) string {
		t.Helper()
		tok, _, err := a.Issue(g)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	f1a := issue(jwtauth.Grant{Subject: "carol", Family: "fam-1"})
	f1b := issue(jwtauth.Grant{Subject: "carol", Family: "fam-1"})
	f2 := issue(jwtauth.Grant{Subject: "carol", Family: "fam-2"})
	none := issue(jwtauth.Grant{Subject: "carol"})
	// Family ids are per subject: dave's fam-1 is another session.
	other := issue(jwtauth.Grant{Subject: "dave", Family: "fam-1"})
	if err := a.RevokeFamily(ctx, "carol", "fam-1"); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeFamily(ctx, "carol", "fam-1"); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	for _, tc := range []struct {
		name string
		tok  string
		want error
	}{
		{"token of the revoked family", f1a, jwtauth.ErrTokenRevoked},
		{"other token of the revoked family", f1b, jwtauth.ErrTokenRevoked},
		{"token of another family", f2, nil},
		{"token of no family", none, nil},
		{"same family id, other subject", other, nil},
	} {
		_, err := a.Verify(ctx, tc.tok)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := a.RevokeFamily(ctx, "carol", ""); !errors.Is(err, jwtauth.ErrInvalidClaims) {
		t.Errorf("empty family: got %v, want ErrInvalidClaims", err)
	}
}
