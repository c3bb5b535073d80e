package dbconn

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"
)

// Sentinel errors, always wrapped with a hint and, where there is one, the
// cause (the driver's *mysql.MySQLError, an x509 error): use errors.Is for
// the sentinel and errors.As for the cause. Connection errors come from
// [Connector.Connect], and so from [Open], [Ping] and any query that needs
// a new connection.
var (
	// ErrInvalidConfig is returned by [NewConnector], [Open] and [Plan]
	// for a configuration they cannot use.
	ErrInvalidConfig = errors.New("dbconn: invalid config")
	// ErrNoTLS is returned when the server does not offer TLS. dbconn
	// never falls back to plain text.
	ErrNoTLS = errors.New("dbconn: server does not offer TLS")
	// ErrUnknownAuthority is returned when the server certificate does not
	// chain to the system roots, the embedded RDS bundle or Config.RootCAs.
	ErrUnknownAuthority = errors.New("dbconn: server certificate signed by unknown authority")
	// ErrHostMismatch is returned when the server certificate is not valid
	// for the host name connected to.
	ErrHostMismatch = errors.New("dbconn: server certificate is not valid for host")
	// ErrAccessDenied is returned when the server refused the login (MySQL
	// error 1045) after the credential refresh and retries.
	ErrAccessDenied = errors.New("dbconn: access denied")
	// ErrTLSRequired is returned for MySQL error 3159 (the server requires
	// secure transport).
	ErrTLSRequired = errors.New("dbconn: server requires TLS")
	// ErrTooManyConnections is returned for MySQL errors 1040, 1203 and
	// 1226: the server or the user has no connection left.
	ErrTooManyConnections = errors.New("dbconn: too many connections")
	// ErrCredentials is returned when a credentials provider or the IAM
	// token signer failed. Its cause is wrapped.
	ErrCredentials = errors.New("dbconn: cannot get credentials")
	// ErrPlanDoesNotFit is returned by [Plan] when the connections the
	// functions may open exceed what the server allows; the error is a
	// [*PlanError].
	ErrPlanDoesNotFit = errors.New("dbconn: pool plan does not fit the database")
	// ErrProtocol is returned when the server's answer is malformed (the
	// driver would otherwise panic on some of them), or when a login is
	// refused before TLS started, which no server does. Before TLS starts,
	// an attacker on the network path can send such answers; they never
	// trigger a credential refresh.
	ErrProtocol = errors.New("dbconn: malformed answer from server")
	// ErrCABundle is returned by [NewConnector] and [Open] when the
	// embedded RDS certificate bundle yields no certificate, or holds one
	// that does not parse or is not a CA, which means the module was
	// built from a damaged copy.
	ErrCABundle = errors.New("dbconn: embedded RDS CA bundle is unusable")
)

// MySQL and MariaDB server error numbers dbconn explains.
const (
	erAccessDenied        = 1045
	erAccessDeniedNoPass  = 1698
	erConCount            = 1040
	erTooManyUserConns    = 1203
	erUserLimitReached    = 1226
	erSecureTransportReqd = 3159
)

func isAccessDenied(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == erAccessDenied || me.Number == erAccessDeniedNoPass)
}

// explain maps a connect error to a sentinel with a hint. The server's
// message is kept (it names the user, never the password); the password or
// token is never part of an error.
func explain(err error, ep endpoint, iam bool) error {
	if err == nil {
		return nil
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erAccessDenied, erAccessDeniedNoPass:
			hint := "wrong user or password, or a rotation in progress that the credentials provider does not see yet"
			if iam {
				hint = "the IAM token was refused: check that the user was created WITH AWSAuthenticationPlugin, that the role may rds-db:connect as this user, and that host, port and region match the database"
			}
			return fmt.Errorf("%w to %s (mysql %d): %s; the connection used verified TLS, so REQUIRE SSL is not the cause (REQUIRE X509 would be: dbconn sends no client certificate): %w",
				ErrAccessDenied, ep.addr(), me.Number, hint, err)
		case erSecureTransportReqd:
			return fmt.Errorf("%w on %s (mysql %d): %w", ErrTLSRequired, ep.addr(), me.Number, err)
		case erConCount, erTooManyUserConns, erUserLimitReached:
			return fmt.Errorf("%w on %s (mysql %d): the functions open more connections than the server allows; size with dbconn.Plan (cap reserved concurrency, use RDS Proxy or a larger instance), close pools on SIGTERM with dbconn.CloseOnSIGTERM and lower wait_timeout so recycled environments do not leave orphaned connections: %w",
				ErrTooManyConnections, ep.addr(), me.Number, err)
		}
		return fmt.Errorf("dbconn: connect to %s: %w", ep.addr(), err)
	}
	if errors.Is(err, mysql.ErrCleartextPassword) {
		return fmt.Errorf("%w to %s: the server asked for the password in clear text; dbconn sends only IAM tokens that way (set Config.IAM for an IAM user): %w", ErrAccessDenied, ep.addr(), err)
	}
	if errors.Is(err, mysql.ErrNoTLS) {
		return fmt.Errorf("%w: %s answered without TLS support; dbconn never sends credentials in plain text, enable TLS on the server (RDS always offers it): %w", ErrNoTLS, ep.addr(), err)
	}
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return fmt.Errorf("%w: %s presented a certificate that chains to neither the system roots nor the embedded RDS bundle; for a server outside RDS add its CA with Config.RootCAs: %w", ErrUnknownAuthority, ep.addr(), err)
	}
	var he x509.HostnameError
	if errors.As(err, &he) {
		return fmt.Errorf("%w %q: connect with the endpoint name the certificate was issued for (the RDS or proxy endpoint, not an IP address or a CNAME): %w", ErrHostMismatch, ep.host, err)
	}
	return fmt.Errorf("dbconn: connect to %s: %w", ep.addr(), err)
}
