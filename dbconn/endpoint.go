package dbconn

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// endpoint is where one login attempt goes.
type endpoint struct {
	host string
	port int
	db   string
}

func (e endpoint) addr() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }

// resolve returns where a login with cr goes and as whom: the credentials'
// host, port, database and user where they set them, the Config's
// otherwise. Values from the credentials (which may come from a secret)
// pass the same checks as the Config's.
func (c *Connector) resolve(cr Credentials) (endpoint, string, error) {
	ep := endpoint{host: cmp.Or(cr.Host, c.cfg.Host), port: cmp.Or(cr.Port, c.cfg.Port), db: cmp.Or(cr.Database, c.cfg.Database)}
	user := cmp.Or(cr.User, c.cfg.User)
	if ep.host == "" || user == "" {
		return ep, "", fmt.Errorf("%w: credentials provide no host or user", ErrCredentials)
	}
	if cr.Host != "" {
		if err := checkHost(cr.Host); err != nil {
			return ep, "", fmt.Errorf("%w: credentials host %q: %w", ErrCredentials, cr.Host, err)
		}
	}
	if ep.port < 1 || ep.port > 65535 {
		return ep, "", fmt.Errorf("%w: credentials port %d out of range", ErrCredentials, ep.port)
	}
	if err := checkName(user); err != nil {
		return ep, "", fmt.Errorf("%w: credentials user: %w", ErrCredentials, err)
	}
	if err := checkName(ep.db); err != nil {
		return ep, "", fmt.Errorf("%w: credentials database: %w", ErrCredentials, err)
	}
	return ep, user, nil
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
		return errors.New("not a host name")
	}
	if strings.Contains(h, ":") && net.ParseIP(h) == nil {
		return errors.New("not a host name (put the port in Port)")
	}
	return nil
}
