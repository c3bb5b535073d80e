package dbconn_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lambdasec/lambdasec/dbconn"
	"github.com/lambdasec/lambdasec/secrets"
)

// Stand-ins for the examples that need a database or AWS.
var (
	ctx     = context.Background()
	handler = func(context.Context) error { return nil }
)

// A static password, for local runs. RootCAs adds the CA of a server
// outside RDS; RDS endpoints need nothing.
func ExampleOpen() {
	caPEM, err := os.ReadFile(os.Getenv("DB_TLS_CA_FILE"))
	if err != nil {
		log.Fatal(err)
	}
	db, err := dbconn.Open(ctx, dbconn.Config{
		Host:        "localhost",
		Database:    "orders",
		Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("orders_app", os.Getenv("DB_PASSWORD"))),
		RootCAs:     caPEM,
	})
	if err != nil {
		log.Fatal(err) // for example: dbconn: server certificate signed by unknown authority: ...
	}
	defer db.Close()
}

// credentialsFrom adapts a secrets.Cache holding an RDS secret to dbconn's
// provider functions: the cached value for new connections, a forced
// refresh after a refused login, and the AWSPENDING version during a
// rotation. dbconn does not import secrets; this is all the glue.
func credentialsFrom(cache *secrets.Cache, id string) (current, refresh, pending dbconn.CredentialsFunc) {
	adapt := func(get func(context.Context) (secrets.Secret, error)) dbconn.CredentialsFunc {
		return func(ctx context.Context) (dbconn.Credentials, error) {
			s, err := get(ctx)
			if err != nil {
				return dbconn.Credentials{}, err
			}
			var c secrets.DBCredentials
			if err := s.Decode(&c); err != nil {
				return dbconn.Credentials{}, err
			}
			cr := dbconn.NewCredentials(c.Username, c.Password())
			cr.Host, cr.Port, cr.Database = c.Host, c.Port, c.DBName
			return cr, nil
		}
	}
	return adapt(func(ctx context.Context) (secrets.Secret, error) { return cache.Get(ctx, id) }),
		adapt(func(ctx context.Context) (secrets.Secret, error) { return cache.Refresh(ctx, id) }),
		adapt(func(ctx context.Context) (secrets.Secret, error) {
			return cache.RefreshStage(ctx, id, secrets.StagePending)
		})
}

// The provider a Secrets Manager cache gives dbconn, here fed by a static
// source. The sample password is a placeholder: generate your own and keep
// it in Secrets Manager.
func ExampleCredentialsFunc() {
	cache, err := secrets.New(secrets.Config{Client: secrets.Static(map[string]string{
		"prod/orders/db": `{"engine":"mysql","host":"orders.cluster-abc.eu-west-1.rds.amazonaws.com","port":3306,"username":"orders_app","password":"example-only-generate-your-own","dbname":"orders"}`,
	})})
	if err != nil {
		log.Fatal(err)
	}
	current, _, _ := credentialsFrom(cache, "prod/orders/db")
	cr, err := current(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cr)
	// Output:
	// dbconn.Credentials{User:"orders_app" Password:[REDACTED] Host:"orders.cluster-abc.eu-west-1.rds.amazonaws.com" Port:3306 Database:"orders"}
}

// A Lambda function that reads its database from the secret named by
// DB_SECRET_ID, opens the pool at init and closes it on SIGTERM.
func Example_secretsManager() {
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	cache, err := secrets.New(secrets.Config{Client: secretsmanager.NewFromConfig(awsCfg)})
	if err != nil {
		log.Fatal(err)
	}
	current, refresh, pending := credentialsFrom(cache, os.Getenv("DB_SECRET_ID"))

	initCtx, cancel := context.WithTimeout(ctx, 5*time.Second) // inside the 10 s init phase
	defer cancel()
	db, err := dbconn.Open(initCtx, dbconn.Config{
		Credentials:        current, // host, port, user and database come from the secret
		RefreshCredentials: refresh,
		PendingCredentials: pending,
	})
	if err != nil {
		log.Fatal(err)
	}
	lambda.StartWithOptions(handler, dbconn.CloseOnSIGTERM(db))
}

