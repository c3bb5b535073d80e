package dbconn_test

import (
	"context"
	"database/sql"
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
)

func TestNewConnectorValidates(t *testing.T) {
	creds := func(context.Context) (dbconn.Credentials, error) { return dbconn.Credentials{}, nil }
	iam := &dbconn.IAM{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	tests := []struct {
		name string
		cfg  dbconn.Config
		ok   bool
	}{
		{"static", dbconn.Config{Host: "db.example.internal", User: "app", Password: "pw"}, true},
		{"provider supplies host and user", dbconn.Config{Credentials: creds}, true},
		{"iam", dbconn.Config{Host: "db.example.internal", User: "app", IAM: iam}, true},
		{"ipv6 literal", dbconn.Config{Host: "::1", User: "app", Password: "pw"}, true},
		{"no login", dbconn.Config{Host: "db", User: "app"}, false},
		{"two logins", dbconn.Config{Host: "db", User: "app", Password: "pw", Credentials: creds}, false},
		{"password and iam", dbconn.Config{Host: "db", User: "app", Password: "pw", IAM: iam}, false},
		{"refresh without provider", dbconn.Config{Host: "db", User: "app", Password: "pw", RefreshCredentials: creds}, false},
		{"pending without provider", dbconn.Config{Host: "db", User: "app", Password: "pw", PendingCredentials: creds}, false},
		{"no host", dbconn.Config{User: "app", Password: "pw"}, false},
		{"no user", dbconn.Config{Host: "db", Password: "pw"}, false},
		{"host with port", dbconn.Config{Host: "db:3306", User: "app", Password: "pw"}, false},
		// A DSN pasted into Host must not smuggle parameters such as tls=false.
		{"dsn in host", dbconn.Config{Host: "app:pw@tcp(db:3306)/x?tls=false", User: "app", Password: "pw"}, false},
		{"port out of range", dbconn.Config{Host: "db", Port: 70000, User: "app", Password: "pw"}, false},
		{"iam without region", dbconn.Config{Host: "db", User: "app", IAM: &dbconn.IAM{Credentials: iam.Credentials}}, false},
		{"iam without credentials", dbconn.Config{Host: "db", User: "app", IAM: &dbconn.IAM{Region: "eu-west-1"}}, false},
		{"bad extra CA", dbconn.Config{Host: "db", User: "app", Password: "pw", RootCAs: []byte("nope")}, false},
		{"negative timeout", dbconn.Config{Host: "db", User: "app", Password: "pw", ReadTimeout: -1}, false},
		{"negative pool", dbconn.Config{Host: "db", User: "app", Password: "pw", Pool: dbconn.Pool{PerEnvironment: -1}}, false},
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

func TestSecretsRedacted(t *testing.T) {
	const pw = "hunter2-very-secret"
	cfg := dbconn.Config{Host: "db", User: "app", Password: pw}
	cr := dbconn.Credentials{User: "app", Password: pw, Host: "db"}
	var logs, text strings.Builder
	// slog's JSON handler marshals a value without LogValue, which would
	// print the Password field (or fail on Config's funcs).
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "creds", cr, "cfg", cfg)
	slog.New(slog.NewTextHandler(&text, nil)).Info("x", "creds", cr, "cfg", cfg)
	// Verbs a Stringer does not cover print the fields by reflection
	// unless the type formats itself. The format is a variable so that
	// vet lets the test use them.
	verbs := "%d %x %X %q %t %o %e"
	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg),
		fmt.Sprint(cr), fmt.Sprintf("%v %+v %#v %s", cr, cr, cr, cr),
		fmt.Sprintf(verbs, cfg, cfg, cfg, cfg, cfg, cfg, cfg),
		fmt.Sprintf(verbs, cr, cr, cr, cr, cr, cr, cr),
		fmt.Sprintf(verbs, &cfg, &cfg, &cfg, &cfg, &cfg, &cfg, &cfg),
		logs.String(), text.String(),
	} {
		if strings.Contains(s, pw) {
			t.Fatalf("password printed: %s", s)
		}
		if !strings.Contains(s, "REDACTED") {
			t.Fatalf("no redaction marker in %s", s)
		}
	}
	if strings.Contains(logs.String(), "ERROR") || !strings.Contains(logs.String(), `"host":"db"`) {
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
			return dbconn.Credentials{User: "u", Password: "p"}, nil
		}},
		{"provider gives a bad host", func(context.Context) (dbconn.Credentials, error) {
			return dbconn.Credentials{User: "u", Password: "p", Host: "evil/host"}, nil
		}},
		{"provider gives a bad port", func(context.Context) (dbconn.Credentials, error) {
			return dbconn.Credentials{User: "u", Password: "p", Host: "db", Port: 99999}, nil
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
	c, err := dbconn.NewConnector(dbconn.Config{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, User: "app", Password: "pw"})
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
// function type, not the secrets package.
func TestIndependentOfSiblings(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/lambdasec/lambdasec/dbconn").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/lambdasec/lambdasec/") && dep != "github.com/lambdasec/lambdasec/dbconn" {
			t.Errorf("dbconn depends on %s", dep)
		}
	}
}
