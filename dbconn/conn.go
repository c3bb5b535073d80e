package dbconn

import (
	"context"
	"database/sql/driver"
	"time"
)

// mysqlConn is the set of interfaces go-sql-driver's connection implements
// and database/sql uses. Embedding it in conn forwards exactly these.
type mysqlConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// conn enforces the connection lifetime with the Connector's clock when
// database/sql hands the connection out (ResetSession) and takes it back
// (IsValid). database/sql enforces ConnMaxLifetime too, but only when the
// pool was configured with it; this way a Connector used through
// sql.OpenDB without Configure, or behind a wrapper, still replaces its
// connections.
type conn struct {
	mysqlConn
	now     func() time.Time
	expires time.Time
}

func wrapConn(c driver.Conn, now func() time.Time, lifetime time.Duration) driver.Conn {
	mc, ok := c.(mysqlConn)
	if !ok {
		return c
	}
	return &conn{mysqlConn: mc, now: now, expires: now().Add(lifetime)}
}

// ResetSession reports driver.ErrBadConn for an expired connection, which
// makes database/sql close it and dial a new one.
func (c *conn) ResetSession(ctx context.Context) error {
	if !c.now().Before(c.expires) {
		return driver.ErrBadConn
	}
	return c.mysqlConn.ResetSession(ctx)
}

// IsValid reports false for an expired connection.
func (c *conn) IsValid() bool {
	return c.now().Before(c.expires) && c.mysqlConn.IsValid()
}
