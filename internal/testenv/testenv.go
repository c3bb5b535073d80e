// Package testenv hands integration tests the real services that
// scripts/test starts: a Redis server, a 3-node Redis Cluster, a TLS-only
// MariaDB and the Lambda runtime interface emulator.
//
// Each helper reads the LAMBDASEC_* variables scripts/test exports, checks
// that the service answers, and registers cleanup on t. When a variable is
// missing the test is skipped with a message naming scripts/test, unless CI
// or LAMBDASEC_REQUIRE_SERVICES is set: then the test fails, so a CI run can
// never pass by skipping its integration tests.
package testenv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

// Environment variables set by scripts/test.
const (
	EnvRedisAddr          = "LAMBDASEC_REDIS_ADDR"
	EnvRedisClusterAddrs  = "LAMBDASEC_REDIS_CLUSTER_ADDRS"
	EnvRedisServer        = "LAMBDASEC_REDIS_SERVER"
	EnvMySQLAddr          = "LAMBDASEC_MYSQL_ADDR"
	EnvMySQLDatabase      = "LAMBDASEC_MYSQL_DATABASE"
	EnvMySQLUser          = "LAMBDASEC_MYSQL_USER"
	EnvMySQLPassword      = "LAMBDASEC_MYSQL_PASSWORD"
	EnvMySQLAdminUser     = "LAMBDASEC_MYSQL_ADMIN_USER"
	EnvMySQLAdminPassword = "LAMBDASEC_MYSQL_ADMIN_PASSWORD"
	EnvMySQLCAFile        = "LAMBDASEC_MYSQL_CA_FILE"
	EnvLambdaRIE          = "LAMBDASEC_LAMBDA_RIE"
)

// Required reports whether missing services fail tests instead of skipping
// them: true when CI or LAMBDASEC_REQUIRE_SERVICES is set.
func Required() bool {
	return os.Getenv("CI") != "" || os.Getenv("LAMBDASEC_REQUIRE_SERVICES") != ""
}

// Unavailable skips t (or fails it when [Required]) because the named
// service is not configured. The message always names scripts/test.
func Unavailable(t testing.TB, service, why string) {
	t.Helper()
	msg := fmt.Sprintf("%s unavailable (%s): run scripts/test, which starts it", service, why)
	if Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func lookup(t testing.TB, service string, names ...string) []string {
	t.Helper()
	vals := make([]string, len(names))
	for i, n := range names {
		v := os.Getenv(n)
		if v == "" {
			Unavailable(t, service, n+" is not set")
		}
		vals[i] = v
	}
	return vals
}

// RedisAddr returns the address of the shared Redis server after checking
// that it answers PING. Tests sharing it must use their own key prefixes.
func RedisAddr(t testing.TB) string {
	t.Helper()
	addr := lookup(t, "redis", EnvRedisAddr)[0]
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ping(t, "redis", c)
	return addr
}

// Redis returns a client of the shared Redis server, closed when t ends.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: RedisAddr(t)})
	t.Cleanup(func() { c.Close() })
	return c
}

// RedisClusterAddrs returns the seed addresses of the shared 3-node Redis
// Cluster after checking that its slots cover 0..16383.
func RedisClusterAddrs(t testing.TB) []string {
	t.Helper()
	addrs := strings.Split(lookup(t, "redis cluster", EnvRedisClusterAddrs)[0], ",")
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer c.Close()
	ping(t, "redis cluster", c)
	return addrs
}

// RedisCluster returns a client of the shared Redis Cluster, closed when t
// ends.
func RedisCluster(t testing.TB) *redis.ClusterClient {
	t.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: RedisClusterAddrs(t)})
	t.Cleanup(func() { c.Close() })
	return c
}

func ping(t testing.TB, service string, c redis.UniversalClient) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		Unavailable(t, service, "PING failed: "+err.Error())
	}
}

// MySQLConfig describes the TLS-only MariaDB started by scripts/test.
type MySQLConfig struct {
	Host, Port           string
	Database             string
	User, Password       string // an ordinary user created with REQUIRE SSL
	AdminUser, AdminPass string // may ALTER USER and create users
	CAFile               string // PEM of the CA that signed the server
	CAPEM                []byte
	RootCAs              *x509.CertPool
}

// Addr is Host:Port.
func (c MySQLConfig) Addr() string { return net.JoinHostPort(c.Host, c.Port) }

// TLSConfig verifies the server against the test CA.
func (c MySQLConfig) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: c.RootCAs, ServerName: c.Host, MinVersion: tls.VersionTLS12}
}

// DriverConfig is a go-sql-driver configuration for user and password over
// TLS verified against the test CA.
func (c MySQLConfig) DriverConfig(user, password string) *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = c.Addr()
	cfg.User = user
	cfg.Passwd = password
	cfg.DBName = c.Database
	cfg.TLS = c.TLSConfig()
	cfg.Timeout = 5 * time.Second
	cfg.ParseTime = true
	return cfg
}

// MySQL returns the MariaDB configuration after checking that the test user
// can log in over TLS.
func MySQL(t testing.TB) MySQLConfig {
	t.Helper()
	v := lookup(t, "mariadb", EnvMySQLAddr, EnvMySQLDatabase, EnvMySQLUser, EnvMySQLPassword,
		EnvMySQLAdminUser, EnvMySQLAdminPassword, EnvMySQLCAFile)
	host, port, err := net.SplitHostPort(v[0])
	if err != nil {
		t.Fatalf("%s=%q: %v", EnvMySQLAddr, v[0], err)
	}
	pem, err := os.ReadFile(v[6])
	if err != nil {
		Unavailable(t, "mariadb", "CA file: "+err.Error())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s: no certificates in %s", EnvMySQLCAFile, v[6])
	}
	cfg := MySQLConfig{Host: host, Port: port, Database: v[1], User: v[2], Password: v[3],
		AdminUser: v[4], AdminPass: v[5], CAFile: v[6], CAPEM: pem, RootCAs: pool}
	conn, err := mysql.NewConnector(cfg.DriverConfig(cfg.User, cfg.Password))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := conn.Connect(ctx)
	if err != nil {
		Unavailable(t, "mariadb", "TLS login failed: "+err.Error())
	}
	c.Close()
	return cfg
}

// LambdaRIE returns the path of the Lambda runtime interface emulator
// binary built by scripts/test.
func LambdaRIE(t testing.TB) string {
	t.Helper()
	p := lookup(t, "lambda runtime interface emulator", EnvLambdaRIE)[0]
	if st, err := os.Stat(p); err != nil || st.Mode()&0o111 == 0 {
		Unavailable(t, "lambda runtime interface emulator", p+" is not an executable")
	}
	return p
}
