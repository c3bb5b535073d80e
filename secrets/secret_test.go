package secrets_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lambdasec/lambdasec/internal/redacttest"
	"github.com/lambdasec/lambdasec/secrets"
)

const secretValue = `{"username":"app","password":"s3cr3t-Pa55w0rd-xyzzy","host":"db.internal","port":3306}`

// leaks reports whether out contains the password or the whole value.
func leaks(out string) bool {
	return strings.Contains(out, "s3cr3t-Pa55w0rd-xyzzy") || strings.Contains(out, "xyzzy")
}

func testSecret(t *testing.T) secrets.Secret {
	t.Helper()
	c := newCache(t, secrets.Config{Client: secrets.Static(map[string]string{"prod/db": secretValue})})
	return mustGet(t, c, "prod/db")
}

// No rendering of a Secret or a DBCredentials, nested or not, shows the
// password or the whole value.
func TestRedactCheck(t *testing.T) {
	s := testSecret(t)
	redacttest.Check(t, s, "s3cr3t-Pa55w0rd-xyzzy", secretValue)
	var creds secrets.DBCredentials
	if err := s.Decode(&creds); err != nil {
		t.Fatal(err)
	}
	redacttest.Check(t, creds, "s3cr3t-Pa55w0rd-xyzzy")
	redacttest.Check(t, &creds, "s3cr3t-Pa55w0rd-xyzzy")
}

// TestRedaction prints a Secret and a DBCredentials every way a program
// might by mistake; none may show the password.
func TestRedaction(t *testing.T) {
	s := testSecret(t)
	var creds secrets.DBCredentials
	if err := s.Decode(&creds); err != nil {
		t.Fatal(err)
	}
	if creds.Password() != "s3cr3t-Pa55w0rd-xyzzy" {
		t.Fatalf("Decode: got password %q", creds.Password())
	}
	type wrapper struct {
		S secrets.Secret
		C secrets.DBCredentials
		P *secrets.DBCredentials
	}
	w := wrapper{s, creds, &creds}
	pverb := "%p" // not a constant, so that vet lets the wrong verb through
	if out := fmt.Sprintf(pverb, s); leaks(out) {
		t.Errorf("fmt %%p of Secret leaks: %s", out)
	}
	// %p skips Format and prints a non-pointer with reflection; go vet
	// reports it. Secret survives even that (its value is behind a pointer);
	// DBCredentials, whose Password is a plain field, cannot.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%10.3v"} {
		for name, v := range map[string]any{"Secret": s, "DBCredentials": creds, "*DBCredentials": &creds, "wrapper": w, "*wrapper": &w} {
			if out := fmt.Sprintf(verb, v); leaks(out) {
				t.Errorf("fmt %s of %s leaks: %s", verb, name, out)
			}
		}
	}
	for name, out := range map[string]string{
		"Secret.String":           s.String(),
		"Secret.GoString":         s.GoString(),
		"DBCredentials.String":    creds.String(),
		"DBCredentials.GoString":  creds.GoString(),
		"fmt.Sprint":              fmt.Sprint(s, creds),
		"fmt.Sprintln":            fmt.Sprintln(s, creds, &creds),
		"error wrapping %v":       fmt.Errorf("connect with %v: failed", creds).Error(),
		"recovered panic printed": recoverPrint(func() { panic(creds) }),
	} {
		if leaks(out) {
			t.Errorf("%s leaks: %s", name, out)
		}
		if !strings.Contains(out, secrets.Redacted) && name != "error wrapping %v" {
			t.Errorf("%s does not show %s: %s", name, secrets.Redacted, out)
		}
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		slog.New(h).Info("loaded", "secret", s, "creds", creds, "ptr", &creds, "wrapper", w)
	}
	if leaks(buf.String()) || !strings.Contains(buf.String(), `"username":"app"`) {
		t.Errorf("slog output leaks or lost the username: %s", buf.String())
	}
	for name, v := range map[string]any{"Secret": s, "DBCredentials": creds, "wrapper": w} {
		b, err := json.Marshal(v)
		if err != nil || leaks(string(b)) {
			t.Errorf("json.Marshal(%s) = %s, %v: leaks", name, b, err)
		}
	}
}

