package secrets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
)

// DBCredentials is the JSON shape of a database secret as RDS, Aurora and
// the Secrets Manager rotation functions write it:
//
//	{"engine": "mysql", "host": "db.example.internal", "port": 3306,
//	 "username": "app", "password": "...", "dbname": "orders"}
//
// Decoding accepts the common variants of those keys, in any case and with
// or without underscores or dashes: user, hostname, endpoint, pass, passwd,
// pwd, database, db, db_name. The port may be a number or a string. The
// username and password are required; the rest is optional, as the secrets
// RDS manages itself carry no host.
//
// A DBCredentials does not print its password: String, GoString, Format
// (every fmt verb), LogValue and MarshalJSON show [Redacted] in its place.
// The password is not a field but sits behind a pointer, read with
// [DBCredentials.Password], so that even fmt's reflection (%p, or a
// DBCredentials held in an unexported field of a struct that is printed)
// shows an address, not the password.
type DBCredentials struct {
	Engine   string // mysql, mariadb, postgres, aurora-mysql, ...
	Host     string
	Port     int // zero when absent; see [DBCredentials.Addr]
	Username string
	DBName   string

	// DBClusterIdentifier and DBInstanceIdentifier name the RDS resource
	// the secret belongs to, when RDS wrote it.
	DBClusterIdentifier  string
	DBInstanceIdentifier string

	// SSL is the rotation templates' optional "ssl" key: nil when absent.
	SSL *bool

	password *string // nil: none
}

// Password returns the password, "" when there is none.
func (c DBCredentials) Password() string {
	if c.password == nil {
		return ""
	}
	return *c.password
}

// SetPassword sets the password, for credentials built by hand. It does not
// change copies made before.
func (c *DBCredentials) SetPassword(password string) { c.password = &password }

// field numbers the DBCredentials fields for key matching.
type field int

const (
	fieldNone field = iota
	fieldEngine
	fieldHost
	fieldPort
	fieldUsername
	fieldPassword
	fieldDBName
	fieldCluster
	fieldInstance
	fieldSSL
)

const numFields = int(fieldSSL) + 1

// String is the field's standard key, used in errors.
func (f field) String() string {
	switch f {
	case fieldEngine:
		return "engine"
	case fieldHost:
		return "host"
	case fieldPort:
		return "port"
	case fieldUsername:
		return "username"
	case fieldPassword:
		return "password"
	case fieldDBName:
		return "dbname"
	case fieldCluster:
		return "dbClusterIdentifier"
	case fieldInstance:
		return "dbInstanceIdentifier"
	case fieldSSL:
		return "ssl"
	}
	return "unknown"
}

// fieldFor maps a JSON key to the field it names. Keys match without regard
// to case, underscores and dashes.
func fieldFor(k string) field {
	if len(k) > 32 { // longer than any alias
		return fieldNone
	}
	var buf [32]byte
	n := 0
	for i := 0; i < len(k); i++ {
		switch b := k[i]; {
		case b == '_' || b == '-':
		case 'A' <= b && b <= 'Z':
			buf[n] = b + ('a' - 'A')
			n++
		default:
			buf[n] = b
			n++
		}
	}
	switch string(buf[:n]) {
	case "engine":
		return fieldEngine
	case "host", "hostname", "endpoint":
		return fieldHost
	case "port":
		return fieldPort
	case "username", "user":
		return fieldUsername
	case "password", "pass", "passwd", "pwd":
		return fieldPassword
	case "dbname", "database", "db", "databasename":
		return fieldDBName
	case "dbclusteridentifier":
		return fieldCluster
	case "dbinstanceidentifier":
		return fieldInstance
	case "ssl":
		return fieldSSL
	}
	return fieldNone
}

// ParseDBCredentials parses a database secret's JSON (see [DBCredentials]).
// Errors wrap [ErrInvalidCredentials] and name keys, never values.
func ParseDBCredentials(data []byte) (DBCredentials, error) {
	var c DBCredentials
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return c, fmt.Errorf("%w: not a JSON object", ErrInvalidCredentials)
	}
	var seen [numFields]bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return DBCredentials{}, malformed(dec)
		}
		name, _ := tok.(string)
		var raw any
		if err := dec.Decode(&raw); err != nil {
			return DBCredentials{}, malformed(dec)
		}
		f := fieldFor(name)
		if f == fieldNone || raw == nil {
			continue
		}
		if err := c.set(f, raw, seen[f]); err != nil {
			return DBCredentials{}, err
		}
		seen[f] = true
	}
	if _, err := dec.Token(); err != nil {
		return DBCredentials{}, malformed(dec)
	}
	if _, err := dec.Token(); err != io.EOF {
		return DBCredentials{}, fmt.Errorf("%w: data after the JSON object", ErrInvalidCredentials)
	}
	switch {
	case c.Username == "":
		return DBCredentials{}, fmt.Errorf("%w: username is missing", ErrInvalidCredentials)
	case c.Password() == "":
		return DBCredentials{}, fmt.Errorf("%w: password is missing", ErrInvalidCredentials)
	}
	return c, nil
}

func malformed(dec *json.Decoder) error {
	return fmt.Errorf("%w: invalid JSON at offset %d", ErrInvalidCredentials, dec.InputOffset())
}

