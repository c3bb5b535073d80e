package audit

import (
	"strconv"
	"strings"

	"github.com/lambdasec/lambdasec/cmd/lambdasec-audit/internal/cfn"
)

const (
	dbInstance     = "AWS::RDS::DBInstance"
	dbCluster      = "AWS::RDS::DBCluster"
	dbParams       = "AWS::RDS::DBParameterGroup"
	dbClusterParam = "AWS::RDS::DBClusterParameterGroup"
)

// databases returns the resources that own storage, backup and deletion
// settings: clusters, and instances that are not members of a cluster.
func (c *checker) databases() []*cfn.Resource {
	var out []*cfn.Resource
	for _, r := range c.resources(dbInstance, dbCluster) {
		if r.Type == dbInstance && r.Prop("DBClusterIdentifier") != nil {
			continue
		}
		out = append(out, r)
	}
	return out
}

func checkRDSPublic(c *checker, emit emitFunc) {
	for _, db := range c.resources(dbInstance) {
		n := db.Prop("PubliclyAccessible")
		if n == nil {
			emit(db, nil, "PubliclyAccessible is not set; its default depends on the subnet group, so set it to false")
			continue
		}
		if _, maybe := c.t.Bool(n); maybe {
			emit(db, n, "database may be publicly accessible; set PubliclyAccessible to false")
		}
	}
}

func checkRDSEncryption(c *checker, emit emitFunc) {
	for _, db := range c.databases() {
		if always, _ := c.t.Bool(db.Prop("StorageEncrypted")); !always {
			emit(db, db.Prop("StorageEncrypted"), "storage is not encrypted; set StorageEncrypted to true (with KmsKeyId for a customer managed key)")
		}
	}
}

func checkRDSBackup(c *checker, emit emitFunc) {
	for _, db := range c.databases() {
		n := db.Prop("BackupRetentionPeriod")
		days, unknown := c.t.Ints(n)
		if n == nil {
			days = []int{1} // RDS's default
		}
		for _, d := range days {
			if d < 7 {
				emit(db, n, "backups are kept %d day(s); keep them at least 7", d)
				break
			}
		}
		if unknown {
			emit(db, n, "BackupRetentionPeriod is not a known number; set at least 7")
		}
	}
}

func checkRDSDeletion(c *checker, emit emitFunc) {
	for _, db := range c.databases() {
		if always, _ := c.t.Bool(db.Prop("DeletionProtection")); !always {
			emit(db, db.Prop("DeletionProtection"), "deletion protection is off; set DeletionProtection to true")
		}
	}
}

// tlsParameter names the parameter that makes an engine refuse clear-text
// connections; "" for engines this rule does not judge.
func tlsParameter(engine string) string {
	switch {
	case strings.Contains(engine, "mysql"), strings.Contains(engine, "mariadb"):
		return "require_secure_transport"
	case strings.Contains(engine, "postgres"), strings.HasPrefix(engine, "sqlserver"):
		return "rds.force_ssl"
	}
	return ""
}

func checkRDSTLS(c *checker, emit emitFunc) {
	for _, db := range c.databases() {
		engine, _ := c.singleValue(db.Prop("Engine"))
		param := tlsParameter(strings.ToLower(engine))
		if param == "" {
			continue
		}
		group := c.paramGroup(db)
		if group == nil {
			if defaultForcesTLS(db, engine, c) {
				continue
			}
			emit(db, nil, "no parameter group in this template sets %s=1, so the engine's default accepts clear-text connections", param)
			continue
		}
		vals := c.t.Values(group.Prop("Parameters", param))
		for _, v := range vals {
			on := v.Known && (v.S == "1" || strings.EqualFold(v.S, "on") || strings.EqualFold(v.S, "true"))
			if !on {
				emit(db, group.Prop("Parameters"), "parameter group %s does not set %s=1, so clear-text connections are accepted", group.ID, param)
				break
			}
		}
	}
}

// defaultForcesTLS: RDS for PostgreSQL 15 and later defaults rds.force_ssl
// to 1.
func defaultForcesTLS(db *cfn.Resource, engine string, c *checker) bool {
	if engine != "postgres" {
		return false
	}
	ver, ok := c.singleValue(db.Prop("EngineVersion"))
	major, err := strconv.Atoi(strings.SplitN(ver, ".", 2)[0])
	return ok && err == nil && major >= 15
}

// paramGroup returns the template's parameter group a database uses: a
// cluster's cluster parameter group, an instance's DB parameter group.
func (c *checker) paramGroup(db *cfn.Resource) *cfn.Resource {
	if db.Type == dbCluster {
		return c.resource(db.Prop("DBClusterParameterGroupName"), dbClusterParam)
	}
	return c.resource(db.Prop("DBParameterGroupName"), dbParams)
}

func (c *checker) singleValue(n *cfn.Node) (string, bool) {
	vs := c.t.Values(n)
	if len(vs) != 1 || !vs[0].Known {
		return "", false
	}
	return vs[0].S, true
}

// maxConnections returns the max_connections a database's parameter
// group sets, when it is a plain number (not a formula such as
// {DBInstanceClassMemory/12582880}).
func (c *checker) maxConnections(db *cfn.Resource) (int, bool) {
	groups := []*cfn.Resource{c.paramGroup(db)}
	if db.Type == dbCluster {
		for _, in := range c.referrers(db.ID, "DBClusterIdentifier", dbInstance) {
			groups = append(groups, c.resource(in.Prop("DBParameterGroupName"), dbParams))
		}
	}
	for _, g := range groups {
		if g == nil {
			continue
		}
		s, ok := c.singleValue(g.Prop("Parameters", "max_connections"))
		if n, err := strconv.Atoi(s); ok && err == nil && n > 0 {
			return n, true
		}
	}
	return 0, false
}
