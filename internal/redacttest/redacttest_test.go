package redacttest

import (
	"fmt"
	"log/slog"
	"testing"
)

type leaky struct{ Password string }

type sealed struct{ p *string }

func (s sealed) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("sealed{REDACTED}")) }
func (s sealed) LogValue() slog.Value       { return slog.StringValue("REDACTED") }
func (s sealed) MarshalJSON() ([]byte, error) {
	return []byte(`"REDACTED"`), nil
}

// recorder is a testing.TB that only records failures.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(string, ...any)     { r.failed = true }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = true; r.TB.Fatalf(f, a...) }

func TestCheckCatchesALeak(t *testing.T) {
	r := &recorder{TB: t}
	Check(r, leaky{Password: "hunter2hunter2"}, "hunter2hunter2")
	if !r.failed {
		t.Fatal("a struct with a plain password field passed Check")
	}
}

func TestCheckCatchesByteSpellings(t *testing.T) {
	r := &recorder{TB: t}
	Check(r, struct{ K []byte }{[]byte("0123456789abcdef")}, "0123456789abcdef")
	if !r.failed {
		t.Fatal("a []byte secret printed as numbers passed Check")
	}
}

func TestCheckPassesASealedType(t *testing.T) {
	s := "hunter2hunter2"
	Check(t, sealed{p: &s}, s)
}
