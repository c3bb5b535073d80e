package dbconn

import (
	"context"
	"crypto/tls"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"
)

// driverConfig is the go-sql-driver configuration of one login to ep as
// user: TLS verified against the host dialled, never plain text, clear-text
// passwords only for IAM tokens. verified is set once the server's
// certificate checked out; nc receives the dialled socket.
func (c *Connector) driverConfig(ep endpoint, user, password string, verified *atomic.Bool, nc *net.Conn) *mysql.Config {
	mc := mysql.NewConfig()
	mc.Net = "tcp"
	mc.Addr = ep.addr()
	mc.User = user
	mc.Passwd = password
	mc.DBName = ep.db
	// The server name follows the host actually dialled, also when the
	// credentials moved it: verifying against a stale name would either
	// fail or, worse, accept the wrong server.
	mc.TLS = tlsConfig(c.roots, ep.host)
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
	mc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var err error
		if c.dial != nil {
			*nc, err = c.dial(ctx, network, addr)
		} else {
			var d net.Dialer
			*nc, err = d.DialContext(ctx, network, addr)
		}
		return *nc, err
	}
	return mc
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

// driverLogger sends go-sql-driver's messages to the configured slog
// logger instead of the driver's default of standard error.
type driverLogger struct{ l *slog.Logger }

func (d driverLogger) Print(v ...any) { d.l.Warn("dbconn: mysql driver", "msg", fmt.Sprint(v...)) }