// IAM database authentication: no password to store or rotate. The user
// is created with IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' and the
// function's role may rds-db:connect as it. One token is reused for about
// 14 minutes, which keeps the environments clear of RDS's limit of 200
// new IAM connections per second.
func ExampleIAM() {
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	db, err := dbconn.Open(ctx, dbconn.Config{
		Host:     "orders.cluster-abc.eu-west-1.rds.amazonaws.com",
		Database: "orders",
		User:     "orders_iam",
		IAM:      &dbconn.IAM{Region: awsCfg.Region, Credentials: awsCfg.Credentials},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
}

// A small instance: max_connections 100 and reserved concurrency 500.
// Direct connections cannot fit; RDS Proxy can.
func ExamplePlan() {
	_, err := dbconn.Plan(dbconn.PlanConfig{ReservedConcurrency: 500, MaxConnections: 100})
	var pe *dbconn.PlanError
	if errors.As(err, &pe) {
		fmt.Println("direct: needs", pe.Connections, "of", pe.Budget, "- fits with reserved concurrency", pe.MaxReservedConcurrency)
	}

	sizing, err := dbconn.Plan(dbconn.PlanConfig{ReservedConcurrency: 500, MaxConnections: 100, Proxy: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("proxy: %d per environment, MaxConnectionsPercent %d, %+v\n",
		sizing.Pool.PerEnvironment, sizing.ProxyMaxConnectionsPercent, sizing.Pool)
	// Output:
	// direct: needs 500 of 90 - fits with reserved concurrency 90
	// proxy: 1 per environment, MaxConnectionsPercent 90, {PerEnvironment:1 ConnMaxLifetime:5m0s Proxy:true}
}

// The error for 500 environments against max_connections 100 explains the
// arithmetic.
func ExamplePlanError() {
	_, err := dbconn.Plan(dbconn.PlanConfig{ReservedConcurrency: 500, MaxConnections: 100})
	fmt.Println(err)
	// Output:
	// dbconn: pool plan does not fit the database: 500 execution environments × 1 connections = 500 connections, but max_connections 100 − reserve 10 leaves 90; ways out: cap the function's reserved concurrency at 90, put RDS Proxy in front (PlanConfig.Proxy) so the environments share a few server connections, or use an instance class with max_connections of at least 510 (RDS for MySQL's default grows by about 85 per GiB of memory)
}

// A Connector for those who build the *sql.DB themselves, for example to
// wrap it for tracing. Configure applies the pool settings.
func ExampleNewConnector() {
	c, err := dbconn.NewConnector(dbconn.Config{
		Host:        "orders-proxy.proxy-abc.eu-west-1.rds.amazonaws.com",
		Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("orders_app", "example-only-generate-your-own")),
		Pool:        dbconn.Pool{Proxy: true},
	})
	if err != nil {
		log.Fatal(err)
	}
	var traced driver.Connector = c // e.g. a tracing wrapper around c
	db := sql.OpenDB(traced)
	c.Configure(db)
	fmt.Println(db.Stats().MaxOpenConnections)
	// Output: 1
}

func ExampleConnector_Configure() {
	c, err := dbconn.NewConnector(dbconn.Config{Host: "db.example.internal", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "example-only")),
		Pool: dbconn.Pool{PerEnvironment: 2}})
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(c)
	c.Configure(db)
	fmt.Println(db.Stats().MaxOpenConnections)
	// Output: 2
}

func ExampleCloseOnSIGTERM() {
	var db *sql.DB // from dbconn.Open, at init
	lambda.StartWithOptions(handler, dbconn.CloseOnSIGTERM(db))
}

// A health endpoint that answers within the ping budget even when the
// database does not.
func ExamplePing() {
	var db *sql.DB // from dbconn.Open
	http.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := dbconn.Ping(r.Context(), db); err != nil {
			http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
