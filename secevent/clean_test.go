package secevent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/lambdasec/lambdasec/secevent"
)

type account struct{ Email, Password string }

type redactingKey struct{ secret string }

func (k redactingKey) LogValue() slog.Value { return slog.StringValue("key[REDACTED]") }

const (
	jwt      = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlc2lnbmF0dXJl"
	phc      = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
	password = "Tr1al-Balance!2026"
)

// TestCleanAttackTable: whatever a caller puts in an event, no credential
// reaches a Sink.
func TestCleanAttackTable(t *testing.T) {
	for _, tc := range []struct {
		name string
		attr slog.Attr
		want string // the value as a Sink sees it
	}{
		{"password key", slog.String("password", password), "[REDACTED]"},
		{"new_password key", slog.String("new_password", password), "[REDACTED]"},
		{"token key", slog.String("refresh_token", "opaque-refresh-value"), "[REDACTED]"},
		{"authorization key", slog.String("Authorization", "Basic YWRhOnB3"), "[REDACTED]"},
		{"cookie key", slog.String("cookie", "sid=abc"), "[REDACTED]"},
		{"api key", slog.String("x-api-key", "k-123456789"), "[REDACTED]"},
		{"secret key", slog.String("client_secret", "s3cr3t"), "[REDACTED]"},
		// A JWT under an innocent key: caught by its shape.
		{"jwt value", slog.String("note", "got "+jwt), "[REDACTED]"},
		{"bearer value", slog.String("header", "Bearer abcdefghijklmnop"), "[REDACTED]"},
		{"password hash value", slog.String("row", phc), "[REDACTED]"},
		{"bcrypt hash value", slog.String("row", "$2y$10$abcdefghijklmnopqrstuv"), "[REDACTED]"},
		// A struct could hold anything: only its type is kept.
		{"struct", slog.Any("account", account{"ada@example.com", password}), "[secevent_test.account]"},
		{"pointer to struct", slog.Any("acct", &account{"a", password}), "[*secevent_test.account]"},
		{"bytes", slog.Any("body", []byte(password)), "[18 bytes]"},
		{"map", slog.Any("m", map[string]string{"p": password}), "[map[string]string]"},
		// A LogValuer decides for itself.
		{"log valuer", slog.Any("k", redactingKey{password}), "key[REDACTED]"},
		{"error", slog.Any("err", errors.New("redis: timeout")), "redis: timeout"},
		{"error holding a jwt", slog.Any("err", errors.New("bad token "+jwt)), "[REDACTED]"},
		// Log injection: a CR/LF would start a forged line in text logs.
		{"newline", slog.String("user_agent", "x\nlevel=ERROR msg=forged"), `x\nlevel=ERROR msg=forged`},
		{"nel and line separator", slog.String("name", "a\u0085b\u2028c"), `a\u0085b\u2028c`},
		{"invalid utf-8", slog.String("name", "a\xffb"), `a\ufffdb`},
		{"plain", slog.String("reason", "bad_password"), "bad_password"},
		{"number", slog.Int("attempts", 7), "7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := secevent.Clean(secevent.Event{Name: secevent.AuthnLoginFail, Attrs: []slog.Attr{tc.attr}})
			if len(got.Attrs) != 1 {
				t.Fatalf("got %d attrs", len(got.Attrs))
			}
			if v := got.Attrs[0].Value.String(); v != tc.want {
				t.Fatalf("value %q, want %q", v, tc.want)
			}
		})
	}
}

func TestCleanBoundsAndFields(t *testing.T) {
	long := strings.Repeat("é", 1000)
	e := secevent.Clean(secevent.Event{
		Name:     secevent.AuthnLoginFail,
		UserID:   long,
		ClientIP: "1.2.3.4\r\nforged",
		Route:    "POST /v1/auth/login",
		Reason:   "Bearer abcdefghijklmnopqrstuvwxyz",
	})
	if len(e.UserID) > 260 {
		t.Errorf("user id kept %d bytes", len(e.UserID))
	}
	if strings.ContainsAny(e.ClientIP, "\r\n") {
		t.Errorf("client ip %q holds a line break", e.ClientIP)
	}
	if e.Reason != "[REDACTED]" {
		t.Errorf("reason %q", e.Reason)
	}
	if e.Level != slog.LevelWarn {
		t.Errorf("level %v, want the vocabulary's WARN", e.Level)
	}
	var many []slog.Attr
	for range 100 {
		many = append(many, slog.Int("n", 1))
	}
	if got := secevent.Clean(secevent.Event{Name: "x", Attrs: many}); len(got.Attrs) > 32 {
		t.Errorf("kept %d attrs", len(got.Attrs))
	}
}

