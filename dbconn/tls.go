package dbconn

import (
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"
	"sync"
)

// rdsBundle is the Amazon RDS global certificate bundle; see
// rds-global-bundle.md for its source.
//
//go:embed rds-global-bundle.pem
var rdsBundle []byte

// baseRoots is the system pool plus the RDS bundle. It is parsed on first
// use, once per process, because parsing ~100 certificates costs a couple
// of milliseconds of cold start that a process without a database should
// not pay. It is package-level only so that every Connector shares the
// work; the result is never modified (each Connector that adds
// Config.RootCAs works on a clone).
var baseRoots = sync.OnceValues(func() (*x509.CertPool, error) {
	certs, err := parseBundle(rdsBundle)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		// No system roots (for example a scratch image): RDS still
		// works, and an RDS Proxy certificate would fail verification,
		// which is the safe way to fail.
		pool = x509.NewCertPool()
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
})

// parseBundle returns the CA certificates of a PEM bundle, failing when
// there is none or one does not parse: a bundle replaced by an HTML page
// or a placeholder must not silently leave only the system roots.
func parseBundle(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %w", ErrCABundle, len(certs)+1, err)
		}
		if !c.IsCA {
			return nil, fmt.Errorf("%w: certificate %d (%s) is not a CA", ErrCABundle, len(certs)+1, c.Subject)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no certificates", ErrCABundle)
	}
	return certs, nil
}

// rootPool returns the roots a Connector verifies servers against.
func rootPool(extraPEM []byte) (*x509.CertPool, error) {
	base, err := baseRoots()
	if err != nil {
		return nil, err
	}
	if len(extraPEM) == 0 {
		return base, nil
	}
	pool := base.Clone()
	if !pool.AppendCertsFromPEM(extraPEM) {
		return nil, fmt.Errorf("%w: RootCAs holds no PEM certificate", ErrInvalidConfig)
	}
	return pool, nil
}

// tlsConfig is the only TLS configuration dbconn hands the driver: chain
// and host name verified, TLS 1.2 or later.
func tlsConfig(roots *x509.CertPool, host string) *tls.Config {
	return &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12}
}
