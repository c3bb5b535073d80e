package password_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/password"
	"github.com/lambdasec/lambdasec/secevent"
)

// A stored hash that Verify refuses is a security event (a tampered or
// corrupt user record); a wrong password against a good hash is not.
func TestStoredHashEvents(t *testing.T) {
	var got []secevent.Event
	h := &password.Hasher{Events: secevent.SinkFunc(func(_ context.Context, e secevent.Event) { got = append(got, e) })}
	ctx := context.Background()
	good, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	const salt = "c29tZXNhbHRzb21lc2FsdA"
	const key = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	for _, tc := range []struct {
		name, stored, reason string
	}{
		{"wrong password", good, ""},
		{"malformed", "$argon2id$v=19$m=19456,t=2$nonsense", "stored_hash_malformed"},
		{"too expensive", "$argon2id$v=19$m=262144,t=16,p=1$" + salt + "$" + key, "stored_hash_too_expensive"},
		{"unsupported", "$scrypt$ln=15,r=8,p=1$" + salt + "$" + key, "stored_hash_unsupported"},
	} {
		got = nil
		ok, err := h.Verify(ctx, "Tr0ub4dor&3-guess", tc.stored)
		if ok {
			t.Fatalf("%s: verified", tc.name)
		}
		if tc.reason == "" {
			if err != nil || len(got) != 0 {
				t.Errorf("%s: err %v, events %v; want neither", tc.name, err, got)
			}
			continue
		}
		if err == nil || len(got) != 1 || got[0].Name != secevent.SysDependencyFail || got[0].Reason != tc.reason {
			t.Errorf("%s: err %v, events %+v; want one sys_dependency_fail %s", tc.name, err, got, tc.reason)
		}
		if s := fmt.Sprintf("%+v", got); strings.Contains(s, "Tr0ub4dor") || strings.Contains(s, salt) {
			t.Errorf("%s: the event holds the password or the hash: %s", tc.name, s)
		}
	}
}
