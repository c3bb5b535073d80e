package dbconn

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Connector opens TLS-verified connections to one database, refreshing
// credentials when the server refuses them. It implements
// [driver.Connector], so it can be handed to [sql.OpenDB] directly or
// through a wrapper (for tracing); [Open] does both and applies the pool
// settings. Create it with [NewConnector]; the zero value is not usable.
// It is safe for concurrent use.
type Connector struct {
	cfg     Config // defaults applied; callbacks as given
	roots   *x509.CertPool
	iam     *iamTokens
	log     *slog.Logger
	dlog    mysql.Logger
	now     func() time.Time
	retries int
	creds   *refresher
	dial    func(ctx context.Context, network, addr string) (net.Conn, error) // tests only
}

var _ driver.Connector = (*Connector)(nil)

// NewConnector validates cfg and returns a Connector. It does not dial; the
// first connection is made when database/sql needs one. The RDS bundle is
// parsed on the first call in the process.
func NewConnector(cfg Config) (*Connector, error) {
	if err := validate(&cfg); err != nil {
		return nil, err
	}
	roots, err := rootPool(cfg.RootCAs)
	if err != nil {
		return nil, err
	}
	c := &Connector{cfg: cfg, roots: roots, now: cfg.Now, log: cfg.Logger, retries: cmp.Or(cfg.LoginRetries, DefaultLoginRetries)}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.dlog = driverLogger{c.log}
	c.cfg.RootCAs = nil // parsed; do not keep a second copy alive

	switch {
	case cfg.IAM != nil:
		c.iam = &iamTokens{endpoint: endpoint{host: cfg.Host, port: cfg.Port}.addr(),
			region: cfg.IAM.Region, user: cfg.User, creds: cfg.IAM.Credentials, now: c.now}
		c.creds = &refresher{
			current: func(ctx context.Context) (Credentials, error) {
				tok, err := c.iam.get(ctx, false)
				return NewCredentials(cfg.User, tok), err
			},
			refresh: func(ctx context.Context) (Credentials, error) {
				tok, err := c.iam.get(ctx, true)
				return NewCredentials(cfg.User, tok), err
			},
		}
	default:
		c.creds = &refresher{current: cfg.Credentials, refresh: cfg.RefreshCredentials, pending: cfg.PendingCredentials}
		if c.creds.refresh == nil {
			c.creds.refresh = cfg.Credentials
		}
	}
	return c, nil
}

func validate(cfg *Config) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, a...)...)
	}
	if (cfg.Credentials == nil) == (cfg.IAM == nil) {
		return bad("set exactly one of Credentials and IAM")
	}
	if cfg.Credentials == nil && (cfg.RefreshCredentials != nil || cfg.PendingCredentials != nil) {
		return bad("RefreshCredentials and PendingCredentials need Credentials")
	}
	if cfg.Host == "" && cfg.Credentials == nil {
		return bad("Host is required")
	}
	if cfg.Host != "" {
		if err := checkHost(cfg.Host); err != nil {
			return bad("Host %q: %v", cfg.Host, err)
		}
	}
	if cfg.User == "" && cfg.Credentials == nil {
		return bad("User is required")
	}
	if err := checkName(cfg.User); err != nil {
		return bad("User: %w", err)
	}
	if err := checkName(cfg.Database); err != nil {
		return bad("Database: %w", err)
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return bad("Port %d out of range", cfg.Port)
	}
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if cfg.IAM != nil {
		if cfg.IAM.Region == "" {
			return bad("IAM.Region is required")
		}
		if cfg.IAM.Credentials == nil {
			return bad("IAM.Credentials is required")
		}
	}
	for _, d := range []*time.Duration{&cfg.DialTimeout, &cfg.ReadTimeout, &cfg.WriteTimeout, &cfg.Pool.ConnMaxLifetime} {
		if *d < 0 {
			return bad("negative duration %v", *d)
		}
	}
	if cfg.Pool.PerEnvironment < 0 || cfg.LoginRetries < 0 {
		return bad("Pool.PerEnvironment and LoginRetries must not be negative")
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	return nil
}

// checkName refuses a user or database name holding a NUL or another
// control character: the handshake sends both NUL-terminated, so such a
// byte would end the field early and turn the rest into the next one.
func checkName(s string) error {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return errors.New("holds a control character")
		}
	}
	return nil
}

// checkHost refuses values that are not a bare host name or IP address,
// such as "db:3306" or a DSN pasted into the field.
func checkHost(h string) error {
	if strings.ContainsAny(h, "/@?# \t\r\n()") {
		return fmt.Errorf("not a host name")
	}
	if strings.Contains(h, ":") && net.ParseIP(h) == nil {
		return fmt.Errorf("not a host name (put the port in Port)")
	}
	return nil
}

