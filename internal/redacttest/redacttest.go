// Package redacttest checks that a value holding a secret never prints it,
// whichever way a program might print or log it.
//
// Every redacted type in the library (keys, secrets, credentials) runs
// [Check] once in its tests. A type that passes has a Format method (so no
// fmt verb reaches the raw fields), a LogValue method (slog), and a
// MarshalJSON or unexported storage (encoding/json), and it keeps passing
// when the value is nested in a struct field, a slice, a map or a pointer.
package redacttest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// verbs are every fmt verb a value can meet, with the flags that change
// how fmt walks a value (%+v, %#v) or a byte slice (% x).
var verbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%o", "%O",
	"%b", "%c", "%U", "%e", "%E", "%f", "%F", "%g", "%G", "%t", "%p", "%T",
	"%10v", "%-10s", "%.3s",
}

// holder nests the value in an exported field, the way an application's
// own config or request struct would.
type holder struct {
	Name  string
	Value any
}

// Check fails t if any rendering of v contains one of secrets, or a hex,
// base64 or byte-list spelling of one. Each secret should be at least 8
// bytes, so that a match is not a coincidence.
func Check(t testing.TB, v any, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) < 8 {
			t.Fatalf("redacttest: secret %q is too short to search for reliably", s)
		}
	}
	for _, r := range renderings(v) {
		if leak := find(r.text, secrets); leak != "" {
			t.Errorf("%s leaks the secret (%s): %s", r.how, leak, r.text)
		}
	}
}

type rendering struct{ how, text string }

// renderings returns v printed every way Check covers.
func renderings(v any) []rendering {
	nested := map[string]any{
		"value":            v,
		"pointer":          &v,
		"struct":           holder{Name: "n", Value: v},
		"pointer-struct":   &holder{Name: "n", Value: v},
		"slice":            []any{v, v},
		"map":              map[string]any{"k": v},
		"struct-in-slice":  []holder{{Name: "n", Value: v}},
		"map-of-structs":   map[string]holder{"k": {Value: v}},
		"slice-in-struct":  holder{Value: []any{v}},
		"struct-in-struct": holder{Value: holder{Value: v}},
	}
	var out []rendering
	for where, x := range nested {
		for _, verb := range verbs {
			out = append(out, rendering{fmt.Sprintf("fmt %s of %s", verb, where), fmt.Sprintf(verb, x)})
		}
		out = append(out,
			rendering{"fmt.Sprint of " + where, fmt.Sprint(x)},
			rendering{"fmt.Sprintln of " + where, fmt.Sprintln(x)},
			rendering{"json.Marshal of " + where, marshal(x)},
			rendering{"slog text of " + where, logged(x, false)},
			rendering{"slog JSON of " + where, logged(x, true)},
		)
	}
	return out
}

func marshal(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		// An error is not a leak unless its text holds the secret.
		return err.Error()
	}
	return string(b)
}

func logged(x any, asJSON bool) string {
	var buf bytes.Buffer
	var h slog.Handler
	if asJSON {
		h = slog.NewJSONHandler(&buf, nil)
	} else {
		h = slog.NewTextHandler(&buf, nil)
	}
	l := slog.New(h)
	l.Info("msg", "value", x)
	l.Info("msg", slog.Any("any", x), slog.Group("group", slog.Any("inner", x)))
	l.With("with", x).Info("msg")
	return buf.String()
}

// find returns a description of the first spelling of a secret in text.
func find(text string, secrets []string) string {
	for _, s := range secrets {
		for _, sp := range spellings(s) {
			if strings.Contains(text, sp.text) {
				return sp.how
			}
		}
	}
	return ""
}

type spelling struct{ how, text string }

func spellings(s string) []spelling {
	b := []byte(s)
	bytesList := strings.Trim(fmt.Sprint(b), "[]") // "1 2 3"
	return []spelling{
		{"as text", s},
		{"quoted", strings.Trim(fmt.Sprintf("%q", s), `"`)},
		{"hex", hex.EncodeToString(b)},
		{"HEX", strings.ToUpper(hex.EncodeToString(b))},
		{"spaced hex", fmt.Sprintf("% x", b)},
		{"base64", strings.TrimRight(base64.StdEncoding.EncodeToString(b), "=")},
		{"base64url", base64.RawURLEncoding.EncodeToString(b)},
		{"byte list", bytesList},
		{"Go byte literal", fmt.Sprintf("%#v", b)[len("[]byte{"):]},
	}
}
