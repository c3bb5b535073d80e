package dbconn

import (
	"cmp"
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lambdasec/lambdasec/secevent"
)

// Defaults applied by [NewConnector] and [Open] to zero Config fields.
const (
	DefaultPort            = 3306
	DefaultDialTimeout     = 5 * time.Second
	DefaultReadTimeout     = 30 * time.Second
	DefaultWriteTimeout    = 30 * time.Second
	DefaultPerEnvironment  = 1
	DefaultConnMaxLifetime = 5 * time.Minute
	DefaultLoginRetries    = 3
	DefaultPingTimeout     = 2 * time.Second
)

// Config describes one MySQL or MariaDB database reached over verified TLS.
//
// Exactly one way to log in must be chosen: Credentials (a provider, for
// example one backed by Secrets Manager, or [StaticCredentials]) or IAM.
// Config holds no password itself, so no way of printing it can show one.
// There is deliberately no field that turns TLS or certificate
// verification off.
type Config struct {
	// Host is the server's DNS name, normally the RDS or RDS Proxy endpoint.
	// It is also the name the server certificate is verified against, so
	// use the endpoint name, not an IP address or a CNAME. Required unless
	// Credentials supplies the host.
	Host string
	// Port is the server's TCP port. Zero means 3306.
	Port int
	// Database is the default schema. Empty means none; Credentials may
	// supply it. It must not hold control characters.
	Database string
	// User is the login name. Credentials may override it. It must not
	// hold control characters.
	User string

	// Credentials returns the login for each new server connection. It is
	// called often (every ConnMaxLifetime at least), so it should answer
	// from a cache. See [CredentialsFunc].
	Credentials CredentialsFunc
	// RefreshCredentials is called, once for all goroutines, after the
	// server refused a login with error 1045. It must bypass caches (for a
	// Secrets Manager cache: a forced refresh). Nil means Credentials is
	// called again.
	RefreshCredentials CredentialsFunc
	// PendingCredentials, when set, returns the credentials that a rotation
	// in progress is about to promote (the AWSPENDING stage of a Secrets
	// Manager secret). They are tried only after the current and the
	// refreshed credentials were both refused, which is the window between
	// a rotation's setSecret and finishSecret steps. Nil means never.
	PendingCredentials CredentialsFunc
	// IAM, when set, logs in with an RDS IAM authentication token instead
	// of a password. See [IAM].
	IAM *IAM

	// RootCAs holds extra PEM certificates trusted in addition to the
	// system roots and the embedded RDS bundle, for servers outside RDS.
	// It must contain at least one certificate when set.
	RootCAs []byte

	// Pool sizes the connection pool; use [Plan] to compute it. The zero
	// value is one connection per environment with a 5 minute lifetime.
	Pool Pool

	// DialTimeout bounds the TCP connect. Zero means 5 seconds.
	DialTimeout time.Duration
	// ReadTimeout and WriteTimeout bound each network read and write, so a
	// connection left half-open by a frozen execution environment fails
	// instead of hanging. Zero means 30 seconds (just above API Gateway's
	// 29 second integration timeout).
	ReadTimeout, WriteTimeout time.Duration
	// LoginRetries is how many times a login refused with error 1045 is
	// retried with refreshed (and pending) credentials, with a short
	// exponential backoff in between, before the error is returned. A retry
	// that would not fit in the caller's context deadline is not started.
	// Zero means 3.
	LoginRetries int
	// RejectReadOnly makes a connection to a read-only server (an Aurora
	// writer that was just demoted by a failover) fail so the pool dials
	// again. False keeps such connections.
	RejectReadOnly bool

	// Wrap, when set, wraps the connector before [Open] hands it to
	// database/sql, for instrumentation such as tracing.
	Wrap func(driver.Connector) driver.Connector
	// Logger receives connection events (new connection, refused login,
	// credential refresh) and the driver's own messages; passwords, tokens
	// and DSNs are never logged. Nil means slog.Default().
	Logger *slog.Logger
	// Events receives a sys_dependency_fail security event (package
	// secevent) for each connection that fails for a reason security
	// monitoring should see: no TLS or a certificate that does not verify
	// (reasons db_no_tls, db_certificate_unknown_authority,
	// db_certificate_host_mismatch, db_protocol), a refused login after
	// the credential refresh (db_access_denied) or credentials that could
	// not be read (db_credentials_unavailable). Nil means none.
	Events secevent.Sink
	// Now is the clock for IAM token reuse and connection lifetime. Nil
	// means time.Now.
	Now func() time.Time
}

