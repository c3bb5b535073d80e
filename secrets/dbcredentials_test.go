package secrets_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lambdasec/lambdasec/secrets"
)

func TestParseDBCredentials(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name    string
		in      string
		want    secrets.DBCredentials
		wantErr string
	}{
		{
			name: "RDS managed shape",
			in:   `{"engine":"mysql","host":"db.abc.us-east-1.rds.amazonaws.com","port":3306,"username":"admin","password":"pw","dbname":"orders","dbInstanceIdentifier":"orders-1"}`,
			want: withPassword(secrets.DBCredentials{Engine: "mysql", Host: "db.abc.us-east-1.rds.amazonaws.com", Port: 3306, Username: "admin", DBName: "orders", DBInstanceIdentifier: "orders-1"}, "pw"),
		},
		{
			name: "RDS-managed master secret has only username and password",
			in:   `{"username":"admin","password":"pw"}`,
			want: withPassword(secrets.DBCredentials{Username: "admin"}, "pw"),
		},
		{
			name: "variants and port as string",
			in:   `{"Engine":"aurora-mysql","HostName":"h","Port":"3307","user":"u","pass":"p","database":"d","db_cluster_identifier":"c","ssl":"true"}`,
			want: withPassword(secrets.DBCredentials{Engine: "aurora-mysql", Host: "h", Port: 3307, Username: "u", DBName: "d", DBClusterIdentifier: "c", SSL: &yes}, "p"),
		},
		{
			name: "more variants",
			in:   `{"endpoint":"h","user_name":"u","passwd":"p","db-name":"d","ssl":false}`,
			want: withPassword(secrets.DBCredentials{Host: "h", Username: "u", DBName: "d", SSL: &no}, "p"),
		},
		{
			name: "agreeing duplicates",
			in:   `{"username":"u","user":"u","password":"p","pwd":"p"}`,
			want: withPassword(secrets.DBCredentials{Username: "u"}, "p"),
		},
		{
			name: "null is absent, unknown keys ignored",
			in:   `{"username":"u","password":"p","host":null,"extra":{"a":[1,2]}}`,
			want: withPassword(secrets.DBCredentials{Username: "u"}, "p"),
		},
		{
			name: "password may hold any character",
			in:   `{"username":"u","password":"p\u0000\n\"{}"}`,
			want: withPassword(secrets.DBCredentials{Username: "u"}, "p\x00\n\"{}"),
		},
		{name: "missing password", in: `{"username":"u"}`, wantErr: "password is missing"},
		{name: "empty password", in: `{"username":"u","password":""}`, wantErr: "password is missing"},
		{name: "missing username", in: `{"password":"p"}`, wantErr: "username is missing"},
		{name: "not an object", in: `["u","p"]`, wantErr: "not a JSON object"},
		{name: "plain string", in: `hunter2`, wantErr: "not a JSON object"},
		{name: "empty", in: ``, wantErr: "not a JSON object"},
		{name: "truncated", in: `{"username":"u","password":"p"`, wantErr: "invalid JSON"},
		{name: "trailing data", in: `{"username":"u","password":"p"} {}`, wantErr: "data after"},
		{name: "password not a string", in: `{"username":"u","password":123}`, wantErr: "password must be a string"},
		{name: "port out of range", in: `{"username":"u","password":"p","port":70000}`, wantErr: "port must be"},
		{name: "port zero", in: `{"username":"u","password":"p","port":0}`, wantErr: "port must be"},
		{name: "port fraction", in: `{"username":"u","password":"p","port":3306.5}`, wantErr: "port must be"},
		{name: "port word", in: `{"username":"u","password":"p","port":"http"}`, wantErr: "port must be"},
		{name: "ssl word", in: `{"username":"u","password":"p","ssl":"maybe"}`, wantErr: "ssl must be"},
		// Two spellings that disagree: which one a parser picks decides the
		// login, so refuse instead of guessing.
		{name: "conflicting spellings", in: `{"username":"u","user":"v","password":"p"}`, wantErr: "conflicting keys for username"},
		// A repeated key is a classic parser-differential trick.
		{name: "repeated key", in: `{"username":"u","password":"p","password":"q"}`, wantErr: "conflicting keys for password"},
		{name: "conflicting ports", in: `{"username":"u","password":"p","port":1,"Port":"2"}`, wantErr: "conflicting keys for port"},
		// Control characters in a host or user end up in DSNs and logs.
		{name: "newline in host", in: `{"username":"u","password":"p","host":"h\nx"}`, wantErr: "host contains a control character"},
		{name: "NUL in user", in: `{"username":"u\u0000","password":"p"}`, wantErr: "username contains a control character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := secrets.ParseDBCredentials([]byte(tc.in))
			if tc.wantErr != "" {
				if !errors.Is(err, secrets.ErrInvalidCredentials) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want ErrInvalidCredentials with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v", err)
			}
			if !equalCreds(got, tc.want) {
				t.Fatalf("got %+v, want %+v (passwords equal: %v)", got, tc.want, got.Password() == tc.want.Password())
			}
			// UnmarshalJSON goes through the same parser.
			var viaJSON secrets.DBCredentials
			if err := json.Unmarshal([]byte(tc.in), &viaJSON); err != nil || !equalCreds(viaJSON, tc.want) {
				t.Fatalf("json.Unmarshal: got %+v, %v", viaJSON, err)
			}
		})
	}
}