// Driver returns the go-sql-driver/mysql driver.
func (c *Connector) Driver() driver.Driver { return &mysql.MySQLDriver{} }

// Configure applies c's pool settings to db: MaxOpenConns and MaxIdleConns
// equal to Pool.PerEnvironment, and ConnMaxLifetime. [Open] calls it; call
// it yourself when you build the *sql.DB with [sql.OpenDB].
func (c *Connector) Configure(db *sql.DB) {
	n := c.cfg.Pool.size()
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(c.cfg.Pool.lifetime())
}

// Connect opens one server connection over verified TLS. When the server
// refuses the login with error 1045 it fetches credentials again (one
// fetch shared by all goroutines), tries them and, if configured, the
// pending credentials, and retries up to Config.LoginRetries times while
// the ctx deadline allows; when ctx ends during the retries, the error is
// the last refusal ([ErrAccessDenied]). Other errors are returned at once.
// Errors wrap
// the sentinels of this package and never contain a password or token.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	if c == nil || c.creds == nil {
		return nil, fmt.Errorf("%w: Connector not created by NewConnector", ErrInvalidConfig)
	}
	gen := c.creds.generation()
	cr, err := callProvider(ctx, c.creds.current)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
	}
	cr = c.creds.substitute(cr)
	conn, ep, err := c.login(ctx, cr)
	for round := 0; isAccessDenied(err) && round < c.retries; round++ {
		if round > 0 && !c.backoff(ctx, round) {
			break
		}
		c.log.WarnContext(ctx, "dbconn: login refused, fetching credentials again",
			"addr", ep.addr(), "user", cr.User, "round", round+1)
		fresh, g, ferr := c.creds.refreshed(ctx, gen, cr)
		if ferr != nil && ctx.Err() != nil {
			break // out of time: the refusal is the answer
		}
		if ferr != nil {
			return nil, fmt.Errorf("%w: refresh after refused login: %w (login error: %v)", ErrCredentials, ferr, explain(err, ep, c.iam != nil))
		}
		gen = g
		if fresh.equal(cr) && c.creds.pending == nil {
			break // nothing new to try: a wrong static password, say
		}
		if !fresh.equal(cr) {
			refused, refusedEp := err, ep
			cr = fresh
			conn, ep, err = c.login(ctx, cr)
			if err != nil && !isAccessDenied(err) && ctx.Err() != nil {
				// The deadline cut this retry short: report the refusal,
				// not the deadline, which says nothing about the cause.
				err, ep = refused, refusedEp
			}
			if !isAccessDenied(err) {
				break
			}
		}
		if c.creds.pending != nil {
			p, perr := callProvider(ctx, c.creds.pending)
			if perr != nil {
				c.log.WarnContext(ctx, "dbconn: pending credentials unavailable", "err", perr)
				continue
			}
			if p.equal(cr) || (p.User == "" && p.Password() == "") {
				continue
			}
			pconn, pep, perr := c.login(ctx, p)
			if perr == nil {
				c.log.InfoContext(ctx, "dbconn: logged in with pending credentials (rotation in progress)",
					"addr", pep.addr(), "user", p.User)
			}
			if perr != nil && !isAccessDenied(perr) && ctx.Err() != nil {
				break // out of time, as above: err still holds the refusal
			}
			if !isAccessDenied(perr) {
				conn, ep, err = pconn, pep, perr
				break
			}
		}
	}
	return c.finish(conn, ep, err)
}

func (c *Connector) finish(conn driver.Conn, ep endpoint, err error) (driver.Conn, error) {
	if errors.Is(err, ErrCredentials) {
		return nil, err
	}
	if err != nil {
		return nil, explain(err, ep, c.iam != nil)
	}
	return wrapConn(conn, c.now, c.cfg.Pool.lifetime()), nil
}

