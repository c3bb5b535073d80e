package dbconn

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"testing"
	"time"
)

// BenchmarkParseRDSBundle is the one-time cold-start cost of the embedded
// bundle, paid on the first NewConnector in a process.
func BenchmarkParseRDSBundle(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseBundle(rdsBundle); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIAMTokenCached is the cost of a new connection's token while
// the cached one is fresh.
func BenchmarkIAMTokenCached(b *testing.B) {
	clk := newFakeClock()
	tok := &iamTokens{endpoint: "db:3306", region: "eu-west-1", user: "app", creds: &countingCreds{}, now: clk.Now}
	ctx := context.Background()
	if _, err := tok.get(ctx, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tok.get(ctx, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIAMTokenSign is the cost of signing a new token.
func BenchmarkIAMTokenSign(b *testing.B) {
	tok := &iamTokens{endpoint: "db:3306", region: "eu-west-1", user: "app", creds: &countingCreds{}, now: newFakeClock().Now}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tok.get(ctx, true); err != nil {
			b.Fatal(err)
		}
	}
}

// stubConn is a driver connection that answers every query with one row
// at once, to measure what conn adds on the query path without a network.
type stubConn struct{}

func (stubConn) Prepare(string) (driver.Stmt, error) { return nil, driver.ErrSkip }
func (stubConn) Close() error                        { return nil }
func (stubConn) Begin() (driver.Tx, error)           { return nil, driver.ErrSkip }
func (stubConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	return nil, driver.ErrSkip
}
func (stubConn) PrepareContext(context.Context, string) (driver.Stmt, error) {
	return nil, driver.ErrSkip
}
func (stubConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(0), nil
}
func (stubConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return &stubRows{}, nil
}
func (stubConn) Ping(context.Context) error               { return nil }
func (stubConn) ResetSession(context.Context) error       { return nil }
func (stubConn) IsValid() bool                            { return true }
func (stubConn) CheckNamedValue(*driver.NamedValue) error { return driver.ErrSkip }

type stubRows struct{ done bool }

func (*stubRows) Columns() []string { return []string{"n"} }
func (*stubRows) Close() error      { return nil }
func (r *stubRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = int64(1)
	return nil
}

type stubConnector struct{ wrap bool }

func (s stubConnector) Connect(context.Context) (driver.Conn, error) {
	if s.wrap {
		return wrapConn(stubConn{}, time.Now, time.Hour), nil
	}
	return stubConn{}, nil
}
func (stubConnector) Driver() driver.Driver { return nil }

// BenchmarkQueryPathOverhead compares a query through database/sql on a
// bare connection with the same query on the lifetime-checking wrapper,
// with no network in between, so the difference is all the wrapper costs.
func BenchmarkQueryPathOverhead(b *testing.B) {
	for _, wrap := range []bool{false, true} {
		name := "bare"
		if wrap {
			name = "dbconn"
		}
		b.Run(name, func(b *testing.B) {
			db := sql.OpenDB(stubConnector{wrap: wrap})
			defer db.Close()
			db.SetMaxOpenConns(1)
			db.SetMaxIdleConns(1)
			ctx := context.Background()
			var n int
			b.ReportAllocs()
			for b.Loop() {
				if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