func recoverPrint(f func()) (out string) {
	defer func() { out = fmt.Sprint(recover()) }()
	f()
	return ""
}

func TestSecretAccessors(t *testing.T) {
	s := testSecret(t)
	if s.Value() != secretValue || string(s.Bytes()) != secretValue || s.IsBinary() {
		t.Fatalf("Value/Bytes/IsBinary wrong")
	}
	b := s.Bytes()
	b[0] = 'X' // the caller may wipe its copy
	if s.Value() != secretValue {
		t.Fatal("Bytes returned shared memory")
	}
	st := s.Stages()
	st[0] = "mutated"
	if s.Stages()[0] != secrets.StageCurrent {
		t.Fatal("Stages returned shared memory")
	}
	if s.ID() != "prod/db" || s.Name() != "prod/db" || s.VersionID() != secrets.StaticVersionID {
		t.Fatalf("got ID %q Name %q VersionID %q", s.ID(), s.Name(), s.VersionID())
	}
	var zero secrets.Secret
	if zero.Value() != "" || zero.Stages() != nil || !zero.CreatedDate().IsZero() || zero.ARN() != "" {
		t.Fatal("zero Secret is not empty")
	}
}

// TestDecodeErrorsHideValue: encoding/json quotes offending characters and
// numbers in its messages; Decode must not pass them on.
func TestDecodeErrorsHideValue(t *testing.T) {
	tests := []struct {
		name  string
		value string
		into  func() any
		want  string
	}{
		{name: "not JSON", value: "xyzzy-plain-password", into: func() any { return new(map[string]string) }, want: "invalid JSON at offset"},
		{name: "bad char inside", value: `{"password": xyzzy}`, into: func() any { return new(map[string]string) }, want: "invalid JSON at offset"},
		{name: "number into string", value: `{"pin": 12345678901234567890}`, into: func() any { return new(struct{ Pin string }) }, want: "Pin"},
		{name: "string into int", value: `{"pin": "xyzzy"}`, into: func() any { return new(struct{ Pin int }) }, want: "Pin"},
		{name: "whole value wrong type", value: `"xyzzy"`, into: func() any { return new(int) }, want: "value"},
		{name: "db credentials", value: `{"username": "u", "password": 12345678901234567890}`, into: func() any { return new(secrets.DBCredentials) }, want: "password must be a string"},
		{name: "custom unmarshaler", value: `"xyzzy"`, into: func() any { return new(echo) }, want: "failed"},
		{name: "nil target", value: `{}`, into: func() any { return nil }, want: "nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCache(t, secrets.Config{Client: secrets.Static(map[string]string{"s": tc.value})})
			s := mustGet(t, c, "s")
			err := s.Decode(tc.into())
			if !errors.Is(err, secrets.ErrDecode) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrDecode mentioning %q", err, tc.want)
			}
			if leaks(err.Error()) || strings.Contains(err.Error(), "1234567890") {
				t.Fatalf("error leaks the value: %v", err)
			}
		})
	}
}

// echo is a type whose UnmarshalJSON error quotes its input, as careless
// code does.
type echo struct{}

func (*echo) UnmarshalJSON(b []byte) error { return fmt.Errorf("bad input %s", b) }

func TestGetJSON(t *testing.T) {
	c := newCache(t, secrets.Config{Client: secrets.Static(map[string]string{
		"db":  secretValue,
		"bad": "not json",
	})})
	ctx := context.Background()
	creds, err := secrets.GetJSON[secrets.DBCredentials](ctx, c, "db")
	if err != nil || creds.Username != "app" || creds.Port != 3306 {
		t.Fatalf("got %v, %v", creds, err)
	}
	if _, err := secrets.GetJSON[secrets.DBCredentials](ctx, c, "nope"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("missing: got %v, want ErrNotFound", err)
	}
	if _, err := secrets.GetJSON[map[string]any](ctx, c, "bad"); !errors.Is(err, secrets.ErrDecode) {
		t.Fatalf("bad: got %v, want ErrDecode", err)
	}
}

