package validate_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lambdasec/lambdasec/validate"
)

type Login struct {
	Email    string `json:"email" validate:"required,email,max=254"`
	Password string `json:"password" validate:"required,min=8,max=100"`
	Remember *bool  `json:"remember"`
}

func post(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func ExampleNew() {
	v, err := validate.New(validate.Config{
		MaxBodyBytes: 64 << 10,
		Rules: map[string]func(string) error{
			"nospace": func(s string) error {
				if strings.ContainsAny(s, " \t") {
					return errors.New("must not contain spaces")
				}
				return nil
			},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	type Signup struct {
		Handle string `json:"handle" validate:"required,max=30,nospace"`
	}
	var in Signup
	err = v.DecodeJSON(post(`{"handle":"a b"}`), &in)
	fmt.Println(err)
	// Output:
	// validate: invalid request: handle must not contain spaces
}

func ExampleJSON() {
	v, _ := validate.New(validate.Config{MaxBodyBytes: 64 << 10})
	h := validate.JSON(v, func(w http.ResponseWriter, r *http.Request, in Login) {
		fmt.Fprintf(w, "welcome %s\n", in.Email)
	})
	for _, body := range []string{
		`{"email":"ada@example.com","password":"correct horse"}`,
		`{"email":"ada@example","password":"short"}`,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, post(body))
		fmt.Print(rec.Code, " ", rec.Header().Get("Content-Type"), "\n", rec.Body.String())
	}
	// Output:
	// 200 text/plain; charset=utf-8
	// welcome ada@example.com
	// 422 application/problem+json
	// {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"2 fields failed validation","errors":[{"field":"email","rule":"email","message":"must be a valid email address"},{"field":"password","rule":"min","param":"8","message":"must have at least 8 characters"}]}
}

func ExampleValidator_DecodeJSON() {
	v, _ := validate.New(validate.Config{})
	handler := func(w http.ResponseWriter, r *http.Request) {
		var in Login
		if err := v.DecodeJSON(r, &in); err != nil {
			validate.WriteError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	for _, body := range []string{
		`{"email":"ada@example.com","password":"correct horse","remember":false}`,
		// A second "email" would override the first in encoding/json.
		`{"email":"ada@example.com","password":"correct horse","email":"eve@example.com"}`,
		`{"email":"ada@example.com",}`,
	} {
		rec := httptest.NewRecorder()
		handler(rec, post(body))
		fmt.Println(strings.TrimSpace(fmt.Sprint(rec.Code, " ", rec.Body.String())))
	}
	// Output:
	// 204
	// 400 {"type":"about:blank","title":"Bad Request","status":400,"detail":"1 field could not be accepted","errors":[{"field":"email","rule":"duplicate","message":"appears more than once"}]}
	// 400 {"type":"about:blank","title":"Bad Request","status":400,"detail":"malformed JSON: expected a member name at byte 27"}
}

func ExampleValidator_DecodeQuery() {
	v, _ := validate.New(validate.Config{})
	type Entries struct {
		Account int64      `path:"account" validate:"gte=1"`
		From    time.Time  `query:"from" layout:"2006-01-02" validate:"required"`
		To      *time.Time `query:"to" layout:"2006-01-02" validate:"omitempty,gtefield=From"`
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /accounts/{account}/entries", func(w http.ResponseWriter, r *http.Request) {
		var p Entries
		if err := v.DecodeQuery(r, &p); err != nil {
			validate.WriteError(w, r, err)
			return
		}
		fmt.Fprintln(w, p.Account, p.From.Format(time.DateOnly), p.To != nil)
	})
	for _, target := range []string{
		"/accounts/42/entries?from=2026-01-01",
		"/accounts/42/entries?from=2026-02-01&to=2026-01-01",
		"/accounts/42/entries?from=1.1.2026&admin=1",
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 42 2026-01-01 false
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"1 field failed validation","errors":[{"field":"to","rule":"gtefield","param":"from","message":"must be at least from"}]}
	// 400 {"type":"about:blank","title":"Bad Request","status":400,"detail":"2 fields could not be accepted","errors":[{"field":"admin","rule":"unknown","message":"is not an allowed parameter"},{"field":"from","rule":"type","message":"must be a time in the form YYYY-MM-DD"}]}
}

func ExampleQuery() {
	v, _ := validate.New(validate.Config{})
	type Page struct {
		Limit *int `query:"limit" validate:"omitempty,gte=1,lte=100"`
	}
	h := validate.Query(v, func(w http.ResponseWriter, r *http.Request, p Page) {
		limit := 20
		if p.Limit != nil {
			limit = *p.Limit
		}
		fmt.Fprintln(w, "limit", limit)
	})
	for _, target := range []string{"/items", "/items?limit=50", "/items?limit=500", "/items?limit=5&limit=6"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 200 limit 20
	// 200 limit 50
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"1 field failed validation","errors":[{"field":"limit","rule":"lte","param":"100","message":"must be at most 100"}]}
	// 400 {"type":"about:blank","title":"Bad Request","status":400,"detail":"1 field could not be accepted","errors":[{"field":"limit","rule":"repeated","message":"must be given only once"}]}
}

func ExampleValidator_Register() {
	v, _ := validate.New(validate.Config{})
	type Broken struct {
		Email string `json:"email" validate:"required,emial"`
	}
	// At start-up, before serving: a typo is an error, not a panic on the
	// first request.
	if err := v.Register(Login{}, Broken{}); err != nil {
		fmt.Println(errors.Is(err, validate.ErrInvalidType))
		fmt.Println(err)
	}
	// Output:
	// true
	// validate: invalid destination type: validate_test.Broken: Undefined validation function 'emial' on field 'Email'
}

func ExampleValidator_Struct() {
	v, _ := validate.New(validate.Config{})
	in := Login{Email: "ada@example.com", Password: "short"}
	err := v.Struct(in)
	var fe *validate.FieldErrors
	if errors.As(err, &fe) {
		for _, e := range fe.Errors {
			fmt.Println(e.Field, e.Rule, e.Param, e.Message)
		}
	}
	// Output:
	// password min 8 must have at least 8 characters
}

func ExampleMessages() {
	// A stand-in for a password policy that reports every unmet rule.
	policy := func(pw string) error {
		var unmet validate.Messages
		if utf8.RuneCountInString(pw) < 15 {
			unmet = append(unmet, "must be at least 15 characters")
		}
		if strings.Contains(strings.ToLower(pw), "password") {
			unmet = append(unmet, "must not contain the word password")
		}
		if unmet != nil {
			return unmet
		}
		return nil
	}
	v, _ := validate.New(validate.Config{Rules: map[string]func(string) error{"password": policy}})
	type Register struct {
		Password string `json:"password" validate:"required,max=128,password"`
	}
	h := validate.JSON(v, func(w http.ResponseWriter, r *http.Request, in Register) {})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, post(`{"password":"MyPassword1"}`))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"1 field failed validation","errors":[{"field":"password","rule":"password","message":"must be at least 15 characters"},{"field":"password","rule":"password","message":"must not contain the word password"}]}
}

func ExampleWriteError() {
	handler := func(w http.ResponseWriter, r *http.Request) {
		// Errors from elsewhere become a bare 500: the cause is not
		// disclosed. Log it yourself.
		err := errors.New("db: dial tcp 10.0.0.5:3306: i/o timeout")
		validate.WriteError(w, r, err)
	}
	rec := httptest.NewRecorder()
	handler(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// 500 {"type":"about:blank","title":"Internal Server Error","status":500}
}

func ExampleStatusCode() {
	fmt.Println(validate.StatusCode(validate.ErrBodyTooLarge), validate.StatusCode(errors.New("other")))
	// Output:
	// 413 500
}

func ExampleFieldErrors() {
	v, _ := validate.New(validate.Config{})
	var in Login
	err := v.DecodeJSON(post(`{"email":42,"pass":"x"}`), &in)
	var fe *validate.FieldErrors
	if errors.As(err, &fe) {
		fmt.Println(errors.Is(err, validate.ErrMalformed), validate.StatusCode(err))
		for _, e := range fe.Errors {
			fmt.Printf("%s: %s (%s)\n", e.Field, e.Message, e.Rule)
		}
	}
	// Output:
	// true 400
	// email: must be a string (type)
	// pass: is not an allowed field (unknown)
}

func ExampleFieldErrors_caller() {
	v, _ := validate.New(validate.Config{})
	taken := map[string]bool{"ada@example.com": true}
	h := func(w http.ResponseWriter, r *http.Request) {
		var in Login
		err := v.DecodeJSON(r, &in)
		var fe *validate.FieldErrors
		if err != nil && !(errors.Is(err, validate.ErrInvalid) && errors.As(err, &fe)) {
			validate.WriteError(w, r, err)
			return
		}
		if fe == nil {
			fe = &validate.FieldErrors{}
		}
		// A check no tag can express, reported with the others.
		if taken[in.Email] {
			fe.Errors = append(fe.Errors, validate.FieldError{Field: "email", Rule: "unique", Message: "is already registered"})
		}
		if len(fe.Errors) > 0 {
			validate.WriteError(w, r, fe)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}
	rec := httptest.NewRecorder()
	h(rec, post(`{"email":"ada@example.com","password":"short"}`))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// 422 {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"2 fields failed validation","errors":[{"field":"password","rule":"min","param":"8","message":"must have at least 8 characters"},{"field":"email","rule":"unique","message":"is already registered"}]}
}
