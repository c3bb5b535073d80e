package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/lambdasec/lambdasec/dbconn"
	"github.com/lambdasec/lambdasec/internal/testenv"
)

// Both sides log in as the same user over TLS verified against the same
// CA, with one pooled connection and parseTime on, so the difference is
// what dbconn adds: its connection wrapper on the query path, and on
// connect the credentials and lifetime bookkeeping.

func dbconnConnector(b *testing.B) (*dbconn.Connector, testenv.MySQLConfig) {
	m := testenv.MySQL(b)
	port, _ := strconv.Atoi(m.Port)
	c, err := dbconn.NewConnector(dbconn.Config{Host: m.Host, Port: port, Database: m.Database,
		User: m.User, Password: m.Password, RootCAs: m.CAPEM})
	if err != nil {
		b.Fatal(err)
	}
	return c, m
}

func bareConnector(b *testing.B, m testenv.MySQLConfig) driver.Connector {
	cfg := m.DriverConfig(m.User, m.Password) // TLS 1.2+, test CA, ServerName, parseTime
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func BenchmarkDBPointQuery(b *testing.B) {
	run := func(b *testing.B, db *sql.DB) {
		defer db.Close()
		ctx := context.Background()
		var n int
		if err := db.QueryRowContext(ctx, "SELECT ?", 1).Scan(&n); err != nil { // warm the connection
			b.Fatal(err)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if err := db.QueryRowContext(ctx, "SELECT ?", i).Scan(&n); err != nil || n != i {
				b.Fatal(err, n)
			}
		}
	}
	b.Run("lambdasec-dbconn", func(b *testing.B) {
		c, _ := dbconnConnector(b)
		db := sql.OpenDB(c)
		c.Configure(db)
		run(b, db)
	})
	b.Run("go-sql-driver", func(b *testing.B) {
		_, m := dbconnConnector(b)
		db := sql.OpenDB(bareConnector(b, m))
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		run(b, db)
	})
}

func BenchmarkDBConnectTLS(b *testing.B) {
	run := func(b *testing.B, c driver.Connector) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			conn, err := c.Connect(ctx)
			if err != nil {
				b.Fatal(err)
			}
			conn.Close()
		}
	}
	b.Run("lambdasec-dbconn", func(b *testing.B) {
		c, _ := dbconnConnector(b)
		run(b, c)
	})
	b.Run("go-sql-driver", func(b *testing.B) {
		_, m := dbconnConnector(b)
		run(b, bareConnector(b, m))
	})
}

// BenchmarkDBPointQueryPaired alternates the two pools query by query
// (ABBA order, so neither side always goes first) and reports medians: the
// median time per query on each side and the median of the per-pair
// ratios, with the quartiles of those ratios. A load spike from other
// processes, a GC pause or a slow round trip hits one pair, not the sum,
// so the ratio stays stable from run to run where a ratio of totals does
// not. Run it with -benchtime=5000x or more.
func BenchmarkDBPointQueryPaired(b *testing.B) {
	c, m := dbconnConnector(b)
	ours := sql.OpenDB(c)
	c.Configure(ours)
	defer ours.Close()
	bare := sql.OpenDB(bareConnector(b, m))
	bare.SetMaxOpenConns(1)
	bare.SetMaxIdleConns(1)
	defer bare.Close()
	ctx := context.Background()
	query := func(db *sql.DB, i int) time.Duration {
		start := time.Now()
		var n int
		if err := db.QueryRowContext(ctx, "SELECT ?", i).Scan(&n); err != nil || n != i {
			b.Fatal(err, n)
		}
		return time.Since(start)
	}
	for i := range 50 { // warm both connections and the server's caches
		query(ours, i)
		query(bare, i)
	}
	var tOurs, tBare []time.Duration
	var ratios []float64
	i := 0
	for b.Loop() {
		i++
		var o, d time.Duration
		if i%2 == 0 {
			o = query(ours, i)
			d = query(bare, i)
		} else {
			d = query(bare, i)
			o = query(ours, i)
		}
		tOurs, tBare = append(tOurs, o), append(tBare, d)
		ratios = append(ratios, float64(o)/float64(d))
	}
	b.StopTimer()
	slices.Sort(tOurs)
	slices.Sort(tBare)
	slices.Sort(ratios)
	q := func(f float64) int { return min(len(ratios)-1, int(f*float64(len(ratios)))) }
	b.ReportMetric(float64(tOurs[q(0.5)].Nanoseconds()), "dbconn-ns/query")
	b.ReportMetric(float64(tBare[q(0.5)].Nanoseconds()), "driver-ns/query")
	b.ReportMetric(ratios[q(0.5)], "ratio")
	b.ReportMetric(ratios[q(0.25)], "ratio-p25")
	b.ReportMetric(ratios[q(0.75)], "ratio-p75")
}
