// Package xrayenv keeps a bad AWS_XRAY_DAEMON_ADDRESS from crashing the
// program before main runs.
//
// The X-Ray SDK parses AWS_XRAY_DAEMON_ADDRESS in a package-level variable
// initialiser and panics when it cannot resolve it. This package is
// initialised before the SDK: Go initialises packages in import-path order
// among those whose imports are ready, and the SDK depends on packages whose
// paths sort after this one (google.golang.org/grpc, github.com/valyala/...)
// and that import everything this package imports. Its init moves a value
// the SDK could choke on out of the environment; tracing puts it back right
// after the SDK has initialised and reports it from tracing.New as an error.
//
// It imports only os and strings on purpose: anything more could delay its
// initialisation past the SDK's.
package xrayenv

import (
	"os"
	"strings"
)

// Name is the variable the SDK reads at initialisation.
const Name = "AWS_XRAY_DAEMON_ADDRESS"

// held is the value taken out of the environment, and whether one was.
// Written once by init, read by Restore; never changed afterwards.
var (
	held    string
	removed bool
)

func init() {
	v, ok := os.LookupEnv(Name)
	if !ok || v == "" || literal(v) {
		return
	}
	// Anything else may make the SDK panic (bad syntax) or block on DNS
	// (a host name) while the program initialises.
	held, removed = v, true
	_ = os.Unsetenv(Name)
}

// Restore puts the value init removed back into the environment. It is
// called once, from tracing's own init, which runs after the SDK's.
func Restore() {
	if removed {
		_ = os.Setenv(Name, held)
	}
}

// literal reports whether v has one of the SDK's accepted forms with IPv4
// literals only, so that the SDK parses it without error and without DNS:
// "a.b.c.d:port" or "tcp:a.b.c.d:port udp:a.b.c.d:port" in either order.
func literal(v string) bool {
	parts := strings.Split(v, " ")
	switch len(parts) {
	case 1:
		return hostPort(parts[0])
	case 2:
		p0, p1 := parts[0], parts[1]
		if strings.HasPrefix(p0, "udp:") {
			p0, p1 = p1, p0
		}
		return strings.HasPrefix(p0, "tcp:") && strings.HasPrefix(p1, "udp:") &&
			hostPort(p0[4:]) && hostPort(p1[4:])
	}
	return false
}

func hostPort(s string) bool {
	host, port, ok := strings.Cut(s, ":")
	if !ok || strings.Contains(port, ":") || !digits(port, 5) {
		return false
	}
	octets := strings.Split(host, ".")
	if len(octets) != 4 {
		return false
	}
	for _, o := range octets {
		// Leading zeros make Go read the octets as a host name.
		if !digits(o, 3) || len(o) > 1 && o[0] == '0' {
			return false
		}
		if len(o) == 3 && o > "255" {
			return false
		}
	}
	if len(port) == 5 && port > "65535" {
		return false
	}
	return true
}

func digits(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