// set stores raw in field f. dup reports that another key already set f:
// two spellings of one key, or one key given twice, must agree, or the
// secret is ambiguous (and parsers that pick differently could be played
// against each other).
func (c *DBCredentials) set(f field, raw any, dup bool) error {
	name := f.String()
	switch f {
	case fieldPort:
		p, err := parsePort(raw)
		if err != nil {
			return err
		}
		if dup && c.Port != p {
			return fmt.Errorf("%w: conflicting keys for %s", ErrInvalidCredentials, name)
		}
		c.Port = p
		return nil
	case fieldSSL:
		b, ok := raw.(bool)
		if s, isStr := raw.(string); isStr {
			b, ok = parseBool(s)
		}
		if !ok {
			return fmt.Errorf("%w: ssl must be true or false", ErrInvalidCredentials)
		}
		if dup && *c.SSL != b {
			return fmt.Errorf("%w: conflicting keys for ssl", ErrInvalidCredentials)
		}
		c.SSL = &b
		return nil
	}
	s, ok := raw.(string)
	if !ok {
		return fmt.Errorf("%w: %s must be a string", ErrInvalidCredentials, name)
	}
	if f != fieldPassword && strings.ContainsFunc(s, isControl) {
		// These end up in DSNs and logs; a control character is an attack
		// or a corrupted secret.
		return fmt.Errorf("%w: %s contains a control character", ErrInvalidCredentials, name)
	}
	dst := c.fieldPtr(f)
	if dup && *dst != s {
		return fmt.Errorf("%w: conflicting keys for %s", ErrInvalidCredentials, name)
	}
	*dst = s
	return nil
}

func (c *DBCredentials) fieldPtr(f field) *string {
	switch f {
	case fieldEngine:
		return &c.Engine
	case fieldHost:
		return &c.Host
	case fieldUsername:
		return &c.Username
	case fieldPassword:
		if c.password == nil {
			c.password = new(string)
		}
		return c.password
	case fieldDBName:
		return &c.DBName
	case fieldCluster:
		return &c.DBClusterIdentifier
	default:
		return &c.DBInstanceIdentifier
	}
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func parsePort(raw any) (int, error) {
	var s string
	switch v := raw.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("%w: port must be an integer from 1 to 65535", ErrInvalidCredentials)
	}
	return p, nil
}

func parseBool(s string) (b, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// UnmarshalJSON parses data with [ParseDBCredentials], so that
// [Secret.Decode] and [GetJSON] accept every variant it does.
func (c *DBCredentials) UnmarshalJSON(data []byte) error {
	v, err := ParseDBCredentials(data)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// MarshalJSON writes the standard RDS keys with the password replaced by
// [Redacted], so that a DBCredentials logged or returned as JSON by mistake
// does not leak it. Marshal the fields yourself to store real credentials.
func (c DBCredentials) MarshalJSON() ([]byte, error) {
	type out struct {
		Engine               string `json:"engine,omitempty"`
		Host                 string `json:"host,omitempty"`
		Port                 int    `json:"port,omitempty"`
		Username             string `json:"username"`
		Password             string `json:"password"`
		DBName               string `json:"dbname,omitempty"`
		DBClusterIdentifier  string `json:"dbClusterIdentifier,omitempty"`
		DBInstanceIdentifier string `json:"dbInstanceIdentifier,omitempty"`
		SSL                  *bool  `json:"ssl,omitempty"`
	}
	return json.Marshal(out{c.Engine, c.Host, c.Port, c.Username, Redacted, c.DBName, c.DBClusterIdentifier, c.DBInstanceIdentifier, c.SSL})
}

// Addr is Host and Port joined for net.Dial. Without a Port it uses the
// engine's default port (3306 for MySQL, MariaDB and Aurora MySQL, 5432 for
// PostgreSQL, 1433 for SQL Server, 1521 for Oracle), or returns Host alone
// for an unknown engine.
func (c DBCredentials) Addr() string {
	port := c.Port
	if port == 0 {
		port = defaultPort(c.Engine)
	}
	if port == 0 {
		return c.Host
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

func defaultPort(engine string) int {
	e := strings.ToLower(engine)
	switch {
	case e == "mysql", e == "mariadb", e == "aurora", e == "aurora-mysql":
		return 3306
	case e == "postgres", e == "postgresql", e == "aurora-postgresql":
		return 5432
	case strings.HasPrefix(e, "sqlserver"):
		return 1433
	case strings.HasPrefix(e, "oracle"):
		return 1521
	}
	return 0
}

// String describes the credentials with the password redacted.
func (c DBCredentials) String() string {
	return fmt.Sprintf("secrets.DBCredentials{Engine: %q, Host: %q, Port: %d, Username: %q, Password: %s, DBName: %q}",
		c.Engine, c.Host, c.Port, c.Username, Redacted, c.DBName)
}

// GoString is [DBCredentials.String], so %#v redacts too.
func (c DBCredentials) GoString() string { return c.String() }

// Format prints [DBCredentials.String] for every verb, so no fmt verb can
// reach the password through reflection.
func (c DBCredentials) Format(f fmt.State, verb rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs everything but the password, which shows as [Redacted].
func (c DBCredentials) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("engine", c.Engine),
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("username", c.Username),
		slog.String("password", Redacted),
		slog.String("dbname", c.DBName),
	)
}
