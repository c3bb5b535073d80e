package tracing_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/lambdasec/lambdasec/internal/testenv"
	"github.com/lambdasec/lambdasec/tracing"
)

// TestErrorValuesRedacted sends each instrumented client a value that its
// server quotes back in an error, written to end the quote early, and
// checks that no part of it reaches the trace.
func TestErrorValuesRedacted(t *testing.T) {
	outsideLambda(t)
	const secret = "secret-token-123"
	// Written to end the server's quote early: a quote followed by a
	// space and more text.
	value := "x' " + secret

	t.Run("mysql duplicate entry", func(t *testing.T) {
		my := testenv.MySQL(t)
		tr, d := newTracer(t, tracing.Config{})
		base, err := mysql.NewConnector(my.DriverConfig(my.User, my.Password))
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(tracing.Connector(base, tracing.DB{Name: my.Database, Type: "MySQL"}))
		defer db.Close()
		ctx := context.Background()
		const table = "tracing_dup"
		if _, err := db.ExecContext(ctx, "CREATE TEMPORARY TABLE "+table+" (v VARCHAR(64) PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		// A temporary table lives on one connection.
		db.SetMaxOpenConns(1)
		if _, err := db.ExecContext(ctx, "INSERT INTO "+table+" VALUES (?)", value); err != nil {
			t.Fatal(err)
		}
		doc := traced(t, tr, d, func(ctx context.Context) {
			_, err := db.ExecContext(ctx, "INSERT INTO "+table+" VALUES (?)", value)
			if err == nil || !strings.Contains(err.Error(), secret) {
				t.Fatalf("want a duplicate-entry error quoting the value, got %v", err)
			}
		})
		if strings.Contains(string(doc.Raw), secret) {
			t.Errorf("value recorded: %s", doc.Raw)
		}
		if !strings.Contains(string(doc.Raw), "Duplicate entry ?") {
			t.Errorf("error not recorded: %s", doc.Raw)
		}
	})

	t.Run("redis refused command", func(t *testing.T) {
		rdb := testenv.Redis(t)
		tracing.Redis(rdb)
		tr, d := newTracer(t, tracing.Config{})
		doc := traced(t, tr, d, func(ctx context.Context) {
			err := rdb.Do(ctx, "nosuchcommand", value).Err()
			if err == nil || !strings.Contains(err.Error(), secret) {
				t.Fatalf("want an error quoting the argument, got %v", err)
			}
		})
		if strings.Contains(string(doc.Raw), secret) {
			t.Errorf("argument recorded: %s", doc.Raw)
		}
	})

	t.Run("capture", func(t *testing.T) {
		tr, d := newTracer(t, tracing.Config{})
		doc := traced(t, tr, d, func(ctx context.Context) {
			_ = tracing.Capture(ctx, "lookup", func(context.Context) error {
				return fmt.Errorf("no user %q", value)
			})
			func() {
				defer func() { _ = recover() }()
				_ = tracing.Capture(ctx, "panics", func(context.Context) error {
					panic(errors.New("bad token '" + value + "'"))
				})
			}()
		})
		if strings.Contains(string(doc.Raw), secret) {
			t.Errorf("error text recorded: %s", doc.Raw)
		}
	})
}