func TestStatic(t *testing.T) {
	m := map[string]string{"a": "1"}
	c := newCache(t, secrets.Config{Client: secrets.Static(m)})
	m["a"] = "changed" // Static copied the map
	ctx := context.Background()
	if got := mustGet(t, c, "a").Value(); got != "1" {
		t.Fatalf("got %q, want 1", got)
	}
	if _, err := c.GetStage(ctx, "a", secrets.StagePending); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("pending: got %v, want ErrNotFound", err)
	}
	if _, err := c.GetVersion(ctx, "a", secrets.StaticVersionID); err != nil {
		t.Fatalf("static version: %v", err)
	}
	if _, err := c.GetVersion(ctx, "a", "other"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("other version: got %v, want ErrNotFound", err)
	}
	if _, err := secrets.Static(nil).GetSecretValue(ctx, nil); err == nil {
		t.Fatal("nil input: want an error")
	}
}

// TestErrorMapping maps SDK errors to sentinels, keeps the cause, and names
// the secret and stage.
func TestErrorMapping(t *testing.T) {
	generic := func(code string) error {
		return &smithy.GenericAPIError{Code: code, Message: "m"}
	}
	status := func(code int) error {
		return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: &smithy.GenericAPIError{Code: "Weird"}}
	}
	tests := []struct {
		name     string
		err      error
		want     error
		wantHint bool
	}{
		{name: "not found", err: &types.ResourceNotFoundException{Message: aws.String("m")}, want: secrets.ErrNotFound},
		{name: "access denied", err: generic("AccessDeniedException"), want: secrets.ErrAccessDenied},
		{name: "expired token", err: generic("ExpiredTokenException"), want: secrets.ErrAccessDenied},
		{name: "bad signature", err: generic("InvalidSignatureException"), want: secrets.ErrAccessDenied},
		{name: "decryption", err: &types.DecryptionFailure{Message: aws.String("m")}, want: secrets.ErrDecryption},
		{name: "throttled", err: generic("ThrottlingException"), want: secrets.ErrThrottled},
		{name: "scheduled for deletion", err: &types.InvalidRequestException{Message: aws.String("m")}, want: secrets.ErrInvalidRequest},
		{name: "invalid parameter", err: &types.InvalidParameterException{Message: aws.String("m")}, want: secrets.ErrInvalidRequest},
		{name: "internal", err: &types.InternalServiceError{Message: aws.String("m")}, want: secrets.ErrUnavailable},
		{name: "unknown code, HTTP 502", err: status(502), want: secrets.ErrUnavailable},
		{name: "unknown code, HTTP 400", err: status(400), want: nil},
		{name: "dial refused", err: &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, want: secrets.ErrUnavailable},
		{name: "dial timeout", err: &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Err: timeoutErr{}}}, want: secrets.ErrUnavailable, wantHint: true},
		{name: "deadline", err: fmt.Errorf("op: %w", context.DeadlineExceeded), want: secrets.ErrUnavailable, wantHint: true},
		{name: "unknown", err: errors.New("no EC2 IMDS role found"), want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.set("app/db", "v")
			f.setFail(tc.err)
			c := newCache(t, secrets.Config{Client: f})
			_, err := c.Get(context.Background(), "app/db")
			if err == nil {
				t.Fatal("want an error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("got %v, want the cause kept", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "secrets: ") || !strings.Contains(msg, `"app/db"`) || !strings.Contains(msg, "AWSCURRENT") {
				t.Errorf("got %q, want the package prefix, the id and the stage", msg)
			}
			if hint := strings.Contains(msg, "VPC endpoint"); hint != tc.wantHint {
				t.Errorf("got %q: VPC hint %v, want %v", msg, hint, tc.wantHint)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