// withDefaults returns a copy of cfg with the documented defaults in place
// of zero fields, or an error wrapping [ErrInvalidConfig] if cfg cannot be
// used.
func (cfg Config) withDefaults() (Config, error) {
	if (cfg.Credentials == nil) == (cfg.IAM == nil) {
		return cfg, invalidConfig("set exactly one of Credentials and IAM")
	}
	if cfg.Credentials == nil && (cfg.RefreshCredentials != nil || cfg.PendingCredentials != nil) {
		return cfg, invalidConfig("RefreshCredentials and PendingCredentials need Credentials")
	}
	if cfg.Host == "" && cfg.Credentials == nil {
		return cfg, invalidConfig("Host is required")
	}
	if cfg.Host != "" {
		if err := checkHost(cfg.Host); err != nil {
			return cfg, invalidConfig("Host %q: %w", cfg.Host, err)
		}
	}
	if cfg.User == "" && cfg.Credentials == nil {
		return cfg, invalidConfig("User is required")
	}
	if err := checkName(cfg.User); err != nil {
		return cfg, invalidConfig("User: %w", err)
	}
	if err := checkName(cfg.Database); err != nil {
		return cfg, invalidConfig("Database: %w", err)
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return cfg, invalidConfig("Port %d out of range", cfg.Port)
	}
	cfg.Port = cmp.Or(cfg.Port, DefaultPort)
	if cfg.IAM != nil {
		if cfg.IAM.Region == "" {
			return cfg, invalidConfig("IAM.Region is required")
		}
		if cfg.IAM.Credentials == nil {
			return cfg, invalidConfig("IAM.Credentials is required")
		}
	}
	for _, d := range []*time.Duration{&cfg.DialTimeout, &cfg.ReadTimeout, &cfg.WriteTimeout, &cfg.Pool.ConnMaxLifetime} {
		if *d < 0 {
			return cfg, invalidConfig("negative duration %v", *d)
		}
	}
	if cfg.Pool.PerEnvironment < 0 || cfg.LoginRetries < 0 {
		return cfg, invalidConfig("Pool.PerEnvironment and LoginRetries must not be negative")
	}
	cfg.DialTimeout = cmp.Or(cfg.DialTimeout, DefaultDialTimeout)
	cfg.ReadTimeout = cmp.Or(cfg.ReadTimeout, DefaultReadTimeout)
	cfg.WriteTimeout = cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	return cfg, nil
}

// String describes c: where it connects and how it logs in.
func (c Config) String() string {
	return fmt.Sprintf("dbconn.Config{Host:%q Port:%d Database:%q User:%q IAM:%t}",
		c.Host, c.Port, c.Database, c.User, c.IAM != nil)
}

// GoString is like String.
func (c Config) GoString() string { return c.String() }

// Format prints [Config.String] for every verb, so that no verb walks the
// fields (which hold credential providers) by reflection.
func (c Config) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs what String shows, so that slog's JSON handler does not
// try to marshal the fields.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("host", c.Host), slog.Int("port", c.Port),
		slog.String("database", c.Database), slog.String("user", c.User),
		slog.Bool("iam", c.IAM != nil))
}

// Pool holds the per-execution-environment pool settings that [Open] and
// [Connector.Configure] apply to a *sql.DB. Its zero value is the Lambda
// default: one connection, kept idle between invocations, replaced after
// 5 minutes.
type Pool struct {
	// PerEnvironment is both MaxOpenConns and MaxIdleConns. Zero means 1:
	// a Lambda execution environment serves one request at a time. Raise
	// it only if a handler holds a transaction while running other queries
	// or queries in parallel; with too few connections such a handler
	// waits for itself until its context ends.
	PerEnvironment int
	// ConnMaxLifetime is when a connection is replaced. database/sql checks
	// it when it hands a connection out, so it also works after an
	// execution environment was frozen for a long time, unlike an idle
	// timeout, which needs a background goroutine to run. Keep it below the
	// server's wait_timeout and RDS Proxy's IdleClientTimeout. Zero means
	// 5 minutes.
	ConnMaxLifetime time.Duration
	// Proxy says the host is an RDS Proxy endpoint. Query parameters are
	// then interpolated by the client (interpolateParams), because
	// server-side prepared statements pin proxy sessions.
	Proxy bool
}

