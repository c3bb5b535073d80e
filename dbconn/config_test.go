package dbconn_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/lambdasec/lambdasec/dbconn"
	"github.com/lambdasec/lambdasec/internal/redacttest"
)

func TestNewConnectorValidates(t *testing.T) {
	creds := func(context.Context) (dbconn.Credentials, error) { return dbconn.Credentials{}, nil }
	iam := &dbconn.IAM{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	tests := []struct {
		name string
		cfg  dbconn.Config
		ok   bool
	}{
		{"static", dbconn.Config{Host: "db.example.internal", User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "pw"))}, true},
		{"provider supplies host and user", dbconn.Config{Credentials: creds}, true},
		{"iam", dbconn.Config{Host: "db.example.internal", User: "app", IAM: iam}, true},
		{"ipv6 literal", dbconn.Config{Host: "::1", User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "pw"))}, true},
		{"no login", dbconn.Config{Host: "db", User: "app"}, false},
		{"credentials and iam", dbconn.Config{Host: "db", User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "pw")), IAM: iam}, false},
		{"refresh without provider", dbconn.Config{Host: "db", User: "app", IAM: iam, RefreshCredentials: creds}, false},
		{"pending without provider", dbconn.Config{Host: "db", User: "app", IAM: iam, PendingCredentials: creds}, false},
		{"no host", dbconn.Config{User: "app", IAM: iam}, false},
		{"no user", dbconn.Config{Host: "db", IAM: iam}, false},
		{"NUL in user", dbconn.Config{Host: "db", User: "app\x00x", IAM: iam}, false},
		{"newline in user", dbconn.Config{Host: "db", User: "app\nx", IAM: iam}, false},
		{"NUL in database", dbconn.Config{Host: "db", User: "app", Database: "d\x00x", IAM: iam}, false},
		{"control in database", dbconn.Config{Host: "db", User: "app", Database: "d\x1bx", IAM: iam}, false},
		{"C1 control in database", dbconn.Config{Host: "db", User: "app", Database: "d\u0085x", IAM: iam}, false},
		{"host with port", dbconn.Config{Host: "db:3306", User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "pw"))}, false},
		// A DSN pasted into Host must not smuggle parameters such as tls=false.
		{"dsn in host", dbconn.Config{Host: "app:pw@tcp(db:3306)/x?tls=false", User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "pw"))}, false},
		{"port out of range", dbconn.Config{Host: "db", Port: 70000, User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "pw"))}, false},
		{"iam without region", dbconn.Config{Host: "db", User: "app", IAM: &dbconn.IAM{Credentials: iam.Credentials}}, false},
		{"iam without credentials", dbconn.Config{Host: "db", User: "app", IAM: &dbconn.IAM{Region: "eu-west-1"}}, false},
		{"bad extra CA", dbconn.Config{Host: "db", User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "pw")), RootCAs: []byte("nope")}, false},
		{"negative timeout", dbconn.Config{Host: "db", User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "pw")), ReadTimeout: -1}, false},
		{"negative pool", dbconn.Config{Host: "db", User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "pw")), Pool: dbconn.Pool{PerEnvironment: -1}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dbconn.NewConnector(tc.cfg)
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok && !errors.Is(err, dbconn.ErrInvalidConfig) {
				t.Fatalf("got %v, want ErrInvalidConfig", err)
			}
			if err != nil && strings.Contains(err.Error(), "pw\"") {
				t.Fatal("error echoes the password")
			}
		})
	}
}

// No setting turns TLS or verification off: plaintext is impossible
// through the API.
func TestConfigHasNoInsecureSwitch(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[dbconn.Config](), reflect.TypeFor[dbconn.Pool](), reflect.TypeFor[dbconn.IAM]()} {
		for f := range typ.Fields() {
			name := strings.ToLower(f.Name)
			for _, bad := range []string{"tls", "insecure", "skip", "verify", "plain", "cleartext", "ssl", "dsn"} {
				if strings.Contains(name, bad) {
					t.Errorf("%s.%s looks like a way around TLS", typ.Name(), f.Name)
				}
			}
			if f.Type.Kind() == reflect.Func && f.Name != "Credentials" && f.Name != "RefreshCredentials" &&
				f.Name != "PendingCredentials" && f.Name != "Wrap" && f.Name != "Now" {
				t.Errorf("%s.%s: a hook could replace the TLS config", typ.Name(), f.Name)
			}
		}
	}
}

