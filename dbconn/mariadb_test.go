package dbconn_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/dbconn"
	"github.com/lambdasec/lambdasec/internal/clocktest"
	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/secevent"
)

// The tests in this file run against the TLS-only MariaDB that scripts/test
// starts. Each creates its own users (REQUIRE SSL), dropped when it ends,
// and counts connections per user, because other packages use the same
// server at the same time.

type server struct {
	m     testenv.MySQLConfig
	admin *sql.DB
}

func mariadb(t *testing.T) *server {
	t.Helper()
	m := testenv.MySQL(t)
	c, err := dbconn.NewConnector(dbconn.Config{Host: m.Host, Port: port(t, m),
		Credentials: dbconn.StaticCredentials(dbconn.NewCredentials(m.AdminUser, m.AdminPass)), RootCAs: m.CAPEM, Pool: dbconn.Pool{PerEnvironment: 2}})
	if err != nil {
		t.Fatal(err)
	}
	admin := sql.OpenDB(c)
	t.Cleanup(func() { admin.Close() })
	return &server{m: m, admin: admin}
}

func port(t *testing.T, m testenv.MySQLConfig) int {
	p, err := strconv.Atoi(m.Port)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// user creates a user that must use TLS, allowed to read the test
// database, and drops it (closing its sessions) when t ends.
func (s *server) user(t *testing.T, with string) (name, password string) {
	t.Helper()
	name, password = "dbconn_"+randomHex(6), "pw-"+randomHex(12)
	s.exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s' REQUIRE SSL %s", name, password, with))
	s.exec(t, fmt.Sprintf("GRANT SELECT ON `%s`.* TO '%s'@'%%'", s.m.Database, name))
	t.Cleanup(func() {
		s.kill(t, name)
		s.exec(t, fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", name))
	})
	return name, password
}

func (s *server) exec(t *testing.T, q string) {
	t.Helper()
	if _, err := s.admin.Exec(q); err != nil {
		t.Fatalf("%s: %v", strings.SplitN(q, " IDENTIFIED", 2)[0], err)
	}
}

func (s *server) setPassword(t *testing.T, user, pw string) {
	t.Helper()
	s.exec(t, fmt.Sprintf("ALTER USER '%s'@'%%' IDENTIFIED BY '%s'", user, pw))
}

// conns counts the server connections of user.
func (s *server) conns(t *testing.T, user string) int {
	t.Helper()
	var n int
	if err := s.admin.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = ?", user).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitConns waits until user has want connections: the server drops a
// closed connection asynchronously. It fails after 10 seconds; it asserts
// no timing.
func (s *server) waitConns(t *testing.T, user string, want int) {
	t.Helper()
	for i := 0; ; i++ {
		got := s.conns(t, user)
		if got == want {
			return
		}
		if i == 500 {
			t.Fatalf("%s has %d server connections, want %d", user, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends user's sessions on the server, as wait_timeout or a failover
// would.
func (s *server) kill(t *testing.T, user string) {
	t.Helper()
	rows, err := s.admin.Query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ?", user)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		s.admin.Exec("KILL CONNECTION " + strconv.FormatInt(id, 10)) // may already be gone
	}
	s.waitConns(t, user, 0)
}

func (s *server) config(t *testing.T, user, password string) dbconn.Config {
	return dbconn.Config{Host: s.m.Host, Port: port(t, s.m), Database: s.m.Database,
		User: user, Credentials: dbconn.StaticCredentials(dbconn.NewCredentials(user, password)), RootCAs: s.m.CAPEM}
}

// open opens a pool for cfg, closed when t ends.
func open(t *testing.T, cfg dbconn.Config) *sql.DB {
	t.Helper()
	db, err := dbconn.Open(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rotate changes user's password on the server, stores it as the
// secret's current value (not in its cache) and ends user's sessions.
func (s *server) rotate(t *testing.T, user string, sec *rotatingSecret) {
	t.Helper()
	newPW := "pw-" + randomHex(12)
	s.setPassword(t, user, newPW)
	sec.current.Store(newPW)
	s.kill(t, user)
}

func testCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func connID(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var id int64
	if err := db.QueryRowContext(testCtx(t), "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOpenVerifiedTLS(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	db := open(t, s.config(t, user, pw))
	var name, version, cipher string
	if err := db.QueryRow("SHOW SESSION STATUS LIKE 'Ssl_version'").Scan(&name, &version); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil {
		t.Fatal(err)
	}
	if version != "TLSv1.2" && version != "TLSv1.3" || cipher == "" {
		t.Fatalf("session TLS %q cipher %q", version, cipher)
	}
	// parseTime is on.
	var now any
	if err := db.QueryRow("SELECT NOW()").Scan(&now); err != nil {
		t.Fatal(err)
	}
	if _, ok := now.(time.Time); !ok {
		t.Errorf("DATETIME scanned as %T, want time.Time (parseTime)", now)
	}
	if err := dbconn.Ping(testCtx(t), db); err != nil {
		t.Fatal(err)
	}
}

func TestCertificateRefused(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	fwd := forwarder(t, "127.0.0.2", s.m.Addr())
	_, otherCA := dbconn.TestCert(t, "127.0.0.1") // a CA that did not sign the server
	unknownAuthority := func(err error) bool { return errors.As(err, new(x509.UnknownAuthorityError)) }
	hostname := func(err error) bool { return errors.As(err, new(x509.HostnameError)) }
	tests := []struct {
		name  string
		edit  func(*dbconn.Config)
		want  error
		cause func(error) bool // errors.As finds the x509 error
	}{
		// The test server's CA is in neither the system roots nor the RDS
		// bundle.
		{"no extra CA", func(c *dbconn.Config) { c.RootCAs = nil }, dbconn.ErrUnknownAuthority, unknownAuthority},
		{"wrong CA", func(c *dbconn.Config) { c.RootCAs = otherCA }, dbconn.ErrUnknownAuthority, unknownAuthority},
		// The certificate names localhost and 127.0.0.1 only.
		{"host not in certificate", func(c *dbconn.Config) { c.Host = "127.0.0.2"; c.Port = fwd }, dbconn.ErrHostMismatch, hostname},
		// The secret moves the connection to another host: the name
		// verified must follow it (go-sql-driver keeps the old one when
		// a BeforeConnect hook changes the address).
		{"credentials move host", func(c *dbconn.Config) {
			c.Host = "localhost"
			c.Credentials = func(context.Context) (dbconn.Credentials, error) {
				return with(dbconn.NewCredentials(user, pw), dbconn.Credentials{Host: "127.0.0.2", Port: fwd}), nil
			}
		}, dbconn.ErrHostMismatch, hostname},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := s.config(t, user, pw)
			tc.edit(&cfg)
			var events []secevent.Event
			var mu sync.Mutex
			cfg.Events = secevent.SinkFunc(func(_ context.Context, e secevent.Event) {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			})
			db, err := dbconn.Open(testCtx(t), cfg)
			if !errors.Is(err, tc.want) {
				if db != nil {
					db.Close()
				}
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			// Security monitoring sees the refused certificate.
			wantReason := map[error]string{dbconn.ErrUnknownAuthority: "db_certificate_unknown_authority", dbconn.ErrHostMismatch: "db_certificate_host_mismatch"}[tc.want]
			mu.Lock()
			if len(events) == 0 {
				t.Errorf("no security event")
			}
			for _, e := range events {
				if e.Name != secevent.SysDependencyFail || e.Reason != wantReason || strings.Contains(fmt.Sprint(e), pw) {
					t.Errorf("event %+v, want sys_dependency_fail %s without the password", e, wantReason)
				}
			}
			mu.Unlock()
			if !tc.cause(err) {
				t.Errorf("%v does not wrap the x509 error", err)
			}
			if strings.Contains(err.Error(), pw) {
				t.Fatal("error contains the password")
			}
		})
	}
	// The same forwarder works when the name matches: the refusals above
	// come from verification, not from the forwarding.
	cfg := s.config(t, user, pw)
	cfg.Host = "localhost"
	cfg.Credentials = func(context.Context) (dbconn.Credentials, error) {
		return with(dbconn.NewCredentials(user, pw), dbconn.Credentials{Host: "localhost", Port: port(t, s.m)}), nil
	}
	open(t, cfg)
}

// forwarder relays TCP from host:0 to target and returns its port.
func forwarder(t *testing.T, host, target string) int {
	t.Helper()
	return dbconn.ServeLoopback(t, host, func(c net.Conn) {
		u, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer u.Close()
		go func() { io.Copy(u, c); u.Close() }()
		io.Copy(c, u)
	})
}

func TestAccessDeniedHasHint(t *testing.T) {
	s := mariadb(t)
	user, _ := s.user(t, "")
	cfg := s.config(t, user, "wrong-password")
	_, err := dbconn.Open(testCtx(t), cfg)
	if !errors.Is(err, dbconn.ErrAccessDenied) {
		t.Fatalf("got %v, want ErrAccessDenied", err)
	}
	for _, want := range []string{"1045", "verified TLS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatal("error contains the password")
	}
}

func TestTooManyConnections(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "WITH MAX_USER_CONNECTIONS 1")
	open(t, s.config(t, user, pw)) // holds the user's only connection
	_, err := dbconn.Open(testCtx(t), s.config(t, user, pw))
	if !errors.Is(err, dbconn.ErrTooManyConnections) {
		t.Fatalf("got %v, want ErrTooManyConnections", err)
	}
	for _, want := range []string{"dbconn.Plan", "SIGTERM"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks hint %q", err, want)
		}
	}
}

// rotatingSecret stands in for a Secrets Manager cache: Credentials reads
// the cached value, Refresh re-reads the source (AWSCURRENT), Pending
// reads AWSPENDING.
type rotatingSecret struct {
	user                    string
	cached, current, pendng atomic.Value // string passwords
	refreshes               atomic.Int32
}

func newSecret(user, pw string) *rotatingSecret {
	r := &rotatingSecret{user: user}
	r.cached.Store(pw)
	r.current.Store(pw)
	r.pendng.Store("")
	return r
}

func (r *rotatingSecret) Credentials(context.Context) (dbconn.Credentials, error) {
	return dbconn.NewCredentials(r.user, r.cached.Load().(string)), nil
}

func (r *rotatingSecret) Refresh(context.Context) (dbconn.Credentials, error) {
	r.refreshes.Add(1)
	pw := r.current.Load().(string)
	r.cached.Store(pw)
	return dbconn.NewCredentials(r.user, pw), nil
}

func (r *rotatingSecret) Pending(context.Context) (dbconn.Credentials, error) {
	return dbconn.NewCredentials(r.user, r.pendng.Load().(string)), nil
}

func (s *server) rotatingConfig(t *testing.T, sec *rotatingSecret) dbconn.Config {
	cfg := s.config(t, "", "")
	cfg.Credentials, cfg.RefreshCredentials, cfg.PendingCredentials = sec.Credentials, sec.Refresh, sec.Pending
	return cfg
}

func TestRotationRecoversWithoutRestart(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	sec := newSecret(user, pw)
	cfg := s.rotatingConfig(t, sec)
	cfg.Pool.PerEnvironment = 8
	db := open(t, cfg)

	// Rotation: the password changes on the server and in the secret;
	// the cache still holds the old one. Open connections keep working
	// until the server drops them.
	s.rotate(t, user, sec)

	// Eight requests need new connections at once: one refresh serves all.
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			<-start
			c, err := db.Conn(testCtx(t))
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if err := c.PingContext(testCtx(t)); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := sec.refreshes.Load(); got != 1 {
		t.Errorf("credentials refreshed %d times, want 1", got)
	}
	if got := s.conns(t, user); got < 1 || got > 8 {
		t.Errorf("%d server connections", got)
	}
}

// During a rotation, between the steps that set the new password on the
// server and that promote it to AWSCURRENT, only AWSPENDING works.
func TestRotationUsesPendingCredentials(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	sec := newSecret(user, pw)
	db := open(t, s.rotatingConfig(t, sec))
	newPW := "pw-" + randomHex(12)
	s.setPassword(t, user, newPW)
	sec.pendng.Store(newPW)
	s.kill(t, user)
	if err := db.PingContext(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if s.conns(t, user) != 1 {
		t.Fatal("not connected")
	}
}

func TestWrongPasswordEverywhereFailsWithinDeadline(t *testing.T) {
	s := mariadb(t)
	user, _ := s.user(t, "")
	sec := newSecret(user, "wrong-1")
	sec.current.Store("wrong-2")
	sec.pendng.Store("wrong-3")

	t.Run("retries exhausted", func(t *testing.T) {
		cfg := s.rotatingConfig(t, sec)
		cfg.LoginRetries = 2
		_, err := dbconn.Open(testCtx(t), cfg)
		if !errors.Is(err, dbconn.ErrAccessDenied) {
			t.Fatalf("got %v, want ErrAccessDenied", err)
		}
		for _, pw := range []string{"wrong-1", "wrong-2", "wrong-3"} {
			if strings.Contains(err.Error(), pw) {
				t.Fatal("error contains a password")
			}
		}
	})
	// The deadline, not the retry count, ends the retries, and the error
	// is still the refusal. Whether the last attempt ends just before the
	// deadline or is cut short by it depends on the machine's speed, so
	// the test does not look at the clock: the retries stop long before
	// LoginRetries (100 rounds take minutes of backoff), and the error
	// names the cause either way.
	t.Run("deadline", func(t *testing.T) {
		cfg := s.rotatingConfig(t, sec)
		cfg.LoginRetries = 100 // only the deadline stops the retries
		c, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		before := sec.refreshes.Load()
		_, err := dbconn.Open(c, cfg)
		if !errors.Is(err, dbconn.ErrAccessDenied) {
			t.Fatalf("got %v, want ErrAccessDenied", err)
		}
		if n := sec.refreshes.Load() - before; n < 1 || n >= int32(cfg.LoginRetries) {
			t.Fatalf("%d credential refreshes; want some, and fewer than LoginRetries (%d)", n, cfg.LoginRetries)
		}
	})
}

// TestDeadlineDuringRetryReportsRefusal: when the caller's ctx ends while
// the credentials are being fetched again, the error is the server's
// refusal, which names the cause, not ErrCredentials wrapping the ctx's.
func TestDeadlineDuringRetryReportsRefusal(t *testing.T) {
	s := mariadb(t)
	user, _ := s.user(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	defer close(release)
	cfg := s.config(t, "", "")
	cfg.Credentials = func(context.Context) (dbconn.Credentials, error) {
		return dbconn.NewCredentials(user, "wrong"), nil
	}
	cfg.RefreshCredentials = func(context.Context) (dbconn.Credentials, error) {
		cancel() // the caller's deadline passes while Secrets Manager answers
		<-release
		return dbconn.NewCredentials(user, "still-wrong"), nil
	}
	c, err := dbconn.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Connect(ctx)
	if !errors.Is(err, dbconn.ErrAccessDenied) || errors.Is(err, dbconn.ErrCredentials) {
		t.Fatalf("got %v, want the refusal (ErrAccessDenied)", err)
	}

	// The refresh answers as the deadline passes: whether Connect sees the
	// answer (and its next login is cut short) or the deadline first, the
	// error is the refusal.
	for range 4 {
		ctx, cancel := context.WithCancel(context.Background())
		cfg.RefreshCredentials = func(context.Context) (dbconn.Credentials, error) {
			cancel()
			return dbconn.NewCredentials(user, "still-wrong"), nil
		}
		c, err := dbconn.NewConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Connect(ctx); !errors.Is(err, dbconn.ErrAccessDenied) {
			t.Fatalf("got %v, want the refusal (ErrAccessDenied)", err)
		}
	}
}

func TestOneConnectionPerEnvironment(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	clk := clocktest.At(time.Now())
	cfg := s.config(t, user, pw)
	cfg.Now = clk.Now
	db := open(t, cfg)
	first := connID(t, db)
	for i := range 1000 {
		var n int
		if err := db.QueryRowContext(testCtx(t), "SELECT ?", i).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d: %v %d", i, err, n)
		}
	}
	if got := s.conns(t, user); got != 1 {
		t.Fatalf("%d server connections after 1,000 queries, want 1", got)
	}
	st := db.Stats()
	if st.MaxOpenConnections != 1 || st.OpenConnections != 1 || connID(t, db) != first {
		t.Fatalf("stats %+v; connection changed: %v", st, connID(t, db) != first)
	}

	// After ConnMaxLifetime (checked when the connection is handed out,
	// so this holds after a freeze too) the next query uses a new one.
	clk.Advance(dbconn.DefaultConnMaxLifetime - time.Second)
	if connID(t, db) != first {
		t.Fatal("connection replaced before its lifetime")
	}
	clk.Advance(time.Second)
	if second := connID(t, db); second == first {
		t.Fatal("connection kept after its lifetime")
	}
	s.waitConns(t, user, 1)
	if st := db.Stats(); st.OpenConnections != 1 {
		t.Fatalf("open connections %d, want 1", st.OpenConnections)
	}
}

func TestCloseOnSIGTERMFreesConnections(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	db := open(t, s.config(t, user, pw))
	if s.conns(t, user) != 1 {
		t.Fatal("not connected")
	}
	if dbconn.CloseOnSIGTERM(db) == nil {
		t.Fatal("no option")
	}
	dbconn.SIGTERMHandler(db)() // what aws-lambda-go runs on SIGTERM
	s.waitConns(t, user, 0)
	if err := db.Ping(); err == nil {
		t.Fatal("pool still usable after SIGTERM")
	}
}

func TestProxyInterpolatesParams(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	cfg := s.config(t, user, pw)
	cfg.Pool.Proxy = true
	db := open(t, cfg)
	var before, after int
	stmt := func() int {
		var name string
		var n int
		if err := db.QueryRow("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'").Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before = stmt()
	var v string
	if err := db.QueryRow("SELECT ?", "x").Scan(&v); err != nil || v != "x" {
		t.Fatal(err, v)
	}
	after = stmt()
	if after != before {
		t.Fatalf("a server-side prepared statement was used (%d -> %d); it would pin an RDS Proxy session", before, after)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	cfg := s.config(t, user, pw)
	cfg.Pool.PerEnvironment = 4
	db := open(t, cfg)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			var n int
			if err := db.QueryRowContext(testCtx(t), "SELECT ?", i).Scan(&n); err != nil || n != i {
				t.Error(err, n)
			}
		})
	}
	wg.Wait()
	if got := s.conns(t, user); got > 4 {
		t.Fatalf("%d server connections, want at most 4", got)
	}
}

// A provider whose cache never catches up (Credentials keeps answering the
// old password) costs one refresh, not a refused login per connection.
func TestStaleProviderCostsOneRefresh(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	sec := newSecret(user, pw)
	cfg := s.rotatingConfig(t, sec)
	cfg.Credentials = func(context.Context) (dbconn.Credentials, error) {
		return dbconn.NewCredentials(user, pw), nil // stale forever
	}
	db := open(t, cfg)
	s.rotate(t, user, sec)
	for i := range 3 {
		if i > 0 {
			s.kill(t, user)
		}
		if err := db.PingContext(testCtx(t)); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	if got := sec.refreshes.Load(); got != 1 {
		t.Fatalf("%d refreshes for 3 connections, want 1", got)
	}
}

type countingConnector struct {
	driver.Connector
	n atomic.Int32
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c.n.Add(1)
	return c.Connector.Connect(ctx)
}

func TestOpenWrap(t *testing.T) {
	s := mariadb(t)
	user, pw := s.user(t, "")
	cfg := s.config(t, user, pw)
	var wrapped *countingConnector
	cfg.Wrap = func(c driver.Connector) driver.Connector {
		if _, ok := c.(*dbconn.Connector); !ok {
			t.Errorf("Wrap got %T", c)
		}
		wrapped = &countingConnector{Connector: c}
		return wrapped
	}
	db := open(t, cfg)
	if wrapped == nil || wrapped.n.Load() != 1 {
		t.Fatal("the pool did not connect through the wrapper")
	}
	if db.Stats().MaxOpenConnections != 1 {
		t.Fatal("pool settings not applied")
	}
}