func equalCreds(a, b secrets.DBCredentials) bool {
	sslEq := (a.SSL == nil) == (b.SSL == nil) && (a.SSL == nil || *a.SSL == *b.SSL)
	return sslEq && a.Password() == b.Password() && a.Engine == b.Engine && a.Host == b.Host && a.Port == b.Port && a.Username == b.Username &&
		a.DBName == b.DBName && a.DBClusterIdentifier == b.DBClusterIdentifier && a.DBInstanceIdentifier == b.DBInstanceIdentifier
}

func TestDBCredentialsAddr(t *testing.T) {
	tests := []struct {
		name string
		c    secrets.DBCredentials
		want string
	}{
		{name: "explicit port", c: secrets.DBCredentials{Engine: "mysql", Host: "h", Port: 3307}, want: "h:3307"},
		{name: "mysql default", c: secrets.DBCredentials{Engine: "mysql", Host: "h"}, want: "h:3306"},
		{name: "aurora default", c: secrets.DBCredentials{Engine: "aurora-mysql", Host: "h"}, want: "h:3306"},
		{name: "postgres default", c: secrets.DBCredentials{Engine: "postgres", Host: "h"}, want: "h:5432"},
		{name: "sqlserver default", c: secrets.DBCredentials{Engine: "sqlserver-ex", Host: "h"}, want: "h:1433"},
		{name: "oracle default", c: secrets.DBCredentials{Engine: "oracle-ee", Host: "h"}, want: "h:1521"},
		{name: "IPv6", c: secrets.DBCredentials{Engine: "mysql", Host: "::1"}, want: "[::1]:3306"},
		{name: "unknown engine", c: secrets.DBCredentials{Host: "h"}, want: "h"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Addr(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDBCredentialsMarshalRedacts(t *testing.T) {
	c := withPassword(secrets.DBCredentials{Engine: "mysql", Host: "h", Port: 3306, Username: "u", DBName: "d"}, "pw-xyzzy")
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"engine":"mysql","host":"h","port":3306,"username":"u","password":"[REDACTED]","dbname":"d"}`
	if string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
}

// FuzzParseDBCredentials: no input panics; every error wraps
// ErrInvalidCredentials and never quotes the input's password; every
// success has a username and password and prints without the password.
func FuzzParseDBCredentials(f *testing.F) {
	for _, s := range []string{
		`{"engine":"mysql","host":"h","port":3306,"username":"u","password":"p","dbname":"d"}`,
		`{"username":"admin","password":"pw"}`,
		`{"Engine":"aurora-mysql","HostName":"h","Port":"3307","user":"u","pass":"p","database":"d","ssl":"true"}`,
		`{"username":"u","user":"v","password":"p"}`,
		`{"username":"u","password":"p","password":"q"}`,
		`{"username":"u","password":123}`,
		`{"username":"u","password":"p","port":1e3}`,
		`{"username":"u","password":"p","port":"-1"}`,
		`{"username":"u","password":"p","ssl":null}`,
		`{"username":"u","password":"p"} trailing`,
		`{"username":"u","password":"p",}`,
		`{"username":"u\ud800","password":"\u00e9"}`,
		`[]`, `null`, `"str"`, `{`, ``, `{"a":{"b":[{"c":1}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := secrets.ParseDBCredentials(data)
		if err != nil {
			if !errors.Is(err, secrets.ErrInvalidCredentials) {
				t.Fatalf("error %v does not wrap ErrInvalidCredentials", err)
			}
			// Errors are built from fixed text, key names and offsets only.
			var m map[string]any
			if json.Unmarshal(data, &m) == nil {
				for _, k := range []string{"password", "pass", "passwd", "pwd", "Password"} {
					if pw, ok := m[k].(string); ok && len(pw) >= 4 && strings.Contains(err.Error(), pw) {
						t.Fatalf("error %q quotes the password", err)
					}
				}
			}
			if c != (secrets.DBCredentials{}) {
				t.Fatalf("error %v with non-zero credentials", err)
			}
			return
		}
		if c.Username == "" || c.Password() == "" {
			t.Fatalf("success without username or password: %v", c)
		}
		// Redaction does not depend on the password at all.
		other := c
		other.SetPassword("different")
		if c.String() != other.String() || c.GoString() != other.GoString() {
			t.Fatalf("String depends on the password")
		}
		b1, _ := json.Marshal(c)
		b2, _ := json.Marshal(other)
		if string(b1) != string(b2) {
			t.Fatalf("MarshalJSON depends on the password")
		}
	})
}

func withPassword(c secrets.DBCredentials, pw string) secrets.DBCredentials {
	c.SetPassword(pw)
	return c
}
