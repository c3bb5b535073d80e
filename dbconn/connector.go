package dbconn

import (
	"cmp"
	"context"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/lambdasec/lambdasec/secevent"
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
	events  secevent.Sink
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
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	roots, err := rootPool(cfg.RootCAs)
	if err != nil {
		return nil, err
	}
	cfg.RootCAs = nil // parsed; do not keep a second copy alive
	c := &Connector{
		cfg:     cfg,
		roots:   roots,
		now:     cfg.Now,
		log:     cmp.Or(cfg.Logger, slog.Default()),
		events:  cfg.Events,
		retries: cmp.Or(cfg.LoginRetries, DefaultLoginRetries),
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.dlog = driverLogger{c.log}
	if cfg.IAM != nil {
		c.iam = &iamTokens{endpoint: endpoint{host: cfg.Host, port: cfg.Port}.addr(),
			region: cfg.IAM.Region, user: cfg.User, creds: cfg.IAM.Credentials, now: c.now}
		c.creds = c.iam.refresher(cfg.User)
	} else {
		c.creds = &refresher{current: cfg.Credentials, refresh: cfg.RefreshCredentials, pending: cfg.PendingCredentials}
		if c.creds.refresh == nil {
			c.creds.refresh = cfg.Credentials
		}
	}
	return c, nil
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
// Errors wrap the sentinels of this package and never contain a password
// or token.
func (c *Connector) Connect(ctx context.Context) (driver.Conn, error) {
	if c == nil || c.creds == nil {
		return nil, fmt.Errorf("%w: Connector not created by NewConnector", ErrInvalidConfig)
	}
	gen := c.creds.generation()
	cr, err := callProvider(ctx, c.creds.current)
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrCredentials, err)
		c.report(ctx, endpoint{}, err)
		return nil, err
	}
	cr = c.creds.substitute(cr)
	a := c.login(ctx, cr)
	if isAccessDenied(a.err) {
		a = c.retryRefused(ctx, gen, cr, a)
	}
	conn, err := c.finish(a)
	c.report(ctx, a.ep, err)
	return conn, err
}

// finish turns the last attempt into Connect's answer.
func (c *Connector) finish(a attempt) (driver.Conn, error) {
	if errors.Is(a.err, ErrCredentials) {
		return nil, a.err
	}
	if a.err != nil {
		return nil, explain(a.err, a.ep, c.iam != nil)
	}
	return wrapConn(a.conn, c.now, c.cfg.Pool.lifetime()), nil
}

// attempt is the outcome of one login.
type attempt struct {
	conn driver.Conn
	ep   endpoint
	err  error
}

// login makes one connection attempt with cr.
func (c *Connector) login(ctx context.Context, cr Credentials) attempt {
	ep, user, err := c.resolve(cr)
	if err != nil {
		return attempt{ep: ep, err: err}
	}
	// Note when the server has proved who it is, so that an error sent
	// before that (by anyone on the path) is not taken for the server's
	// verdict on the credentials.
	var verified atomic.Bool
	var nc net.Conn
	mc := c.driverConfig(ep, user, cr.Password(), &verified, &nc)
	mconn, err := mysql.NewConnector(mc)
	if err != nil {
		// NewConnector only fails on a malformed config, which resolve
		// excludes; do not echo mc, it holds the password.
		return attempt{ep: ep, err: fmt.Errorf("%w: driver refused the configuration", ErrInvalidConfig)}
	}
	conn, err := connect(ctx, mconn, &nc)
	if isAccessDenied(err) && !verified.Load() {
		// MySQL and MariaDB refuse a login only after reading it, which
		// dbconn sends inside TLS. A refusal before TLS is forged or
		// garbled; it must not set off credential refreshes and retries,
		// nor be reported as a wrong password.
		return attempt{ep: ep, err: fmt.Errorf("%w: %s refused the login before TLS started, which no MySQL or MariaDB server does; something on the network path answered instead of the server", ErrProtocol, ep.addr())}
	}
	if err == nil {
		c.log.DebugContext(ctx, "dbconn: connected", "addr", ep.addr(), "user", user, "database", ep.db)
	}
	return attempt{conn: conn, ep: ep, err: err}
}

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
