package dbconn_test

import (
	"encoding/json"
	"testing"

	"github.com/lambdasec/lambdasec/dbconn"
	"github.com/lambdasec/lambdasec/internal/smfake"
	"github.com/lambdasec/lambdasec/secrets"
)

// A single-user rotation as the RDS rotation function performs it, with
// the real Secrets Manager client (against a loopback endpoint), the
// secrets cache and the real MariaDB: the same *sql.DB keeps working
// through every step.
func TestSecretsManagerRotation(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	sm := smfake.New()
	t.Cleanup(sm.Close)
	secret := func(password string) string {
		b, _ := json.Marshal(map[string]any{"engine": "mariadb", "host": s.m.Host, "port": port(t, s.m),
			"username": user, "password": password, "dbname": s.m.Database})
		return string(b)
	}
	const id = "test/dbconn/rotation"
	sm.Put(id, secret(pw))
	cache, err := secrets.New(secrets.Config{Client: sm.Client()})
	if err != nil {
		t.Fatal(err)
	}
	current, refresh, pending := credentialsFrom(cache, id)
	db := open(t, dbconn.Config{RootCAs: s.m.CAPEM,
		Credentials: current, RefreshCredentials: refresh, PendingCredentials: pending})

	query := func(step string) {
		t.Helper()
		var n int
		if err := db.QueryRowContext(testCtx(t), "SELECT 1").Scan(&n); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	query("before rotation")

	newPW := "pw-" + randomHex(12)
	sm.PutPending(id, secret(newPW)) // createSecret
	query("after createSecret")      // the open connection is unaffected

	s.setPassword(t, user, newPW) // setSecret: only AWSPENDING works now
	s.kill(t, user)
	query("after setSecret")
	askedPending := false
	for _, r := range sm.Requests() {
		askedPending = askedPending || r.VersionStage == smfake.StagePending
	}
	if !askedPending {
		t.Fatal("logged in during the rotation window without asking for AWSPENDING")
	}

	if !sm.PromotePending(id) { // finishSecret
		t.Fatal("no pending version")
	}
	s.kill(t, user)
	query("after finishSecret")
	if got := s.conns(t, user); got != 1 {
		t.Fatalf("%d server connections, want 1", got)
	}
}
