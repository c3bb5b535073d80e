package dbconn

import (
	"context"
	"errors"
	"log/slog"

	"github.com/lambdasec/lambdasec/secevent"
)

// eventReasons name the failed connections that are security events, most
// specific first. A server that offers no TLS or a certificate that does
// not verify may be an interception; a refused login, a rotation gone
// wrong or a revoked permission. Other failures (timeouts, too many
// connections) are availability, reported by the error alone.
var eventReasons = []struct {
	err    error
	reason string
}{
	{ErrNoTLS, "db_no_tls"},
	{ErrUnknownAuthority, "db_certificate_unknown_authority"},
	{ErrHostMismatch, "db_certificate_host_mismatch"},
	{ErrProtocol, "db_protocol"},
	{ErrAccessDenied, "db_access_denied"},
	{ErrCredentials, "db_credentials_unavailable"},
}

// report sends the security event of a failed connection to
// Config.Events: sys_dependency_fail with the reason and the server's
// address, never a user, password or token.
func (c *Connector) report(ctx context.Context, ep endpoint, err error) {
	if c.events == nil || err == nil {
		return
	}
	for _, r := range eventReasons {
		if errors.Is(err, r.err) {
			e := secevent.Event{Name: secevent.SysDependencyFail, Reason: r.reason}
			if ep.host != "" {
				e.Attrs = []slog.Attr{slog.String("addr", ep.addr())}
			}
			secevent.Emit(ctx, c.events, e)
			return
		}
	}
}
