// Package dbconn opens MySQL and MariaDB connection pools for AWS Lambda
// functions: TLS-only and verified against the Amazon RDS certificate
// authorities, sized to the function's reserved concurrency, and able to
// ride out a password rotation without a restart.
//
// It builds on database/sql and github.com/go-sql-driver/mysql. [Open]
// returns an ordinary *sql.DB:
//
//	db, err := dbconn.Open(ctx, dbconn.Config{
//		Host:        "orders.cluster-abc.eu-west-1.rds.amazonaws.com",
//		Database:    "orders",
//		Credentials: fromSecret, // or StaticCredentials, or IAM
//	})
//
// # Security model
//
//   - TLS is mandatory and there is no setting to relax it. The server
//     certificate must chain to the system roots, the embedded RDS global
//     bundle (parsed once, on first use) or the PEM in [Config.RootCAs],
//     and must be valid for the host dialled, TLS 1.2 or later. A server
//     that offers no TLS is refused with [ErrNoTLS] before any credential
//     is sent.
//   - The host name verified is the host dialled, also when the
//     credentials (an RDS secret carries a host) move the connection
//     elsewhere.
//   - Nothing is sent before TLS is verified. Inside it, what reaches the
//     server depends on the authentication plugin the server names (see
//     below); clear-text authentication is enabled only for IAM tokens.
//   - Passwords and tokens never appear in errors or logs, and no DSN is
//     built or logged. [Config] holds no password, and [Credentials] keeps
//     its password behind a method, so no way of printing, logging or
//     JSON-encoding either shows it.
//   - A malformed server handshake (which an attacker on the path can send
//     before TLS starts) is an [ErrProtocol] error, not a panic.
//
// # What reaches the server
//
// A server names an authentication plugin in its greeting or in an auth
// switch, and go-sql-driver answers a password login with:
//
//	mysql_native_password             a scramble (SHA-1 of password and nonce)
//	caching_sha2_password, fast path  a scramble (SHA-256 of password and nonce)
//	caching_sha2_password, full auth  the password itself, inside TLS
//	sha256_password                   the password itself, inside TLS
//	mysql_clear_password              in a switch: refused; in a greeting: a native scramble
//	                                  (IAM logins send their token this way)
//
// caching_sha2_password is the default of MySQL 8, and so of RDS for MySQL
// 8; its server asks for full authentication on a user's first login after
// it started or flushed its cache, and MySQL's own clients then send the
// password inside TLS as well. dbconn allows it because only a server
// holding a certificate valid for the host dialled can read that TLS, and
// refusing would break such logins after every server restart. Where even
// the genuine server must never see the password, create the users WITH
// mysql_native_password, or use IAM authentication.
//
// # Sizing for Lambda
//
// A Lambda execution environment serves one request at a time, so each one
// needs one connection, and the function can hold up to reserved
// concurrency × connections per environment at once. [Plan] checks that
// number against the server's max_connections, keeping a reserve for
// administration, the rotation function and other clients, and explains
// the ways out when it does not fit: cap reserved concurrency, put RDS
// Proxy in front, or use a larger instance. Put the returned [Pool] in
// [Config.Pool]. [Open] sets MaxOpenConns = MaxIdleConns = PerEnvironment
// (1 by default) and ConnMaxLifetime (5 minutes by default), which
// database/sql checks when it hands a connection out, so a connection that
// went stale while the environment was frozen is replaced rather than
// used. With RDS Proxy ([Pool.Proxy]) query parameters are interpolated by
// the client so that prepared statements do not pin proxy sessions.
//
// # Rotation
//
// [Config.Credentials] is called for each new connection. When the server
// refuses a login with error 1045, dbconn calls [Config.RefreshCredentials]
// once for all goroutines that saw the refusal, retries with the result
// and, when configured, with [Config.PendingCredentials] (the AWSPENDING
// stage, which is the only working password between a rotation's
// setSecret and finishSecret steps), with a short backoff and never past
// the caller's deadline. Other errors are never retried. Connections
// already open are not affected by a rotation.
//
// # What you still have to do
//
//   - Give the function reserved concurrency and size it with [Plan].
//   - Close the pool when Lambda shuts the environment down, or its
//     connections stay open on the server until wait_timeout (8 hours by
//     default): lambda.StartWithOptions(handler, dbconn.CloseOnSIGTERM(db)).
//     Lowering wait_timeout for the function's user limits what a crash
//     leaves behind.
//   - Pass a context with a deadline to every query, below the function's
//     timeout.
//   - With PerEnvironment 1, run queries inside a transaction through the
//     *sql.Tx, never through db while the transaction is open: the second
//     query would wait for the only connection, which the transaction holds.
//   - Enforce TLS on the server too (require_secure_transport, or REQUIRE
//     SSL per user), so other clients cannot log in without it.
//
// Errors wrap this package's sentinels with a hint: [ErrAccessDenied]
// (1045), [ErrTLSRequired] (3159), [ErrTooManyConnections] (1040, 1203,
// 1226), [ErrUnknownAuthority], [ErrHostMismatch], [ErrNoTLS],
// [ErrCredentials]. Use errors.Is.
package dbconn
