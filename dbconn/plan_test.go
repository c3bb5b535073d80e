package dbconn_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lambdasec/lambdasec/dbconn"
)

func TestPlan(t *testing.T) {
	tests := []struct {
		name    string
		in      dbconn.PlanConfig
		want    dbconn.Sizing
		wantErr error
		// substrings the error must contain: the arithmetic and the ways out
		explain []string
	}{
		// A small RDS instance: max_connections 100, reserved concurrency
		// 100 to 500, direct connections. Neither end fits once connections for
		// administration and rotation are kept free.
		{name: "500 environments, 100 connections", in: dbconn.PlanConfig{ReservedConcurrency: 500, MaxConnections: 100},
			wantErr: dbconn.ErrPlanDoesNotFit,
			explain: []string{"500 execution environments × 1 connections = 500", "max_connections 100 − reserve 10 leaves 90",
				"reserved concurrency at 90", "RDS Proxy", "at least 510"}},
		{name: "100 environments, 100 connections", in: dbconn.PlanConfig{ReservedConcurrency: 100, MaxConnections: 100},
			wantErr: dbconn.ErrPlanDoesNotFit, explain: []string{"= 100 connections", "leaves 90", "at 90", "at least 110"}},
		{name: "capped to fit", in: dbconn.PlanConfig{ReservedConcurrency: 90, MaxConnections: 100},
			want: dbconn.Sizing{Pool: dbconn.Pool{PerEnvironment: 1, ConnMaxLifetime: 5 * time.Minute}, Connections: 90, Budget: 90}},
		// The same numbers behind RDS Proxy: the environments share the
		// proxy's connections; the proxy gets what the reserve leaves.
		{name: "500 environments behind RDS Proxy", in: dbconn.PlanConfig{ReservedConcurrency: 500, MaxConnections: 100, Proxy: true},
			want: dbconn.Sizing{Pool: dbconn.Pool{PerEnvironment: 1, ConnMaxLifetime: 5 * time.Minute, Proxy: true},
				Connections: 500, Budget: 90, ProxyMaxConnectionsPercent: 90}},
		// RDS Proxy's default MaxConnectionsPercent (100) leaves nothing
		// for administration or the rotation function.
		{name: "proxy at default 100 percent", in: dbconn.PlanConfig{ReservedConcurrency: 500, MaxConnections: 100, Proxy: true, ProxyMaxConnectionsPercent: 100},
			wantErr: dbconn.ErrPlanDoesNotFit, explain: []string{"MaxConnectionsPercent 100", "may open 100", "at most 90"}},
		{name: "proxy at 70 percent", in: dbconn.PlanConfig{ReservedConcurrency: 500, MaxConnections: 100, Proxy: true, ProxyMaxConnectionsPercent: 70},
			want: dbconn.Sizing{Pool: dbconn.Pool{PerEnvironment: 1, ConnMaxLifetime: 5 * time.Minute, Proxy: true},
				Connections: 500, Budget: 90, ProxyMaxConnectionsPercent: 70}},
		{name: "two per environment", in: dbconn.PlanConfig{ReservedConcurrency: 40, MaxConnections: 100, PerEnvironment: 2, Reserve: 20},
			want: dbconn.Sizing{Pool: dbconn.Pool{PerEnvironment: 2, ConnMaxLifetime: 5 * time.Minute}, Connections: 80, Budget: 80}},
		{name: "two per environment, one too many", in: dbconn.PlanConfig{ReservedConcurrency: 41, MaxConnections: 100, PerEnvironment: 2, Reserve: 20},
			wantErr: dbconn.ErrPlanDoesNotFit, explain: []string{"41 execution environments × 2 connections = 82", "at 40", "at least 102"}},
		{name: "small server keeps 5", in: dbconn.PlanConfig{ReservedConcurrency: 10, MaxConnections: 20},
			want: dbconn.Sizing{Pool: dbconn.Pool{PerEnvironment: 1, ConnMaxLifetime: 5 * time.Minute}, Connections: 10, Budget: 15}},
		{name: "lifetime kept", in: dbconn.PlanConfig{ReservedConcurrency: 1, MaxConnections: 1000, ConnMaxLifetime: time.Minute},
			want: dbconn.Sizing{Pool: dbconn.Pool{PerEnvironment: 1, ConnMaxLifetime: time.Minute}, Connections: 1, Budget: 900}},
		{name: "one environment too big", in: dbconn.PlanConfig{ReservedConcurrency: 1, MaxConnections: 10, PerEnvironment: 8},
			wantErr: dbconn.ErrPlanDoesNotFit, explain: []string{"lower PerEnvironment"}},

		{name: "no reserved concurrency", in: dbconn.PlanConfig{MaxConnections: 100}, wantErr: dbconn.ErrInvalidConfig},
		{name: "no max_connections", in: dbconn.PlanConfig{ReservedConcurrency: 1}, wantErr: dbconn.ErrInvalidConfig},
		{name: "reserve takes all", in: dbconn.PlanConfig{ReservedConcurrency: 1, MaxConnections: 10, Reserve: 10}, wantErr: dbconn.ErrInvalidConfig},
		{name: "negative", in: dbconn.PlanConfig{ReservedConcurrency: 1, MaxConnections: 10, PerEnvironment: -1}, wantErr: dbconn.ErrInvalidConfig},
		{name: "absurd", in: dbconn.PlanConfig{ReservedConcurrency: 1 << 40, MaxConnections: 1 << 40, PerEnvironment: 1 << 40}, wantErr: dbconn.ErrInvalidConfig},
		{name: "percent without proxy", in: dbconn.PlanConfig{ReservedConcurrency: 1, MaxConnections: 10, ProxyMaxConnectionsPercent: 50}, wantErr: dbconn.ErrInvalidConfig},
		{name: "percent over 100", in: dbconn.PlanConfig{ReservedConcurrency: 1, MaxConnections: 10, Proxy: true, ProxyMaxConnectionsPercent: 101}, wantErr: dbconn.ErrInvalidConfig},
		// RDS Proxy closes client connections idle for 30 minutes.
		{name: "proxy lifetime too long", in: dbconn.PlanConfig{ReservedConcurrency: 1, MaxConnections: 100, Proxy: true, ConnMaxLifetime: time.Hour}, wantErr: dbconn.ErrInvalidConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := dbconn.Plan(tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got error %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				for _, s := range tc.explain {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				if errors.Is(err, dbconn.ErrPlanDoesNotFit) {
					var pe *dbconn.PlanError
					if !errors.As(err, &pe) {
						t.Fatal("not a *PlanError")
					}
				}
				return
			}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A plan that fits must still fit when the suggested cap or instance size
// is applied to one that does not.
func TestPlanSuggestionsFit(t *testing.T) {
	for rc := 1; rc <= 600; rc += 7 {
		for _, per := range []int{1, 2, 3} {
			in := dbconn.PlanConfig{ReservedConcurrency: rc, MaxConnections: 100, PerEnvironment: per}
			_, err := dbconn.Plan(in)
			var pe *dbconn.PlanError
			if !errors.As(err, &pe) {
				continue
			}
			if pe.MaxReservedConcurrency > 0 {
				capped := in
				capped.ReservedConcurrency = pe.MaxReservedConcurrency
				if _, err := dbconn.Plan(capped); err != nil {
					t.Fatalf("%+v: suggested cap %d does not fit: %v", in, pe.MaxReservedConcurrency, err)
				}
				capped.ReservedConcurrency++
				if _, err := dbconn.Plan(capped); err == nil {
					t.Fatalf("%+v: cap %d is not the largest", in, pe.MaxReservedConcurrency)
				}
			}
			bigger := in
			bigger.MaxConnections = pe.MinMaxConnections
			bigger.Reserve = pe.Reserve
			if _, err := dbconn.Plan(bigger); err != nil {
				t.Fatalf("%+v: suggested max_connections %d does not fit: %v", in, pe.MinMaxConnections, err)
			}
		}
	}
}