// No way of printing, logging or encoding a Credentials or a Config shows
// the password, nested or not.
func TestSecretsRedacted(t *testing.T) {
	const pw = "hunter2-very-secret"
	cfg := dbconn.Config{Host: "db", User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", pw))}
	cr := with(dbconn.NewCredentials("app", pw), dbconn.Credentials{Host: "db"})
	redacttest.Check(t, cr, pw)
	redacttest.Check(t, cfg, pw)
	// As an unexported field fmt walks by reflection, without calling
	// Format: the password sits behind a pointer, so only an address
	// shows.
	type holder struct{ c dbconn.Credentials }
	if s := fmt.Sprintf("%v %+v", holder{cr}, holder{cr}); strings.Contains(s, pw) {
		t.Fatalf("password printed: %s", s)
	}
	b, err := json.Marshal(cr)
	if err != nil || string(b) != `{"user":"app","password":"[REDACTED]","host":"db"}` {
		t.Fatalf("json.Marshal = %s, %v", b, err)
	}
	if cr.Password() != pw {
		t.Fatal("Password() does not return the password")
	}
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "creds", cr, "cfg", cfg)
	if strings.Contains(logs.String(), "ERROR") || !strings.Contains(logs.String(), `"host":"db"`) ||
		!strings.Contains(logs.String(), "REDACTED") {
		t.Fatalf("JSON log of the config is not usable: %s", logs.String())
	}
}

func TestCredentialsErrors(t *testing.T) {
	boom := errors.New("secret not found")
	tests := []struct {
		name  string
		creds dbconn.CredentialsFunc
	}{
		{"provider fails", func(context.Context) (dbconn.Credentials, error) { return dbconn.Credentials{}, boom }},
		{"provider gives no host", func(context.Context) (dbconn.Credentials, error) {
			return dbconn.NewCredentials("u", "p"), nil
		}},
		{"provider gives a bad host", func(context.Context) (dbconn.Credentials, error) {
			return with(dbconn.NewCredentials("u", "p"), dbconn.Credentials{Host: "evil/host"}), nil
		}},
		{"provider gives a bad port", func(context.Context) (dbconn.Credentials, error) {
			return with(dbconn.NewCredentials("u", "p"), dbconn.Credentials{Host: "db", Port: 99999}), nil
		}},
		// NUL ends a handshake field: "u\x00x" would send user "u" and
		// shift "x" into the next field.
		{"provider gives NUL in user", func(context.Context) (dbconn.Credentials, error) {
			return with(dbconn.NewCredentials("u\x00x", "p"), dbconn.Credentials{Host: "db"}), nil
		}},
		{"provider gives a control byte in database", func(context.Context) (dbconn.Credentials, error) {
			return with(dbconn.NewCredentials("u", "p"), dbconn.Credentials{Host: "db", Database: "d\x00mysql"}), nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dbconn.NewConnector(dbconn.Config{Credentials: tc.creds})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Connect(context.Background())
			if !errors.Is(err, dbconn.ErrCredentials) {
				t.Fatalf("got %v, want ErrCredentials", err)
			}
		})
	}
}

// A server that accepts connections and never answers: Ping gives up
// within its budget.
func TestPingBudget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	c, err := dbconn.NewConnector(dbconn.Config{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, User: "app", Credentials: dbconn.StaticCredentials(dbconn.NewCredentials("app", "pw"))})
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	err = dbconn.Ping(context.Background(), db)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer in time") {
		t.Fatalf("got %v, want a ping timeout", err)
	}
}

// dbconn stays usable without its siblings: the credentials provider is a
// function type, not the secrets package. The one module package it may
// use is secevent, the security event vocabulary every package reports
// in (standard library only).
func TestIndependentOfSiblings(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/lambdasec/lambdasec/dbconn").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/lambdasec/lambdasec/") && dep != "github.com/lambdasec/lambdasec/dbconn" &&
			dep != "github.com/lambdasec/lambdasec/secevent" {
			t.Errorf("dbconn depends on %s", dep)
		}
	}
}

// with returns c with the endpoint fields of e.
func with(c, e dbconn.Credentials) dbconn.Credentials {
	c.Host, c.Port, c.Database = e.Host, e.Port, e.Database
	return c
}
