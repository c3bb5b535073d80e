package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/lambdasec/lambdasec/internal/smfake"
	"github.com/lambdasec/lambdasec/internal/testenv"
)

// The tests in this file run the service against the real Redis, Redis
// Cluster and TLS-only MariaDB that scripts/test starts, with the database
// login served by a local Secrets Manager endpoint through the real AWS SDK.

// uniquePrefix keeps this test's keys apart on the shared Redis.
func uniquePrefix(name string) string {
	return fmt.Sprintf("test:trialbalance:%s:%d:", name, time.Now().UnixNano())
}

// freshDatabase creates an empty database the test user may use, dropped
// when t ends.
func freshDatabase(t *testing.T, my testenv.MySQLConfig) string {
	t.Helper()
	conn, err := mysql.NewConnector(my.DriverConfig(my.AdminUser, my.AdminPass))
	if err != nil {
		t.Fatal(err)
	}
	admin := sql.OpenDB(conn)
	t.Cleanup(func() { admin.Close() })
	name := fmt.Sprintf("tb_%d", time.Now().UnixNano())
	for _, stmt := range []string{
		"CREATE DATABASE " + name,
		fmt.Sprintf("GRANT ALL ON %s.* TO '%s'@'%%'", name, my.User),
	} {
		if _, err := admin.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE " + name) })
	return name
}

// realEnv is the environment of a service using the real Redis and
// MariaDB, with the login in a Secrets Manager secret in the RDS shape.
// It points the AWS SDK at a local Secrets Manager endpoint.
func realEnv(t *testing.T) (env map[string]string, my testenv.MySQLConfig, dbName string) {
	t.Helper()
	redisAddr := testenv.RedisAddr(t)
	my = testenv.MySQL(t)
	dbName = freshDatabase(t, my)
	sm := smfake.New()
	t.Cleanup(sm.Close)
	port, _ := strconv.Atoi(my.Port)
	secret, _ := json.Marshal(map[string]any{
		"engine": "mysql", "host": my.Host, "port": port,
		"username": my.User, "password": my.Password, "dbname": dbName,
	})
	sm.Put("trialbalance/db", string(secret))

	// The SDK reads these from the process environment.
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL(),
		"AWS_REGION":                       smfake.Region,
		"AWS_ACCESS_KEY_ID":                smfake.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":            smfake.SecretAccessKey,
		"AWS_SESSION_TOKEN":                "",
		"AWS_PROFILE":                      "",
		"AWS_CONFIG_FILE":                  none,
		"AWS_SHARED_CREDENTIALS_FILE":      none,
		"AWS_EC2_METADATA_DISABLED":        "true",
	} {
		t.Setenv(k, v)
	}
	env = map[string]string{
		"JWT_SECRET":       randomSecret(t),
		"REDIS_ADDR":       redisAddr,
		"REDIS_KEY_PREFIX": uniquePrefix("real"),
		"DB_SECRET_ID":     "trialbalance/db",
		"DB_TLS_CA_FILE":   my.CAFile,
	}
	return env, my, dbName
}