// login makes one connection attempt with cr.
func (c *Connector) login(ctx context.Context, cr Credentials) (driver.Conn, endpoint, error) {
	ep := endpoint{host: c.cfg.Host, port: c.cfg.Port, db: c.cfg.Database}
	if cr.Host != "" {
		ep.host = cr.Host
	}
	if cr.Port != 0 {
		ep.port = cr.Port
	}
	if cr.Database != "" {
		ep.db = cr.Database
	}
	user := cr.User
	if user == "" {
		user = c.cfg.User
	}
	if ep.host == "" || user == "" {
		return nil, ep, fmt.Errorf("%w: credentials provide no host or user", ErrCredentials)
	}
	if cr.Host != "" {
		if err := checkHost(cr.Host); err != nil {
			return nil, ep, fmt.Errorf("%w: credentials host %q: %v", ErrCredentials, cr.Host, err)
		}
	}
	if ep.port < 1 || ep.port > 65535 {
		return nil, ep, fmt.Errorf("%w: credentials port %d out of range", ErrCredentials, ep.port)
	}
	if err := checkName(user); err != nil {
		return nil, ep, fmt.Errorf("%w: credentials user: %w", ErrCredentials, err)
	}
	if err := checkName(ep.db); err != nil {
		return nil, ep, fmt.Errorf("%w: credentials database: %w", ErrCredentials, err)
	}

	mc := mysql.NewConfig()
	mc.Net = "tcp"
	mc.Addr = ep.addr()
	mc.User = user
	mc.Passwd = cr.Password()
	mc.DBName = ep.db
	// The server name follows the host actually dialled, also when the
	// credentials moved it: verifying against a stale name would either
	// fail or, worse, accept the wrong server.
	mc.TLS = tlsConfig(c.roots, ep.host)
	// Note when the server has proved who it is, so that an error sent
	// before that (by anyone on the path) is not taken for the server's
	// verdict on the credentials.
	var verified atomic.Bool
	mc.TLS.VerifyConnection = func(tls.ConnectionState) error { verified.Store(true); return nil }
	mc.AllowFallbackToPlaintext = false
	mc.AllowCleartextPasswords = c.iam != nil // only ever over the TLS above
	mc.Timeout = c.cfg.DialTimeout
	mc.ReadTimeout = c.cfg.ReadTimeout
	mc.WriteTimeout = c.cfg.WriteTimeout
	mc.ParseTime = true
	mc.InterpolateParams = c.cfg.Pool.Proxy
	mc.RejectReadOnly = c.cfg.RejectReadOnly
	mc.Logger = c.dlog
	var nc net.Conn
	mc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var err error
		if c.dial != nil {
			nc, err = c.dial(ctx, network, addr)
		} else {
			var d net.Dialer
			nc, err = d.DialContext(ctx, network, addr)
		}
		return nc, err
	}
	mconn, err := mysql.NewConnector(mc)
	if err != nil {
		// NewConnector only fails on a malformed config, which the
		// checks above exclude; do not echo mc, it holds the password.
		return nil, ep, fmt.Errorf("%w: driver refused the configuration", ErrInvalidConfig)
	}
	conn, err := connect(ctx, mconn, &nc)
	if isAccessDenied(err) && !verified.Load() {
		// MySQL and MariaDB refuse a login only after reading it, which
		// dbconn sends inside TLS. A refusal before TLS is forged or
		// garbled; it must not set off credential refreshes and retries,
		// nor be reported as a wrong password.
		return nil, ep, fmt.Errorf("%w: %s refused the login before TLS started, which no MySQL or MariaDB server does; something on the network path answered instead of the server", ErrProtocol, ep.addr())
	}
	if err == nil {
		c.log.DebugContext(ctx, "dbconn: connected", "addr", ep.addr(), "user", user, "database", ep.db)
	}
	return conn, ep, err
}

// connect runs the driver's Connect, turning the panic some malformed
// server handshakes cause in the driver into an error, and closing the
// socket the driver then leaves open.
func connect(ctx context.Context, mconn driver.Connector, nc *net.Conn) (conn driver.Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			if *nc != nil {
				(*nc).Close()
			}
			conn, err = nil, fmt.Errorf("%w: the driver could not parse the server's handshake", ErrProtocol)
		}
	}()
	return mconn.Connect(ctx)
}

// backoff waits before retry round (1, 2, ...): 100 ms doubling to at most
// 2 s, with jitter so that environments refused together do not retry
// together. It returns false, without waiting, when the wait would not fit
// in ctx's deadline.
func (c *Connector) backoff(ctx context.Context, round int) bool {
	d := min(100*time.Millisecond<<(round-1), 2*time.Second)
	d = d/2 + rand.N(d/2+1)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// driverLogger sends go-sql-driver's messages to the configured slog
// logger instead of the driver's default of standard error.
type driverLogger struct{ l *slog.Logger }

func (d driverLogger) Print(v ...any) { d.l.Warn("dbconn: mysql driver", "msg", fmt.Sprint(v...)) }

// Open returns a pool for cfg, applies cfg.Pool and makes the first
// connection within ctx, so a wrong password, CA or host name is reported
// here rather than on the first request. On error nothing stays open.
//
// In Lambda, call it in the init phase (outside the handler) and close the
// pool on SIGTERM with [CloseOnSIGTERM].
func Open(ctx context.Context, cfg Config) (*sql.DB, error) {
	c, err := NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	var dc driver.Connector = c
	if cfg.Wrap != nil {
		dc = cfg.Wrap(c)
	}
	db := sql.OpenDB(dc)
	c.Configure(db)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
