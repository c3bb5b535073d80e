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
		Credentials: dbconn.StaticCredentials(dbconn.NewCredentials(m.User, m.Password)), RootCAs: m.CAPEM})
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

// BenchmarkDBPointQueryPaired alternates the two pools query by query;
// see pairedMedians.
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
	query := func(db *sql.DB) func(int) {
		return func(i int) {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT ?", i).Scan(&n); err != nil || n != i {
				b.Fatal(err, n)
			}
		}
	}
	for i := range 50 { // warm both connections and the server's caches
		query(ours)(i)
		query(bare)(i)
	}
	pairedMedians(b, "dbconn", query(ours), "driver", query(bare))
}

// pairedMedians runs ours and peer alternately, once each per iteration
// (ABBA order, so neither always goes first), and reports the median time
// of each and the median and quartiles of the per-pair ratio ours/peer. A
// load spike from other processes, a GC pause or a slow round trip then
// hits one pair rather than one side's total, so the ratio stays stable
// from run to run where a ratio of totals, or of two sequential
// sub-benchmarks, does not. Run with -benchtime=2000x or more.
func pairedMedians(b *testing.B, oursName string, ours func(int), peerName string, peer func(int)) {
	b.Helper()
	var tOurs, tPeer []time.Duration
	var ratios []float64
	timed := func(f func(int), i int) time.Duration {
		start := time.Now()
		f(i)
		return time.Since(start)
	}
	i := 0
	for b.Loop() {
		i++
		var o, p time.Duration
		if i%2 == 0 {
			o = timed(ours, i)
			p = timed(peer, i)
		} else {
			p = timed(peer, i)
			o = timed(ours, i)
		}
		tOurs, tPeer = append(tOurs, o), append(tPeer, p)
		ratios = append(ratios, float64(o)/float64(p))
	}
	b.StopTimer()
	slices.Sort(tOurs)
	slices.Sort(tPeer)
	slices.Sort(ratios)
	q := func(f float64) int { return min(len(ratios)-1, int(f*float64(len(ratios)))) }
	b.ReportMetric(float64(tOurs[q(0.5)].Nanoseconds()), oursName+"-ns/op")
	b.ReportMetric(float64(tPeer[q(0.5)].Nanoseconds()), peerName+"-ns/op")
	b.ReportMetric(ratios[q(0.5)], "ratio")
	b.ReportMetric(ratios[q(0.25)], "ratio-p25")
	b.ReportMetric(ratios[q(0.75)], "ratio-p75")
}