func count(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestRealServices(t *testing.T) {
	env, _, _ := realEnv(t)

	// Three environments start at once on an empty database: the tables
	// are created and the ledger seeded exactly once.
	servers := make([]*testServer, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() { servers[i], errs[i] = startTestServer(t, maps.Clone(env)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	a, b := servers[0], servers[1]
	db := a.app.db
	if db == nil {
		t.Fatal("the service did not open the database")
	}
	if got := [3]int{count(t, db, "tb_seeds"), count(t, db, "tb_entries"), count(t, db, "tb_postings")}; got != [3]int{1, 10, 21} {
		t.Fatalf("seeds, entries, postings = %v, want [1 10 21]", got)
	}

	a.register("ada@example.com", goodPassword)
	// The account lives in the database: another environment sees it,
	// answers as for a new account, and changes nothing.
	if res := b.post("/v1/auth/register", credentialsJSON("ADA@example.com", otherPassword)); res.status != http.StatusCreated {
		t.Fatalf("register again elsewhere: got %d %s, want 201", res.status, res.body)
	}
	if res := b.post("/v1/auth/login", credentialsJSON("ada@example.com", otherPassword)); res.status != http.StatusUnauthorized {
		t.Fatalf("the second registration's password logs in: got %d, want 401", res.status)
	}
	var stored string
	if err := db.QueryRow("SELECT password_hash FROM tb_users WHERE email = ?", "ada@example.com").Scan(&stored); err != nil ||
		!strings.HasPrefix(stored, "$argon2id$") {
		t.Fatalf("stored hash %q (%v), want an argon2id PHC string", stored, err)
	}

	tok := b.login("ada@example.com", goodPassword)
	other := a.login("ada@example.com", goodPassword)
	res := a.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-03-31", "", bearer(tok)...)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"total_debit":82001.39,"total_credit":82001.39`) {
		t.Fatalf("trial balance from MySQL: got %d %s", res.status, res.body)
	}
	var tb trialBalanceJSON
	decodeJSON(t, a.do(http.MethodGet, "/v1/trial-balance?from=2026-02-01&to=2026-02-28", "", bearer(tok)...), &tb)
	if tb.TotalDebit != "35170.55" || tb.TotalCredit != tb.TotalDebit {
		t.Errorf("February totals %s / %s, want 35170.55", tb.TotalDebit, tb.TotalCredit)
	}

	// A logout in one environment holds in the others: the revocation is
	// in Redis.
	if res := a.post("/v1/auth/logout", "", bearer(tok)...); res.status != http.StatusNoContent {
		t.Fatalf("logout: got %d %s", res.status, res.body)
	}
	for _, s := range servers {
		if res := s.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-01-31", "", bearer(tok)...); res.status != http.StatusUnauthorized {
			t.Errorf("revoked token: got %d, want 401", res.status)
		}
	}
	if res := b.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-01-31", "", bearer(other)...); res.status != http.StatusOK {
		t.Errorf("the account's other token: got %d, want 200", res.status)
	}

	// Failed logins are counted across environments.
	b.register("bob@example.com", goodPassword)
	for i := range 10 {
		s := servers[i%3]
		if res := s.post("/v1/auth/login", credentialsJSON("ada@example.com", "Wr0ng-password!")); res.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d", i+1, res.status)
		}
	}
	for _, s := range servers {
		res := s.post("/v1/auth/login", credentialsJSON("ada@example.com", goodPassword))
		if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
			t.Errorf("locked account: got %d Retry-After %q, want 429 with Retry-After", res.status, res.header.Get("Retry-After"))
		}
	}
	servers[2].login("bob@example.com", goodPassword)

	// A later start finds the tables and the seed and changes nothing.
	later := newTestServer(t, maps.Clone(env))
	if got := count(t, later.app.db, "tb_entries"); got != 10 {
		t.Errorf("after restart: %d entries, want 10", got)
	}
	later.login("bob@example.com", goodPassword)
}

// TestRealServicesMissingSecret: a wrong secret id stops the start with
// an error that says so.
func TestRealServicesMissingSecret(t *testing.T) {
	env, _, _ := realEnv(t)
	env["DB_SECRET_ID"] = "trialbalance/nope"
	cfg, err := loadConfig(mapEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = newApp(ctx, cfg, discardLogger())
	if err == nil || !strings.Contains(err.Error(), "database secret") || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("got %v, want a database secret not found error", err)
	}
}

// TestRealRedisCluster runs logins, revocation and the lockout on the
// 3-node Redis Cluster: every key of a check must hash to one slot.
func TestRealRedisCluster(t *testing.T) {
	addrs := testenv.RedisClusterAddrs(t)
	s := newTestServer(t, map[string]string{
		"REDIS_ADDR":       strings.Join(addrs, ","),
		"REDIS_KEY_PREFIX": uniquePrefix("cluster"),
	})
	s.register("ada@example.com", goodPassword)
	tok := s.login("ada@example.com", goodPassword)
	if res := s.post("/v1/auth/logout", "", bearer(tok)...); res.status != http.StatusNoContent {
		t.Fatalf("logout: got %d %s", res.status, res.body)
	}
	if res := s.do(http.MethodGet, "/v1/trial-balance?from=2026-01-01&to=2026-01-31", "", bearer(tok)...); res.status != http.StatusUnauthorized {
		t.Fatalf("revoked token: got %d, want 401", res.status)
	}
	for range 10 {
		s.post("/v1/auth/login", credentialsJSON("ada@example.com", "Wr0ng-password!"))
	}
	if res := s.post("/v1/auth/login", credentialsJSON("ada@example.com", goodPassword)); res.status != http.StatusTooManyRequests {
		t.Fatalf("locked account: got %d, want 429", res.status)
	}
}