// size and lifetime apply the defaults; Config.withDefaults has refused
// negative values.
func (p Pool) size() int { return cmp.Or(p.PerEnvironment, DefaultPerEnvironment) }

func (p Pool) lifetime() time.Duration { return cmp.Or(p.ConnMaxLifetime, DefaultConnMaxLifetime) }

// IAM configures RDS IAM database authentication. The token, signed locally
// with AWS credentials, is sent in clear text inside the TLS connection
// (the mysql_clear_password plugin); dbconn enables clear-text passwords
// only for IAM logins and only over verified TLS.
type IAM struct {
	// Region is the database's AWS region. Required.
	Region string
	// Credentials signs the token, normally aws.Config.Credentials.
	// Required.
	Credentials aws.CredentialsProvider
}

// CredentialsFunc returns the login for a new connection. It must be safe
// for concurrent use and should honour ctx. Its errors, and its panics
// (without the panic value), reach the caller wrapped in [ErrCredentials]. An adapter for a Secrets
// Manager cache is a few lines; dbconn does not import one so that it stays
// usable with any source.
type CredentialsFunc func(ctx context.Context) (Credentials, error)

// StaticCredentials returns a provider that always answers c, for a fixed
// password (local runs and tests). Prefer a Secrets Manager backed
// provider or IAM in production.
func StaticCredentials(c Credentials) CredentialsFunc {
	return func(context.Context) (Credentials, error) { return c, nil }
}

// Credentials is a login. Host, Port and Database, when set, override the
// [Config] values, as the RDS secret JSON carries them; the server
// certificate is then verified against that Host. Build it with
// [NewCredentials] and set the other fields as needed.
//
// The password is not a field: it is held behind a pointer and read with
// [Credentials.Password], so that no way of printing or encoding a
// Credentials shows it. fmt (every verb, also %p and as an unexported field
// of another struct, where fmt reaches fields by reflection) prints at most
// an address, encoding/json skips it, and String, GoString, Format and
// LogValue show [REDACTED].
type Credentials struct {
	User     string
	Host     string
	Port     int
	Database string

	pw *string // nil: no password
}

// NewCredentials returns the login user with password.
func NewCredentials(user, password string) Credentials {
	return Credentials{User: user, pw: &password}
}

// Password returns the password, "" when there is none.
func (c Credentials) Password() string {
	if c.pw == nil {
		return ""
	}
	return *c.pw
}

// equal reports whether c and d are the same login (== would compare the
// password pointers).
func (c Credentials) equal(d Credentials) bool {
	return c.User == d.User && c.Host == d.Host && c.Port == d.Port &&
		c.Database == d.Database && c.Password() == d.Password()
}

// String describes c without its password.
func (c Credentials) String() string {
	return fmt.Sprintf("dbconn.Credentials{User:%q Password:%s Host:%q Port:%d Database:%q}",
		c.User, c.redacted(), c.Host, c.Port, c.Database)
}

// GoString is like String.
func (c Credentials) GoString() string { return c.String() }

// Format prints [Credentials.String] for every verb, so that no verb walks
// the fields by reflection.
func (c Credentials) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs c without its password.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user", c.User), slog.String("password", c.redacted()),
		slog.String("host", c.Host), slog.Int("port", c.Port), slog.String("database", c.Database))
}

// MarshalJSON encodes c with its password redacted, so that a Credentials
// put in a JSON log or response shows that it had one.
func (c Credentials) MarshalJSON() ([]byte, error) {
	pw := ""
	if c.Password() != "" {
		pw = "[REDACTED]"
	}
	return json.Marshal(struct {
		User     string `json:"user,omitempty"`
		Password string `json:"password,omitempty"`
		Host     string `json:"host,omitempty"`
		Port     int    `json:"port,omitempty"`
		Database string `json:"database,omitempty"`
	}{c.User, pw, c.Host, c.Port, c.Database})
}

func (c Credentials) redacted() string {
	if c.Password() == "" {
		return `""`
	}
	return "[REDACTED]"
}
