// Command dbconn shows package dbconn: sizing a connection pool for a Lambda
// function against the database's max_connections (500 environments against
// max_connections 100 do not fit, and Plan says why and what to do), and a
// TLS-only MySQL pool whose configuration never prints its password.
//
//	go run ./examples/dbconn
//
// On embedded defaults it only plans. DB_HOST switches to a real MySQL or
// MariaDB server, reached over verified TLS: DB_PORT (3306), DB_USER,
// DB_PASSWORD, DB_NAME, and DB_TLS_CA_FILE for a server whose certificate
// is not from the RDS or a public CA. It then connects, shows the TLS
// version and the pool settings, and closes.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/lambdasec/lambdasec/dbconn"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "dbconn:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, getenv func(string) string) error {
	if err := plans(w); err != nil {
		return err
	}
	cfg, err := config(getenv)
	if err != nil {
		return err
	}
	if cfg.Host == "" {
		login := dbconn.NewCredentials("app", "example-only-Xq7#v9")
		login.Host, login.Database = "db.example.internal", "ledger"
		fmt.Fprintf(w, "\n== credentials print without their password\n%v\n", login)
		fmt.Fprintln(w, "\nset DB_HOST (and DB_USER, DB_PASSWORD, DB_NAME, DB_TLS_CA_FILE) to connect to a server")
		return nil
	}
	return connect(ctx, w, cfg)
}

// plans sizes the pool for a setup that does not fit, one that does, and
// one behind RDS Proxy.
func plans(w io.Writer) error {
	fmt.Fprintln(w, "== a common setup: reserved concurrency 500, max_connections 100")
	_, err := dbconn.Plan(dbconn.PlanConfig{ReservedConcurrency: 500, MaxConnections: 100})
	var pe *dbconn.PlanError
	if errors.As(err, &pe) {
		fmt.Fprintln(w, err)
		fmt.Fprintf(w, "largest reserved concurrency that fits: %d\n", pe.MaxReservedConcurrency)
	}

	fmt.Fprintln(w, "\n== what fits: 80 environments, one connection each, 10 kept free")
	sz, err := dbconn.Plan(dbconn.PlanConfig{ReservedConcurrency: 80, MaxConnections: 100, Reserve: 10})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "connections %d of a budget of %d; per environment: %d open and idle, replaced every %s\n",
		sz.Connections, sz.Budget, sz.Pool.PerEnvironment, sz.Pool.ConnMaxLifetime)

	fmt.Fprintln(w, "\n== 500 environments through RDS Proxy")
	sz, err = dbconn.Plan(dbconn.PlanConfig{ReservedConcurrency: 500, MaxConnections: 100, Reserve: 10, Proxy: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "set the proxy's MaxConnectionsPercent to %d; the pool interpolates parameters: %v\n",
		sz.ProxyMaxConnectionsPercent, sz.Pool.Proxy)
	return nil
}

// config is the pool's Config from the DB_ variables; its Host is empty
// when DB_HOST is.
func config(getenv func(string) string) (dbconn.Config, error) {
	login := dbconn.NewCredentials(getenv("DB_USER"), getenv("DB_PASSWORD"))
	cfg := dbconn.Config{
		Host:        getenv("DB_HOST"),
		Database:    getenv("DB_NAME"),
		Credentials: dbconn.StaticCredentials(login),
		Pool:        dbconn.Pool{PerEnvironment: 1},
	}
	if cfg.Host == "" {
		return cfg, nil
	}
	var err error
	if p := getenv("DB_PORT"); p != "" {
		if cfg.Port, err = strconv.Atoi(p); err != nil {
			return cfg, fmt.Errorf("DB_PORT: %w", err)
		}
	}
	if f := getenv("DB_TLS_CA_FILE"); f != "" {
		if cfg.RootCAs, err = os.ReadFile(f); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// connect opens the pool, shows the server's version and TLS version,
// and pings it.
func connect(ctx context.Context, w io.Writer, cfg dbconn.Config) error {
	fmt.Fprintf(w, "\n== connecting to %v\n", cfg)
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	db, err := dbconn.Open(ctx, cfg) // verified TLS, or no connection at all
	if err != nil {
		return err
	}
	defer db.Close()
	var version, name, cipher string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Ssl_version'").Scan(&name, &cipher); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	fmt.Fprintf(w, "server %s over %s; pool: at most %d open\n", version, cipher, db.Stats().MaxOpenConnections)
	return dbconn.Ping(ctx, db)
}
