package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// config is what the environment says. Every field's zero value is the
// embedded default.
type config struct {
	addr         string // ADDR: where the HTTP server listens
	jwtSecret    []byte // JWT_SECRET: HS256 key; empty means a random one
	jwtSecretID  string // JWT_SECRET_ID: Secrets Manager secret holding the signing keys
	redisAddrs   []string
	redisTLS     bool
	redisCluster bool
	redisPrefix  string // REDIS_KEY_PREFIX: starts every key this service writes
	dbSecretID   string // DB_SECRET_ID: Secrets Manager secret in the RDS JSON shape
	dbCAFile     string // DB_TLS_CA_FILE: extra CA for servers outside RDS
	xrayAddr     string // AWS_XRAY_DAEMON_ADDRESS
	logLevel     slog.Level
	lambda       bool         // AWS_LAMBDA_RUNTIME_API is set: serve Lambda events
	metricsOut   io.Writer    // where event counts go; nil means stdout on Lambda, nowhere locally (tests set it)
	oidcIssuer   string       // OIDC_ISSUER: an identity provider whose access tokens may read
	oidcAudience string       // OIDC_AUDIENCE: their audience (a Cognito app client id)
	oidcClient   *http.Client // fetches its keys; nil means one trusting the system's CAs (tests set it)
}

const defaultAddr = "127.0.0.1:8080"

// errConfig marks a configuration problem: the program exits with it
// before serving anything.
var errConfig = errors.New("configuration")

func configErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errConfig}, args...)...)
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		addr:         getenv("ADDR"),
		jwtSecret:    []byte(getenv("JWT_SECRET")),
		jwtSecretID:  getenv("JWT_SECRET_ID"),
		dbSecretID:   getenv("DB_SECRET_ID"),
		dbCAFile:     getenv("DB_TLS_CA_FILE"),
		xrayAddr:     getenv("AWS_XRAY_DAEMON_ADDRESS"),
		oidcIssuer:   getenv("OIDC_ISSUER"),
		oidcAudience: getenv("OIDC_AUDIENCE"),
		lambda:       getenv("AWS_LAMBDA_RUNTIME_API") != "",
	}
	if c.addr == "" {
		c.addr = defaultAddr
	}
	c.redisPrefix = getenv("REDIS_KEY_PREFIX")
	if c.redisPrefix == "" {
		c.redisPrefix = "trialbalance:"
	}
	if strings.ContainsAny(c.redisPrefix, "{}") {
		// Braces would change the keys' Redis Cluster hash slots.
		return c, configErr("REDIS_KEY_PREFIX must not contain { or }")
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return c, configErr("ADDR %q is not host:port", c.addr)
	}
	if lvl := getenv("LOG_LEVEL"); lvl != "" {
		if err := c.logLevel.UnmarshalText([]byte(lvl)); err != nil {
			return c, configErr("LOG_LEVEL %q is not debug, info, warn or error", lvl)
		}
	}
	if err := c.parseRedis(getenv("REDIS_ADDR"), getenv("REDIS_CLUSTER")); err != nil {
		return c, err
	}
	if c.dbCAFile != "" && c.dbSecretID == "" {
		return c, configErr("DB_TLS_CA_FILE is set but DB_SECRET_ID is not")
	}
	if c.dbCAFile != "" {
		if _, err := os.Stat(c.dbCAFile); err != nil {
			return c, configErr("DB_TLS_CA_FILE: %v", err)
		}
	}
	// Inside Lambda every execution environment is its own process: a
	// random key or an in-process Redis would differ between them, so
	// tokens, revocations and limits would not hold.
	if c.lambda && len(c.jwtSecret) == 0 && c.jwtSecretID == "" {
		return c, configErr("JWT_SECRET_ID (or JWT_SECRET) is required in Lambda")
	}
	if len(c.jwtSecret) != 0 && c.jwtSecretID != "" {
		return c, configErr("set JWT_SECRET_ID or JWT_SECRET, not both")
	}
	if c.lambda && len(c.redisAddrs) == 0 {
		return c, configErr("REDIS_ADDR is required in Lambda (an in-process Redis would not share revocations and limits between execution environments)")
	}
	return c, nil
}

// parseRedis reads REDIS_ADDR: "host:port", a comma-separated list of
// cluster nodes, or either behind redis:// or rediss:// (TLS). REDIS_CLUSTER
// set to true makes a single address a cluster seed (ElastiCache
// Serverless, configuration endpoints).
func (c *config) parseRedis(addr, cluster string) error {
	if addr == "" {
		return nil
	}
	switch {
	case strings.HasPrefix(addr, "rediss://"):
		c.redisTLS = true
		addr = strings.TrimPrefix(addr, "rediss://")
	case strings.HasPrefix(addr, "redis://"):
		addr = strings.TrimPrefix(addr, "redis://")
	case strings.Contains(addr, "://"):
		return configErr("REDIS_ADDR: only redis:// and rediss:// are supported")
	}
	if strings.Contains(addr, "@") {
		return configErr("REDIS_ADDR: credentials in the address are not supported")
	}
	for a := range strings.SplitSeq(addr, ",") {
		a = strings.TrimSpace(a)
		host, port, err := net.SplitHostPort(a)
		if n, perr := strconv.Atoi(port); err == nil && (host == "" || perr != nil || n < 1 || n > 65535) {
			err = errors.New("bad host or port")
		}
		if err != nil {
			// Not quoted: the entry might carry a password.
			return configErr("REDIS_ADDR: entry %d is not host:port", len(c.redisAddrs)+1)
		}
		c.redisAddrs = append(c.redisAddrs, a)
	}
	switch strings.ToLower(cluster) {
	case "", "false", "0":
		c.redisCluster = len(c.redisAddrs) > 1
	case "true", "1":
		c.redisCluster = true
	default:
		return configErr("REDIS_CLUSTER %q is not true or false", cluster)
	}
	return nil
}
