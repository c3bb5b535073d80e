// Command validate shows package validate in front of two handlers: a JSON
// signup body and a query string. It sends good and bad requests through
// httptest and prints each answer, so you can see which request gets which
// status and RFC 9457 problem document. The signup password is checked by
// package password's recommended policy inside validation, with the
// email as a context word, and its stable codes reach the client.
//
//	go run ./examples/validate
//
// Everything runs in process; there is no real resource to switch to.
package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/lambdasec/lambdasec/password"
	"github.com/lambdasec/lambdasec/validate"
)

// signup is a JSON body. Field problems are reported under the JSON names.
type signup struct {
	Email    string   `json:"email" validate:"required,email,max=254"`
	Password string   `json:"password" validate:"required,password=Email"`
	Tags     []string `json:"tags" validate:"max=3,dive,alphanum"`
}

// report is a query: ?from=2026-01-01&to=2026-03-31&account=1000&account=2000
type report struct {
	From     time.Time `query:"from" layout:"2006-01-02" validate:"required"`
	To       time.Time `query:"to" layout:"2006-01-02" validate:"required,gtefield=From"`
	Accounts []string  `query:"account" validate:"max=5,dive,numeric,len=4"`
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "validate:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	v, err := validate.New(validate.Config{
		MaxBodyBytes: 1 << 10,
		// password's recommended policy as a validate rule: one entry per
		// unmet rule, each with its stable code ("too_short", "common",
		// "contains_context"). Its words come from the fields the tag
		// names (password=Email) and from the request's context
		// (validate.WithContextWords), here the service's name.
		ContextRules: map[string]func(string, ...string) error{"password": password.NIST().Check},
	})
	if err != nil {
		return err
	}
	// Tags are checked once, here, so a typo fails at start-up.
	if err := v.Register(signup{}, report{}); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /signup", validate.JSON(v, func(w http.ResponseWriter, r *http.Request, s signup) {
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "created %s\n", s.Email)
	}))
	mux.Handle("GET /report", validate.Query(v, func(w http.ResponseWriter, r *http.Request, q report) {
		fmt.Fprintf(w, "report %s..%s for %v\n", q.From.Format(time.DateOnly), q.To.Format(time.DateOnly), q.Accounts)
	}))

	good := `{"email":"ada@example.com","password":"quiet-zebrafish-lantern-7","tags":["ops"]}`
	for _, c := range []struct{ what, method, target, contentType, body string }{
		{"a good body", "POST", "/signup", "application/json", good},
		{"a form instead of JSON", "POST", "/signup", "application/x-www-form-urlencoded", "email=ada"},
		{"a body over 1 KiB", "POST", "/signup", "application/json", `{"email":"` + strings.Repeat("a", 1100) + `"}`},
		{"malformed JSON", "POST", "/signup", "application/json", `{"email":"ada@example.com",}`},
		{"a duplicate key", "POST", "/signup", "application/json", `{"email":"ada@example.com","email":"eve@example.com","password":"x"}`},
		{"an unknown field", "POST", "/signup", "application/json", `{"email":"ada@example.com","password":"x","admin":true}`},
		{"a wrong type deep inside", "POST", "/signup", "application/json", `{"email":"ada@example.com","password":"x","tags":["a",7]}`},
		{"trailing data", "POST", "/signup", "application/json", good + `{"again":1}`},
		{"values that break the rules", "POST", "/signup", "application/json", `{"email":"ada","password":"password","tags":["a","b","c","d"]}`},
		{"the email inside the password", "POST", "/signup", "application/json", `{"email":"margaret@example.com","password":"margaret-likes-apollo"}`},
		{"the service name inside the password", "POST", "/signup", "application/json", `{"email":"ada@example.com","password":"my-TrialBalance-login"}`},
		{"a good query", "GET", "/report?from=2026-01-01&to=2026-03-31&account=1000&account=2000", "", ""},
		{"a bad date", "GET", "/report?from=2026-02-30&to=2026-03-31", "", ""},
		{"from after to", "GET", "/report?from=2026-04-01&to=2026-03-31", "", ""},
		{"a repeated parameter", "GET", "/report?from=2026-01-01&from=2025-01-01&to=2026-03-31", "", ""},
	} {
		r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
		r = r.WithContext(validate.WithContextWords(r.Context(), "trialbalance"))
		if c.contentType != "" {
			r.Header.Set("Content-Type", c.contentType)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		fmt.Fprintf(w, "%s:\n  %d %s\n", c.what, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return nil
}
