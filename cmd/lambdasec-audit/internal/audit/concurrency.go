package audit

import (
	"errors"
	"slices"
	"strings"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
	"github.com/lambdasec/lambdasec/dbconn"
)

// dbUsers is who connects to one database: functions that reach it
// directly (through its endpoint or its credentials secret) and functions
// that go through an RDS Proxy in front of it.
type dbUsers struct {
	direct, proxied []*cfn.Resource
	proxyPercent    int // the proxy's MaxConnectionsPercent
}

// usersOf finds the functions that use db. A function uses it when its
// properties refer to the database, to a secret attached to it (by a
// SecretTargetAttachment or by the database's own master password), or
// to an RDS Proxy whose target group names it.
func (c *checker) usersOf(db *cfn.Resource) dbUsers {
	direct := []string{db.ID}
	for _, a := range c.referrers(db.ID, "TargetId", "AWS::SecretsManager::SecretTargetAttachment") {
		direct = append(direct, cfn.Refs(a.Prop("SecretId"))...)
	}
	for _, name := range cfn.Refs(db.Properties) {
		if r := c.t.Resources[name]; r != nil && r.Type == "AWS::SecretsManager::Secret" {
			direct = append(direct, name)
		}
	}
	var u dbUsers
	var proxies []string
	for _, tg := range c.resources("AWS::RDS::DBProxyTargetGroup") {
		if !cfn.RefersTo(tg.Prop("DBInstanceIdentifiers"), db.ID) && !cfn.RefersTo(tg.Prop("DBClusterIdentifiers"), db.ID) {
			continue
		}
		proxies = append(proxies, cfn.Refs(tg.Prop("DBProxyName"))...)
		u.proxyPercent = 100 // RDS Proxy's default MaxConnectionsPercent
		if p, ok := c.singleValue(tg.Prop("ConnectionPoolConfigurationInfo", "MaxConnectionsPercent")); ok {
			u.proxyPercent = atoiOr(p, 100)
		}
	}
	for _, fn := range c.functions() {
		refs := cfn.Refs(fn.Properties)
		switch {
		case slices.ContainsFunc(refs, func(r string) bool { return slices.Contains(proxies, r) }):
			u.proxied = append(u.proxied, fn)
		case slices.ContainsFunc(refs, func(r string) bool { return slices.Contains(direct, r) }):
			u.direct = append(u.direct, fn)
		}
	}
	return u
}

func checkConcurrencyFits(c *checker, emit emitFunc) {
	for _, db := range c.databases() {
		maxConn, known := c.maxConnections(db)
		if !known {
			continue
		}
		u := c.usersOf(db)
		if len(u.direct) > 0 {
			c.plan(db, u.direct, dbconn.PlanConfig{MaxConnections: maxConn}, emit)
		}
		if len(u.proxied) > 0 {
			c.plan(db, u.proxied, dbconn.PlanConfig{MaxConnections: maxConn, Proxy: true,
				ProxyMaxConnectionsPercent: u.proxyPercent}, emit)
		}
	}
}

// plan adds up the functions' largest possible reserved concurrency and
// asks dbconn.Plan whether the database holds that many connections.
func (c *checker) plan(db *cfn.Resource, fns []*cfn.Resource, pc dbconn.PlanConfig, emit emitFunc) {
	var names []string
	for _, fn := range fns {
		n := fn.Prop("ReservedConcurrentExecutions")
		vals, unknown := c.t.Ints(n)
		if unknown {
			emit(fn, n, "reserved concurrency is not a known number, so it cannot be checked against %s's max_connections %d", db.ID, pc.MaxConnections)
			return
		}
		if len(vals) == 0 {
			return // fn-reserved-concurrency reports it
		}
		pc.ReservedConcurrency += slices.Max(vals)
		names = append(names, fn.ID)
	}
	_, err := dbconn.Plan(pc)
	if err == nil {
		return
	}
	var perr *dbconn.PlanError
	if !errors.As(err, &perr) && !errors.Is(err, dbconn.ErrInvalidConfig) {
		return
	}
	for _, fn := range fns {
		emit(fn, fn.Prop("ReservedConcurrentExecutions"), "reserved concurrency of %s does not fit database %s: %v",
			strings.Join(names, " + "), db.ID, err)
	}
}

func atoiOr(s string, def int) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > 1000 {
			return def
		}
		n = n*10 + int(r-'0')
	}
	if s == "" {
		return def
	}
	return n
}