// TestEventsNeverCarrySecrets runs an event stuffed with credentials in
// every field through both sinks and searches what they wrote.
func TestEventsNeverCarrySecrets(t *testing.T) {
	var logs, emf bytes.Buffer
	m, err := secevent.NewMetrics(secevent.MetricsConfig{Out: &emf, PerRoute: true})
	if err != nil {
		t.Fatal(err)
	}
	sink := secevent.Multi(secevent.NewLogSink(slog.New(slog.NewJSONHandler(&logs, nil))), m)
	for _, v := range []string{jwt, "Bearer " + jwt, phc, "password=" + password} {
		secevent.Emit(context.Background(), sink, secevent.Event{
			Name: secevent.AuthnLoginFail, UserID: v, ClientIP: v, Route: v, Reason: v,
			Attrs: []slog.Attr{
				slog.String("password", password), slog.String("token", v), slog.Any("acct", account{Password: password}),
				slog.Group("g", slog.String("secret", password), slog.String("note", v)),
			},
		})
	}
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{logs.String(), emf.String()} {
		for _, secret := range []string{password, "c2lnbmF0dXJl", "aGFzaGhhc2g"} {
			if strings.Contains(out, secret) {
				t.Errorf("output holds %q:\n%s", secret, out)
			}
		}
	}
}

func TestEmitSurvivesAPanickingSink(t *testing.T) {
	var got []secevent.Name
	sink := secevent.Multi(
		secevent.SinkFunc(func(context.Context, secevent.Event) { panic("broken sink") }),
		secevent.SinkFunc(func(_ context.Context, e secevent.Event) { got = append(got, e.Name) }),
	)
	secevent.Emit(context.Background(), sink, secevent.Event{Name: secevent.AuthzFail})
	secevent.Emit(context.Background(), secevent.SinkFunc(func(context.Context, secevent.Event) { panic("x") }),
		secevent.Event{Name: secevent.AuthzFail})
	secevent.Emit(context.Background(), nil, secevent.Event{Name: secevent.AuthzFail}) // no sink: nothing
	if len(got) != 1 || got[0] != secevent.AuthzFail {
		t.Fatalf("got %v", got)
	}
}

func TestLogSinkLine(t *testing.T) {
	var buf bytes.Buffer
	sink := secevent.NewLogSink(slog.New(slog.NewJSONHandler(&buf, nil)))
	secevent.Emit(context.Background(), sink, secevent.Event{
		Name: secevent.AuthnLoginFail, UserID: "ada@example.com", ClientIP: "203.0.113.9",
		Route: "POST /v1/auth/login", Reason: "bad_password", Attrs: []slog.Attr{slog.Int("failures", 3)},
	})
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	want := map[string]any{"msg": secevent.LogMessage, "level": "WARN", "event": "authn_login_fail", "user_id": "ada@example.com",
		"client_ip": "203.0.113.9", "route": "POST /v1/auth/login", "reason": "bad_password", "failures": 3.0}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v", k, line[k], v)
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, line["time"].(string)); err != nil {
		t.Errorf("time %v: %v", line["time"], err)
	}
}

func TestCriticalLevel(t *testing.T) {
	if secevent.AuthnTokenReuse.Level() != secevent.LevelCritical || secevent.LevelCritical <= slog.LevelError {
		t.Fatal("token reuse is CRITICAL in the vocabulary")
	}
	if secevent.Name("custom_event").Level() != slog.LevelWarn {
		t.Fatal("unknown names default to WARN")
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "plain", jwt, phc, "a\nb", "\xff\xfe", strings.Repeat("x", 300), "Bearer abcdefghij"} {
		f.Add("note", s)
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		e := secevent.Clean(secevent.Event{Name: secevent.Name(value), UserID: value, Attrs: []slog.Attr{slog.String(key, value)}})
		for _, s := range []string{string(e.Name), e.UserID, e.Attrs[0].Key, e.Attrs[0].Value.String()} {
			if len(s) > 256+len("…")+8 {
				t.Fatalf("%d bytes survived", len(s))
			}
			for _, r := range s {
				if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
					t.Fatalf("control character %U survived in %q", r, s)
				}
			}
			if strings.Contains(s, "eyJ") && strings.Count(s, ".") >= 2 && strings.Contains(value, jwt) {
				t.Fatalf("jwt survived: %q", s)
			}
		}
	})
}
